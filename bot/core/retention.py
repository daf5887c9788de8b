"""A server's desired retention: what a teacher may type, and the workload it means.

Desired retention is the share of cards FSRS aims to have members still recall when a card comes
due: higher means shorter intervals and more reviews. `/settings retention` takes 0.80-0.95
(FSRS's own advice: below 0.80 members forget too much, above 0.95 the reviews pile up).

The workload is measured on FSRS's forgetting curve itself: the expected number of reviews of a
new card in its first year (`yearly_reviews`), at the chosen retention and at 0.90, with the
server's parameters. Pure, no discord.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import fsrs
from fsrs import Rating

from bot.core import srs
from bot.core.errors import BadInput

_NUMBER = re.compile(r"\s*(\d{1,3}(?:[.,]\d{1,4})?|[.,]\d{1,4})\s*(%?)\s*")
_YEAR = timedelta(days=365)
_START = datetime(2000, 1, 1, tzinfo=UTC)
# Outcome branches less likely than this are followed as "recalled" only, so the tree stays small
# (a few hundred reviews simulated); the ratios to 0.90 move by about 3% from 1e-2 to 1e-4.
_BRANCH_FLOOR = 0.01


def parse_retention(text: str) -> float:
    """A desired retention typed by a teacher: `0.85`, `0,85`, `.85`, `85%` or `85`.

    Returns it as a fraction (0.85). Raises `BadInput` with a friendly message for anything that
    is not a number between `srs.MIN_RETENTION` and `srs.MAX_RETENTION` (80% and 95%).
    """
    low, high = srs.MIN_RETENTION, srs.MAX_RETENTION
    hint = f"Give a number from {low:.2f} to {high:.2f}, for example `0.90` (or `90%`)."
    match = _NUMBER.fullmatch(text or "")
    if match is None:  # the text itself is not repeated: what a member typed is not ours to format
        raise BadInput(f"That is not a number I can read as a retention. {hint}")
    value = float(match[1].replace(",", "."))
    if match[2] or value > 1:  # "85%" or "85": a percentage
        value /= 100
    value = round(value, 4)
    if not low <= value <= high:
        raise BadInput(
            f"{percent(value)} is outside what the bot allows: below {percent(low)} members forget too "
            f"much, above {percent(high)} the reviews pile up. {hint}"
        )
    return value


def percent(value: float) -> str:
    """A retention as a percentage: `85%`, `87.5%`."""
    return f"{value * 100:.1f}".removesuffix(".0") + "%"


@dataclass(frozen=True, slots=True)
class Workload:
    """What a desired retention costs: reviews per new card in its first year, there and at 0.90."""

    retention: float
    reviews: float
    reviews_at_default: float

    @property
    def ratio(self) -> float:
        """Reviews relative to retention 0.90 (1.0 at 0.90; above 1 = more work)."""
        return self.reviews / self.reviews_at_default


def workload(retention: float, parameters: Sequence[float] = srs.DEFAULT_PARAMETERS) -> Workload:
    """The workload of `retention` with these FSRS-6 parameters, against 0.90 with the same ones."""
    params = tuple(float(w) for w in parameters)
    return Workload(retention, yearly_reviews(params, retention), yearly_reviews(params, srs.DESIRED_RETENTION))


@functools.lru_cache(maxsize=64)
def yearly_reviews(parameters: tuple[float, ...], retention: float) -> float:
    """Expected reviews of a new card in its first year, scheduled at `retention`.

    The card is learned on day 0 (rated Good) and then reviewed whenever it is due; each review is
    recalled (Good) with the chance FSRS's forgetting curve gives at that moment, else forgotten
    (Again, then relearned). Every outcome branch is followed while it is at least 1% likely;
    past that, a branch goes on as recalled only. Deterministic; cached per parameters and retention.
    """
    sched = srs.scheduler(parameters, retention)
    end = _START + _YEAR
    total = 0.0
    # (card before the review, when the review happens, chance of getting there)
    pending: list[tuple[fsrs.Card | None, datetime, float]] = [(None, _START, 1.0)]
    while pending:
        card, at, chance = pending.pop()
        if at >= end:
            continue
        total += chance
        if card is None:
            card, branches = fsrs.Card(card_id=0, due=at), ((Rating.Good, 1.0),)
        elif chance < _BRANCH_FLOOR:
            branches = ((Rating.Good, 1.0),)
        else:
            recall = sched.get_card_retrievability(card, at)
            branches = ((Rating.Good, recall), (Rating.Again, 1.0 - recall))
        for rating, share in branches:
            after, _ = sched.review_card(card, rating, at)
            pending.append((after, after.due, chance * share))
    return total
