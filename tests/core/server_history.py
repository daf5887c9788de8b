"""A seeded review history of one server's members, for testing per-server FSRS parameters.

The members study with the bot (FSRS-6 with the default parameters picks the due dates, with the
bot's fuzz) and answer right (Good) or wrong (Again) with the chance of recall that a "true" FSRS-6
memory gives: `truth` parameters, and from `switch` on (if given) `later` ones. Memory that forgets
faster than the defaults assume is something a fit can learn; a memory that changes after the fit
is something it cannot.
"""

from __future__ import annotations

import functools
import random
from datetime import UTC, datetime, timedelta

import fsrs
from fsrs import Rating, State

from bot.core import srs
from bot.core.fsrs_fit import DEFAULT_PARAMETERS

START = datetime(2026, 1, 5, 8, 0, tzinfo=UTC)
#: Members who forget about four times as fast as FSRS-6's defaults expect (initial stabilities
#: a quarter, growth after a success smaller): what a fit should find.
FORGETFUL = tuple(w * 0.25 if i < 4 else w * 0.6 if i == 8 else w for i, w in enumerate(DEFAULT_PARAMETERS))
Row = tuple[int, str, datetime, int]  # user id, card id, reviewed at, FSRS rating 1-4


def _true_recall(scheduler: fsrs.Scheduler, card: fsrs.Card | None, at: datetime) -> float:
    return 0.35 if card is None else scheduler.get_card_retrievability(card, at)


@functools.cache
def simulate(
    members: int,
    cards_each: int,
    days: int,
    *,
    truth: tuple[float, ...] = FORGETFUL,
    later: tuple[float, ...] | None = None,
    switch: datetime | None = None,
    seed: int = 1,
) -> tuple[Row, ...]:
    """Every review of `members` x `cards_each` cards over `days` days, in no particular order
    (kept: the same history is asked for by several tests)."""
    rng = random.Random(seed)
    before = fsrs.Scheduler(parameters=truth, enable_fuzzing=False)
    after = fsrs.Scheduler(parameters=later or truth, enable_fuzzing=False)
    end = START + timedelta(days=days)
    rows: list[Row] = []
    for member in range(members):
        user_id = 1000 + member
        for card in range(cards_each):
            card_id = f"term-{card}"
            at = START + timedelta(days=rng.uniform(0, days * 0.6), minutes=rng.randrange(24 * 60))
            state, memory_before, memory_after = None, None, None
            while at < end:
                at = at.replace(microsecond=0)
                truth_now = after if switch is not None and at >= switch else before
                memory = memory_after if truth_now is after else memory_before
                recalled = rng.random() < _true_recall(truth_now, memory, at)
                rating = srs.rating_for_answer(recalled)
                rows.append((user_id, card_id, at, int(rating)))
                memory_before = before.review_card(memory_before or fsrs.Card(card_id=0, due=at), rating, at)[0]
                memory_after = after.review_card(memory_after or fsrs.Card(card_id=0, due=at), rating, at)[0]
                state = srs.apply_rating(
                    card_id,
                    state,
                    Rating(rating),
                    at,
                    srs.review_rng(user_id, card_id, at),
                    scheduler=srs.DEFAULT_SCHEDULER,
                ).state
                if state.state != State.Review:  # learning steps: a few minutes after they are due
                    at = state.due + timedelta(minutes=rng.expovariate(1 / 5))
                else:  # reviews: on the day, or a day or two late
                    at = state.due + timedelta(hours=rng.expovariate(1 / 20))
    return tuple(rows)
