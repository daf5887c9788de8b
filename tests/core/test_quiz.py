"""The quiz round state machine and scoring rules, with a fixed clock."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.core.questions import Kind, Mode, make_question, make_questions
from bot.core.quiz import (
    AlreadyAnswered,
    AnswerPending,
    QuestionClosed,
    QuizRound,
    period_key,
    period_keys,
    places,
    speed_points,
    streak_bonus,
)

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)  # a Monday


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def answer(round_: QuizRound, user_id: int, *args, **kwargs):
    """An answer that was stored at once: prepared, then confirmed."""
    round_.prepare(user_id, *args, **kwargs)
    return round_.confirm(user_id)


@pytest.fixture
def round_(deck):
    questions = make_questions(deck, 3, Mode.TRUE_FALSE, random.Random(5))
    return QuizRound(questions, seconds=20, started_by=1, round_id=7)


def test_speed_points_fall_from_1000_to_500():
    assert speed_points(0, 20) == 1000
    assert speed_points(10, 20) == 750
    assert speed_points(20, 20) == 500
    assert speed_points(25, 20) == 500 and speed_points(-1, 20) == 1000


def test_streak_bonus_grows_by_100_and_caps_at_500():
    assert [streak_bonus(n) for n in range(1, 9)] == [0, 100, 200, 300, 400, 500, 500, 500]


def test_answers_are_scored_once_and_closed_at_the_deadline(round_):
    round_.open_question(at(0))
    q = round_.question
    right = answer(round_, 11, "alice", q.answer, True, at(4))
    assert right.points == 900 and right.elapsed_ms == 4000
    with pytest.raises(AlreadyAnswered):
        answer(round_, 11, "alice", q.answer, True, at(5))
    wrong = answer(round_, 12, "bob", "x", False, at(6))
    assert wrong.points == 0
    with pytest.raises(QuestionClosed):
        answer(round_, 13, "carol", q.answer, True, at(20))
    reveal = round_.close_question()
    assert reveal.right == (11,) and reveal.fastest.user_id == 11
    assert sum(reveal.split.values()) == 2
    with pytest.raises(QuestionClosed):
        answer(round_, 13, "carol", q.answer, True, at(1))


def test_streaks_and_skipped_questions(round_):
    for n in range(3):
        round_.open_question(at(30 * n))
        if n < 2:
            answer(round_, 11, "alice", round_.question.answer, True, at(30 * n))
        round_.close_question()
    alice = round_.players[11]
    assert alice.points == 1000 + 1100 and alice.best_streak == 2
    assert alice.streak == 0, "skipping a question ends the streak"


def test_everyone_answered_only_counts_members_who_joined(round_):
    round_.open_question(at(0))
    answer(round_, 11, "alice", "true", True, at(1))
    assert not round_.everyone_answered(), "never on the first question"
    answer(round_, 12, "bob", "true", True, at(1))
    round_.close_question()
    round_.open_question(at(30))
    answer(round_, 11, "alice", "true", True, at(31))
    assert not round_.everyone_answered()
    answer(round_, 12, "bob", "false", False, at(32))
    assert round_.everyone_answered()


def test_two_silent_questions_abandon_the_round(round_):
    round_.open_question(at(0))
    round_.close_question()
    assert not round_.abandoned
    round_.open_question(at(30))
    round_.close_question()
    assert round_.abandoned


def test_an_answer_counts_only_once_confirmed(round_):
    round_.open_question(at(0))
    held = round_.prepare(11, "alice", round_.question.answer, True, at(2))
    assert held.points == 950
    assert 11 not in round_.answers and 11 not in round_.players, "nothing counts before the write"
    with pytest.raises(AnswerPending):
        round_.prepare(11, "alice", round_.question.answer, True, at(2.5))
    assert round_.confirm(11) == held
    assert round_.answers[11] == held and round_.players[11].points == 950
    with pytest.raises(AlreadyAnswered):
        round_.prepare(11, "alice", round_.question.answer, True, at(3))


def test_a_released_answer_leaves_nothing_and_can_be_given_again(round_):
    round_.open_question(at(0))
    round_.prepare(11, "alice", round_.question.answer, True, at(2))
    round_.release(11)
    assert round_.confirm(11) is None
    assert 11 not in round_.answers and 11 not in round_.players and not round_.pending
    assert answer(round_, 11, "alice", round_.question.answer, True, at(3)).points == 925


def test_an_answer_pending_at_the_close_still_counts_for_its_player(round_):
    round_.open_question(at(0))
    round_.prepare(11, "alice", round_.question.answer, True, at(19))
    round_.stop_answers()
    with pytest.raises(QuestionClosed):
        round_.prepare(12, "bob", round_.question.answer, True, at(19.5))
    round_.confirm(11)
    reveal = round_.close_question()
    assert reveal.right == (11,) and round_.players[11].correct == 1


def test_forget_drops_a_member_from_the_round(round_):
    round_.open_question(at(0))
    answer(round_, 11, "alice", round_.question.answer, True, at(1))
    answer(round_, 12, "bob", round_.question.answer, True, at(2))
    round_.prepare(13, "carol", round_.question.answer, True, at(3))
    round_.forget(11)
    round_.forget(13)
    assert round_.confirm(13) is None, "a pending answer of a forgotten member is not counted"
    reveal = round_.close_question()
    assert reveal.right == (12,) and [a.user_id for a in reveal.answers] == [12]
    assert set(round_.players) == {12} and round_.winners() == {12}


def test_standings_and_winners(round_):
    round_.open_question(at(0))
    answer(round_, 11, "alice", "a", True, at(0))
    answer(round_, 12, "bob", "a", True, at(0))
    answer(round_, 13, "carol", "a", False, at(0))
    assert [p.user_id for p in round_.standings()] == [11, 12, 13]
    assert round_.winners() == {11, 12}


def test_equal_points_share_a_place(round_):
    round_.open_question(at(0))
    for uid, name, correct in [(14, "dave", False), (13, "Carol", True), (12, "bob", True), (11, "erin", True)]:
        answer(round_, uid, name, "a", correct, at(0 if uid != 11 else 10))
    table = round_.standings()
    assert [p.name for p in table] == ["bob", "Carol", "erin", "dave"], "ties listed by name"
    assert places(table) == [1, 1, 3, 4]
    assert places([]) == []


def test_period_keys_use_the_servers_monday():
    sunday_night_utc = datetime(2026, 3, 9, 3, 0, tzinfo=UTC)  # still Sunday 8 March in New York
    assert period_keys(sunday_night_utc, ZoneInfo("UTC")) == ("all", "w2026-03-09", "m2026-03")
    assert period_keys(sunday_night_utc, ZoneInfo("America/New_York")) == ("all", "w2026-03-02", "m2026-03")
    assert period_key("week", sunday_night_utc, ZoneInfo("UTC")) == "w2026-03-09"
    assert period_key("all", sunday_night_utc, ZoneInfo("UTC")) == "all"


def test_multiple_choice_has_exactly_one_defensible_answer(deck):
    rng = random.Random(1)
    grouped = [t for t in deck.terms if t.group]
    assert grouped
    for term in grouped * 3:
        q = make_question(deck, term, Kind.TERM, rng)
        offered = [deck_term for deck_term in deck.terms if deck_term.name in q.options]
        assert len(offered) == 4 and term in offered
        assert sum(deck.same_group(term, o) for o in offered) == 1, "no near-synonym among the distractors"
        assert q.options[("A", "B", "C", "D").index(q.answer)] == term.name


def test_questions_do_not_give_the_term_away(deck):
    rng = random.Random(2)
    for term in deck.terms:
        q = make_question(deck, term, Kind.TYPED, rng)
        definition = q.prompt.split("\n> ", 1)[1].lower()
        assert term.name.lower() not in definition


def test_true_false_statements_are_right_about_half_the_time(deck):
    rng = random.Random(3)
    answers = [make_question(deck, t, Kind.TRUE_FALSE, rng).answer for t in deck.terms]
    assert 0.3 < answers.count("true") / len(answers) < 0.7


def test_rounds_pick_distinct_terms_and_respect_the_topic(deck):
    topic = deck.topics[0].id
    qs = make_questions(deck, 5, Mode.MIXED, random.Random(4), topic)
    assert len({q.term_id for q in qs}) == 5
    assert all(deck.get(q.term_id).topic == topic for q in qs)
    many = make_questions(deck, 50, Mode.TYPED, random.Random(4), topic)
    assert len(many) == 50 and all(q.kind is Kind.TYPED for q in many)
    assert make_questions(deck, 3, Mode.MIXED, random.Random(9)) == make_questions(
        deck, 3, Mode.MIXED, random.Random(9)
    )
