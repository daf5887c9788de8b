"""Rating mapping, FSRS state transitions, the review queue and progress figures (pure)."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest
from fsrs import Rating, State

from bot.core import progress, srs
from bot.core.errors import BadInput, StudyBotError
from bot.core.srs import CardState

NOW = datetime(2026, 3, 10, 15, 30, tzinfo=UTC)


def rate(raw: int, state: CardState | None = None, now: datetime = NOW, card_id: str = "clv") -> srs.ReviewOutcome:
    return srs.apply_rating(
        card_id, state, srs.map_rating(raw), now, random.Random(1), scheduler=srs.DEFAULT_SCHEDULER
    )


def studied(card_id: str, due: datetime, stability: float = 5.0, state: State = State.Review) -> CardState:
    step = None if state == State.Review else 0
    return CardState(card_id, state, step, stability, 5.0, due, due - timedelta(days=3))


# -- rating mapping ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [(1, Rating.Again), (2, Rating.Again), (3, Rating.Good), (4, Rating.Good), (5, Rating.Easy)],
)
def test_each_raw_rating_maps_to_its_fsrs_rating(raw, expected):
    # 3 was Hard until issue 14: an ordinary success pressed as 3 got much shorter intervals.
    assert srs.map_rating(raw) is expected


def test_a_3_schedules_like_a_4_and_never_like_hard():
    card = rate(5).state
    assert rate(3, card, card.due).state == rate(4, card, card.due).state
    hard = srs.apply_rating("clv", card, Rating.Hard, card.due, random.Random(1), scheduler=srs.DEFAULT_SCHEDULER)
    assert rate(3, card, card.due).interval > hard.interval


@pytest.mark.parametrize("raw", [0, 6, -1, 100, 3.0, "3", None, True])
def test_ratings_outside_one_to_five_are_refused_with_a_friendly_error(raw):
    with pytest.raises(BadInput, match="from 1 to 5") as info:
        srs.map_rating(raw)
    assert isinstance(info.value, StudyBotError)


def test_quiz_answers_map_to_good_or_again():
    assert srs.rating_for_answer(True) is Rating.Good
    assert srs.rating_for_answer(False) is Rating.Again


# -- state transitions ---------------------------------------------------------------------


def test_new_card_rated_1_is_learning_and_due_within_minutes():
    outcome = rate(1)
    assert outcome.was_new and outcome.retrievability is None
    assert outcome.state.state == State.Learning
    assert timedelta(0) < outcome.interval <= timedelta(minutes=10)
    assert outcome.state.last_review == NOW


def test_new_card_rated_5_graduates_and_is_due_days_later():
    outcome = rate(5)
    assert outcome.state.state == State.Review and outcome.state.step is None
    assert outcome.interval >= timedelta(days=3)
    assert outcome.state.due == NOW + timedelta(days=outcome.interval.days)


def test_ratings_order_the_next_interval():
    intervals = [rate(raw).interval for raw in (1, 3, 4, 5)]
    assert intervals == sorted(intervals) and intervals[0] < intervals[-1]


def test_forgetting_a_review_card_sends_it_to_relearning_and_lowers_stability():
    card = rate(5).state
    later = card.due
    outcome = rate(1, card, later)
    assert outcome.state.state == State.Relearning
    assert outcome.state.stability < card.stability
    assert outcome.elapsed == later - NOW
    assert 0.8 < outcome.retrievability <= 1.0  # reviewed on the due date: about the 90% target


def test_successful_reviews_grow_stability_until_mastered():
    card, now = None, NOW
    for _ in range(8):
        card = rate(4, card, now).state
        now = card.due
    assert card.mastered and card.stability >= srs.MASTERED_STABILITY_DAYS


def test_review_times_are_whole_seconds_and_must_be_aware():
    outcome = rate(4, now=NOW.replace(microsecond=987654))
    assert outcome.reviewed_at == NOW and outcome.state.due.microsecond == 0
    with pytest.raises(ValueError, match="timezone-aware"):
        rate(4, now=NOW.replace(tzinfo=None))


def test_the_same_review_rng_gives_the_same_fuzzed_due_date():
    card = rate(5).state
    at = card.due + timedelta(days=2)
    first = srs.apply_rating(
        "clv", card, Rating.Good, at, srs.review_rng(7, "clv", at), scheduler=srs.DEFAULT_SCHEDULER
    )
    again = srs.apply_rating(
        "clv", card, Rating.Good, at, srs.review_rng(7, "clv", at), scheduler=srs.DEFAULT_SCHEDULER
    )
    assert first == again


def test_fuzz_stays_near_the_computed_interval():
    card = rate(5).state
    at = card.due
    dues = {
        srs.apply_rating(
            "clv", card, Rating.Good, at, random.Random(s), scheduler=srs.DEFAULT_SCHEDULER
        ).interval.days
        for s in range(200)
    }
    assert len(dues) > 1, "long intervals are spread out"
    assert max(dues) - min(dues) <= 0.35 * max(dues)


def test_replay_rebuilds_the_state_from_ratings_and_times():
    history, card, now = [], None, NOW
    for raw in (3, 4, 1, 4, 5, 4):
        rating = srs.map_rating(raw)
        card = srs.apply_rating(
            "nps", card, rating, now, srs.review_rng(42, "nps", now), scheduler=srs.DEFAULT_SCHEDULER
        ).state
        history.append((rating, now))
        now = card.due + timedelta(hours=5)
    assert srs.replay(42, "nps", history) == card
    assert srs.replay(42, "nps", []) is None


# -- queue selection -----------------------------------------------------------------------

DECK = [f"t{i}" for i in range(30)]


def queue(states, candidates=DECK, **kw):
    kw.setdefault("new_today", 0)
    return srs.select_queue(states, candidates, now=NOW, **kw)


def test_due_cards_come_first_most_overdue_first_then_new_in_deck_order():
    states = {
        "t3": studied("t3", NOW - timedelta(hours=1)),
        "t1": studied("t1", NOW - timedelta(days=4)),
        "t7": studied("t7", NOW - timedelta(days=1)),
        "t2": studied("t2", NOW + timedelta(days=2)),  # not due
    }
    q = queue(states, new_per_day=3)
    assert q.due == ("t1", "t7", "t3")
    assert q.new == ("t0", "t4", "t5")
    assert q.cards == q.due + q.new and len(q) == 6


def test_new_cards_respect_what_was_introduced_today():
    assert len(queue({}, new_per_day=10, new_today=7).new) == 3
    assert queue({}, new_per_day=10, new_today=10).new == ()
    assert queue({}, new_per_day=10, new_today=15).new == ()
    assert queue({}, new_per_day=0).new == ()


def test_include_new_false_gives_only_due_cards():
    states = {"t5": studied("t5", NOW - timedelta(minutes=1))}
    q = queue(states, include_new=False)
    assert q.due == ("t5",) and q.new == ()


def test_topic_filter_is_the_candidate_list():
    states = {"t1": studied("t1", NOW - timedelta(days=1)), "t20": studied("t20", NOW - timedelta(days=2))}
    q = queue(states, candidates=["t20", "t21", "t22"], new_per_day=1)
    assert q.due == ("t20",) and q.new == ("t21",)


def test_shuffled_candidates_give_a_random_new_order():
    shuffled = random.Random(3).sample(DECK, len(DECK))
    assert queue({}, candidates=shuffled, new_per_day=5).new == tuple(shuffled[:5])


def test_limit_caps_due_before_new():
    states = {c: studied(c, NOW - timedelta(days=i + 1)) for i, c in enumerate(DECK[:4])}
    assert queue(states, limit=2).cards == ("t3", "t2")
    assert queue(states, limit=6).cards == ("t3", "t2", "t1", "t0", "t4", "t5")


def test_nothing_due_gives_an_empty_queue_and_the_next_due_time():
    soon = NOW + timedelta(hours=3)
    states = {"t1": studied("t1", NOW + timedelta(days=2)), "t2": studied("t2", soon)}
    q = queue(states, candidates=["t1", "t2"])
    assert len(q) == 0 and not q.cards
    assert srs.next_due(states, ["t1", "t2"], NOW) == soon
    assert srs.next_due(states, ["t1"], NOW) == NOW + timedelta(days=2)
    assert srs.next_due({}, DECK, NOW) is None


def test_learn_ahead_shows_learning_cards_due_soon_but_not_review_cards():
    states = {
        "t1": studied("t1", NOW + timedelta(minutes=5), state=State.Learning),
        "t2": studied("t2", NOW + timedelta(minutes=5)),
    }
    assert queue(states, candidates=["t1", "t2"]).due == ()
    assert queue(states, candidates=["t1", "t2"], learn_ahead=timedelta(minutes=20)).due == ("t1",)


def test_new_cards_come_back_at_the_next_utc_midnight():
    assert srs.utc_day_start(NOW) == datetime(2026, 3, 10, tzinfo=UTC)
    assert srs.next_new_cards_at(NOW) == datetime(2026, 3, 11, tzinfo=UTC)


# -- progress ------------------------------------------------------------------------------


def test_day_streak_ends_today_or_yesterday():
    today = progress.utc_day_number(NOW)
    assert progress.day_streak([today, today - 1, today - 2, today - 4], today) == 3
    assert progress.day_streak([today - 1, today - 2], today) == 2
    assert progress.day_streak([today - 2, today - 3], today) == 0
    assert progress.day_streak([], today) == 0


def test_topic_mastery_counts_seen_and_mastered_cards():
    topic_of = {"a": "metrics", "b": "metrics", "c": "loyalty"}
    states = {
        "a": studied("a", NOW, stability=30.0),
        "b": studied("b", NOW, stability=2.0),
        "x": studied("x", NOW),
    }
    result = progress.topic_mastery(states, topic_of)
    assert result["metrics"] == progress.TopicMastery("metrics", total=2, seen=2, mastered=1)
    assert result["loyalty"].seen == 0 and result["loyalty"].share_mastered == 0.0
    assert result["metrics"].share_mastered == 0.5


def test_accuracy_is_none_without_answers():
    p = progress.Progress(1, 0, 0, 0, 0, 0, test_questions=10, test_correct=7, quiz_answered=10, quiz_correct=9)
    assert p.test_accuracy == 0.7 and p.quiz_accuracy == 0.9 and p.overall_accuracy == 0.8
    assert progress.accuracy(0, 0) is None
    with pytest.raises(ValueError):
        progress.accuracy(3, 2)


# -- the order of new cards ------------------------------------------------------------------


def deck_cards(sizes: dict[str, int]) -> list[tuple[str, str]]:
    return [(f"{topic}-{i:02d}", topic) for topic, size in sizes.items() for i in range(size)]


def test_new_cards_take_turns_between_topics_instead_of_starting_with_the_first():
    cards = deck_cards({f"t{n}": 16 for n in range(11)})
    order = srs.mix_topics(cards, srs.new_card_rng(42))
    topic_of = dict(cards)
    assert sorted(order) == sorted(topic_of), "every card once"
    first_ten = [topic_of[c] for c in order[:10]]
    assert len(set(first_ten)) == 10, "a day's ten new cards come from ten topics"
    assert order[:3] != [c for c, _ in cards[:3]], "not the deck's (alphabetical) order"


def test_a_bigger_topic_is_spread_over_the_whole_order():
    cards = deck_cards({"big": 30, "small": 3, "mid": 10})
    order = srs.mix_topics(cards, random.Random(7))
    positions = [i for i, c in enumerate(order) if c.startswith("small")]
    assert positions[0] < 15 and positions[-1] >= 28, "the small topic is not left for the end"
    halves = order[: len(order) // 2], order[len(order) // 2 :]
    assert all(10 <= sum(c.startswith("big") for c in half) <= 20 for half in halves)


def test_the_order_is_the_members_own_and_stable():
    cards = deck_cards({"a": 5, "b": 5, "c": 5})
    assert srs.mix_topics(cards, srs.new_card_rng(1)) == srs.mix_topics(cards, srs.new_card_rng(1))
    assert srs.mix_topics(cards, srs.new_card_rng(1)) != srs.mix_topics(cards, srs.new_card_rng(2))
    assert srs.mix_topics([], srs.new_card_rng(1)) == []
