"""Spaced repetition: the 1-5 self-rating, FSRS-6 scheduling and the review queue.

Scheduling follows a server's own FSRS-6 parameters and desired retention: callers pass the
`fsrs.Scheduler` to use (`scheduler(parameters, retention)`; `DEFAULT_SCHEDULER` in DMs).

A card is one (member, card id) pair; the card id is opaque text (a deck term id, a
performance-indicator id or a list-question id). A card with no `CardState` is *new*.

Everything here is pure: callers pass `now` (aware, UTC) and, where chance is involved, an
`rng`. Reviews are timed to the whole second, so a state stored as epoch seconds and a state
rebuilt from the review log (`replay`) are identical.

Days: the daily new-card allowance uses the **UTC** day (a member's own time zone is unknown and
their study follows them across servers); see `utc_day_start`.
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import fsrs
from fsrs import Rating, State

from bot.core.errors import BadInput
from bot.core.fsrs_fit import DEFAULT_PARAMETERS, scheduler_for

DESIRED_RETENTION = 0.9
#: The desired retention a server may choose (`/settings retention`).
MIN_RETENTION, MAX_RETENTION = 0.80, 0.95
#: A card forgotten this many times (see `ReviewOutcome.lapsed`) is a leech, as Anki counts them.
LEECH_LAPSES = 8
MASTERED_STABILITY_DAYS = 21.0  # a card recalled 90% of the time three weeks later is "mastered"
DEFAULT_NEW_PER_DAY = 10
SOURCES = ("review", "test", "quiz", "daily")


def scheduler(
    parameters: Sequence[float] = DEFAULT_PARAMETERS, retention: float = DESIRED_RETENTION
) -> fsrs.Scheduler:
    """The fsrs scheduler for a server's FSRS-6 parameters and desired retention.

    Built once per pair (building one validates the parameters, which is slow per call). Fuzzing
    is off in it because fsrs draws from the global `random`; `apply_rating` fuzzes with our rng.
    Raises ValueError for a retention outside `MIN_RETENTION`..`MAX_RETENTION`.
    """
    if not MIN_RETENTION <= retention <= MAX_RETENTION:
        raise ValueError(f"desired retention {retention!r} is outside {MIN_RETENTION}-{MAX_RETENTION}")
    return scheduler_for(tuple(float(w) for w in parameters), float(retention))


#: FSRS-6's default parameters at retention 0.90: DMs, and servers that kept the defaults.
DEFAULT_SCHEDULER = scheduler()

# Decided on the real review log (tests/bench/bench_fsrs_eval.py, "rating mapping" rows): its learner
# rated 8,903 of 8,904 successes Good, and replaying it with those entered as Hard cuts the median
# stability from 12 to 3.5 days and worsens FSRS's predictions. So the middle of the scale, where
# students put an ordinary success, is Good; failing to recall (even nearly) is Again; Hard, which
# that learner used once in 12,580 reviews, has no button of its own.
_RATINGS = {1: Rating.Again, 2: Rating.Again, 3: Rating.Good, 4: Rating.Good, 5: Rating.Easy}
_ONE_DAY = timedelta(days=1)
#: How well the member knew the card, for each 1-5 answer: the words on the /review buttons and in
#: the class export, beside the scheduling rating it maps to.
RATING_FEELINGS = {1: "forgot", 2: "almost had it", 3: "got it, with effort", 4: "got it", 5: "instant"}


def map_rating(raw: int) -> Rating:
    """The FSRS rating for a 1-5 "How well did you know this?" answer.

    1-2 -> Again (not recalled), 3-4 -> Good (recalled), 5 -> Easy. Anything else raises `BadInput`.
    """
    if isinstance(raw, bool) or not isinstance(raw, int) or raw not in _RATINGS:
        raise BadInput(f"A rating goes from 1 to 5, not {raw!r}.")
    return _RATINGS[raw]


def rating_for_answer(correct: bool) -> Rating:
    """The FSRS rating for a right or wrong answer in a quiz or practice test (Good / Again)."""
    return Rating.Good if correct else Rating.Again


def _utc(now: datetime) -> datetime:
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError("now must be timezone-aware")
    # fsrs insists on tzinfo == timezone.utc, and reviews are timed to the second (see module doc).
    return now.astimezone(UTC).replace(microsecond=0)


def utc_day_start(now: datetime) -> datetime:
    """Midnight UTC at the start of `now`'s UTC day: the day that the daily new-card rate counts."""
    return _utc(now).replace(hour=0, minute=0, second=0)


def next_new_cards_at(now: datetime) -> datetime:
    """When the daily new-card allowance starts again (the next UTC midnight)."""
    return utc_day_start(now) + _ONE_DAY


@dataclass(frozen=True, slots=True)
class CardState:
    """What the scheduler knows about one card of one member.

    `state` is fsrs's Learning / Review / Relearning; `step` is the learning step (None in
    Review); `stability` is in days (the interval at which recall falls to 90%); `difficulty`
    runs from 1 to 10; `due` and `last_review` are aware UTC datetimes; `lapses` counts the
    reviews that forgot the card (`ReviewOutcome.lapsed`).
    """

    card_id: str
    state: State
    step: int | None
    stability: float | None
    difficulty: float | None
    due: datetime
    last_review: datetime | None
    lapses: int = 0

    def is_due(self, now: datetime) -> bool:
        """True when the card should be shown at `now`."""
        return self.due <= now

    @property
    def leech(self) -> bool:
        """True once the card was forgotten `LEECH_LAPSES` times."""
        return is_leech(self.lapses)

    @property
    def mastered(self) -> bool:
        """True once stability reaches `MASTERED_STABILITY_DAYS`."""
        return self.stability is not None and self.stability >= MASTERED_STABILITY_DAYS

    def retrievability(self, now: datetime, scheduler: fsrs.Scheduler = DEFAULT_SCHEDULER) -> float:
        """FSRS's predicted chance of recall at `now` (0 for a card never reviewed)."""
        return scheduler.get_card_retrievability(self._to_fsrs(), _utc(now))

    def _to_fsrs(self) -> fsrs.Card:
        # card_id given: fsrs.Card() without one sleeps 1 ms to make a unique id.
        return fsrs.Card(
            card_id=0,
            state=self.state,
            step=self.step,
            stability=self.stability,
            difficulty=self.difficulty,
            due=self.due,
            last_review=self.last_review,
        )


@dataclass(frozen=True, slots=True)
class ReviewOutcome:
    """The result of one rating: the new state plus what the review log needs."""

    state: CardState
    rating: Rating
    reviewed_at: datetime
    elapsed: timedelta | None  # since the previous review; None when the card was new
    retrievability: float | None  # predicted recall just before this review; None when new

    @property
    def was_new(self) -> bool:
        """True when this was the card's first review."""
        return self.elapsed is None

    @property
    def interval(self) -> timedelta:
        """How long until the card is due again."""
        return self.state.due - self.reviewed_at

    @property
    def lapsed(self) -> bool:
        """True when this review forgot a card at least a day after its previous review.

        Those are the lapses that make a leech (`LEECH_LAPSES`): a miss minutes after the card was
        shown (learning steps, a quiz right after a review) says little about long-term memory.
        The review log has what this needs (rating, elapsed_s), so lapses can be counted from it.
        """
        return _is_lapse(self.rating, self.elapsed)


def _is_lapse(rating: Rating, elapsed: timedelta | None) -> bool:
    return rating == Rating.Again and elapsed is not None and elapsed >= _ONE_DAY


def review_rng(user_id: int, card_id: str, at: datetime) -> random.Random:
    """The fuzz source for one review, derived from who, what and when.

    Deterministic (a string seed is hashed with SHA-512, not Python's salted hash), so replaying
    the review log reproduces every due date exactly.
    """
    at_ms = (at.astimezone(UTC) - _EPOCH) // timedelta(milliseconds=1)
    return random.Random(f"{user_id}:{card_id}:{at_ms}")


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
# (start day, end day, share of the interval) bands, as Anki and FSRS fuzz review intervals:
# about +-15% for short intervals, narrowing to +-5% for long ones.
_FUZZ_BANDS = ((2.5, 7.0, 0.15), (7.0, 20.0, 0.10), (20.0, float("inf"), 0.05))


def _fuzz_days(days: int, rng: random.Random, maximum: int) -> int:
    """Spread review intervals a little, so cards learned together do not stay in lockstep."""
    if days < 3:
        return days
    spread = 1.0 + sum(share * max(min(days, end) - start, 0.0) for start, end, share in _FUZZ_BANDS)
    low = max(2, round(days - spread))
    high = min(round(days + spread), maximum)
    return rng.randint(min(low, high), high)


def apply_rating(
    card_id: str,
    state: CardState | None,
    rating: Rating,
    now: datetime,
    rng: random.Random,
    *,
    scheduler: fsrs.Scheduler,
) -> ReviewOutcome:
    """Apply one rating to a card at `now` (state None = a new card); returns the new state.

    `scheduler` carries the server's parameters and desired retention (`scheduler(...)`,
    `DEFAULT_SCHEDULER` in DMs). `rng` fuzzes review intervals of 3 days or more; pass
    `review_rng(...)` to make the result reproducible from the review log.
    """
    now = _utc(now)
    rating = Rating(rating)
    if state is None:
        before, elapsed, recall, lapses = fsrs.Card(card_id=0, due=now), None, None, 0
    else:
        lapses = state.lapses
        before = state._to_fsrs()
        elapsed = now - state.last_review if state.last_review is not None else None
        recall = scheduler.get_card_retrievability(before, now) if elapsed is not None else None
    after, _ = scheduler.review_card(before, rating, now)
    due = after.due
    if after.state == State.Review:
        days = (due - now).days
        due = now + timedelta(days=_fuzz_days(days, rng, scheduler.maximum_interval))
    lapses += _is_lapse(rating, elapsed)
    new_state = CardState(card_id, after.state, after.step, after.stability, after.difficulty, due, now, lapses)
    return ReviewOutcome(new_state, rating, now, elapsed, recall)


def replay(
    user_id: int,
    card_id: str,
    history: Iterable[tuple[Rating, datetime]],
    *,
    scheduler: fsrs.Scheduler = DEFAULT_SCHEDULER,
) -> CardState | None:
    """Rebuild a card's state from its review log (rating, reviewed_at), oldest first.

    Uses the same per-review fuzz as the live path, so the result equals the stored state when
    every rating was made with `scheduler`. Returns None for an empty history.
    """
    state = None
    for rating, at in history:
        rng = review_rng(user_id, card_id, at)
        state = apply_rating(card_id, state, rating, at, rng, scheduler=scheduler).state
    return state


def is_leech(lapses: int) -> bool:
    """True for a card forgotten `LEECH_LAPSES` times or more."""
    return lapses >= LEECH_LAPSES


@dataclass(frozen=True, slots=True)
class ReviewQueue:
    """The cards to show next: due ones (most overdue first), then new ones."""

    due: tuple[str, ...]
    new: tuple[str, ...]

    @property
    def cards(self) -> tuple[str, ...]:
        """Due then new, the order in which to show them."""
        return self.due + self.new

    def __len__(self) -> int:
        return len(self.due) + len(self.new)


def new_allowance(new_today: int, new_per_day: int = DEFAULT_NEW_PER_DAY) -> int:
    """How many new cards the member may still start today."""
    if new_per_day < 0 or new_today < 0:
        raise ValueError("new_per_day and new_today must not be negative")
    return max(0, new_per_day - new_today)


def select_queue(
    states: Mapping[str, CardState],
    candidates: Sequence[str],
    *,
    now: datetime,
    new_today: int,
    new_per_day: int = DEFAULT_NEW_PER_DAY,
    include_new: bool = True,
    limit: int | None = None,
    learn_ahead: timedelta = timedelta(0),
) -> ReviewQueue:
    """Choose the next cards among `candidates` (deck order, already filtered by topic).

    Due cards come first, most overdue first (ties in candidate order). Then, if `include_new`,
    new cards (candidates without a state) up to the rest of today's allowance
    (`new_per_day - new_today`), **in candidate order**: deck order keeps a topic's terms
    together; for a random order pass `rng.sample(ids, len(ids))` as candidates.
    `learn_ahead` also counts Learning/Relearning cards due within that window as due (Anki
    shows such cards when nothing else is left). `limit` caps the total. States of cards not
    among the candidates are ignored. An empty queue means nothing to do: see `next_due`.
    """
    now = _utc(now)
    if limit is not None and limit < 0:
        raise ValueError("limit must not be negative")
    allowance = new_allowance(new_today, new_per_day) if include_new else 0
    ahead = now + learn_ahead
    due: list[tuple[datetime, int, str]] = []
    new: list[str] = []
    seen: set[str] = set()
    for position, card_id in enumerate(candidates):
        if card_id in seen:
            continue
        seen.add(card_id)
        state = states.get(card_id)
        if state is None:
            if len(new) < allowance:
                new.append(card_id)
        elif state.due <= now or (state.state != State.Review and state.due <= ahead):
            due.append((state.due, position, card_id))
    due.sort()
    due_ids = tuple(card_id for _, _, card_id in due)
    if limit is not None:
        due_ids = due_ids[:limit]
        new = new[: max(0, limit - len(due_ids))]
    return ReviewQueue(due_ids, tuple(new))


def new_card_rng(user_id: int) -> random.Random:
    """The member's own source for the order of new cards: the same on every click and after a
    restart (a string seed is hashed with SHA-512, as in `review_rng`), different between members."""
    return random.Random(f"new-cards:{user_id}")


def mix_topics(cards: Sequence[tuple[str, str]], rng: random.Random) -> list[str]:
    """Card ids in an order that mixes the topics, for introducing new cards.

    `cards` are (card id, topic) pairs. Each topic's cards are shuffled and spread evenly over the
    whole order (a topic with twice the cards comes up twice as often, from start to end), with
    the topics' turns in a shuffled order; so new cards neither work through one topic at a time
    nor follow the deck's alphabetical order. The same rng state gives the same order.
    """
    by_topic: dict[str, list[str]] = {}
    for card_id, topic in dict(cards).items():
        by_topic.setdefault(topic, []).append(card_id)
    turns = rng.sample(range(len(by_topic)), len(by_topic))
    keyed = []
    for turn, ids in zip(turns, by_topic.values(), strict=True):
        phase = rng.random()
        for k, card_id in enumerate(rng.sample(ids, len(ids))):
            keyed.append(((k + phase) / len(ids), turn, card_id))
    keyed.sort()
    return [card_id for _, _, card_id in keyed]


def next_due(states: Mapping[str, CardState], candidates: Iterable[str], now: datetime) -> datetime | None:
    """The earliest due time after `now` among the candidates' states, for "next card due <time>".

    None when no candidate has been studied yet (then only new cards remain: see
    `next_new_cards_at`).
    """
    now = _utc(now)
    future = (s.due for c in candidates if (s := states.get(c)) is not None and s.due > now)
    return min(future, default=None)
