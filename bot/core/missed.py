"""Re-teaching what the class missed: which terms a "missed" quiz round asks, weighted by miss rate.

Storage counts, per term, the answers this server's members gave in quizzes and practice tests in
a period and how many were wrong; this module decides whether that is enough history and draws
the round's terms. Pure: the caller passes `now` and `rng`.
"""

from __future__ import annotations

import random
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.core.errors import StudyBotError

#: The `period` option of /quiz start source:missed: a rolling window back from now (None = ever).
PERIODS: dict[str, timedelta | None] = {"week": timedelta(days=7), "month": timedelta(days=30), "all": None}
PERIOD_WORDS = {"week": "in the last 7 days", "month": "in the last 30 days", "all": "so far"}
DEFAULT_PERIOD = "month"
#: Below these the "most missed" terms are noise: a normal round is offered instead.
MIN_ANSWERS = 10
MIN_MISSED_TERMS = 3
#: How strongly a term's miss rate is pulled towards the class's: as if it had this many more
#: answers at the class's rate, so one miss in one answer does not weigh as a 100% miss rate.
PRIOR_ANSWERS = 4


@dataclass(frozen=True, slots=True)
class TermRecord:
    """How one term went for a server in a period: answers given (quizzes and tests) and misses."""

    term_id: str
    answers: int
    misses: int

    @property
    def miss_rate(self) -> float:
        return self.misses / self.answers if self.answers else 0.0

    def weight(self, class_rate: float) -> float:
        """The miss rate pulled towards the class's miss rate (`class_rate`) by PRIOR_ANSWERS answers:
        a few answers say little about a term, many say a lot."""
        return (self.misses + PRIOR_ANSWERS * class_rate) / (self.answers + PRIOR_ANSWERS)


class NotEnoughHistory(StudyBotError):
    def __init__(self, answers: int, missed: int, period: str) -> None:
        self.answers, self.missed, self.period = answers, missed, period
        said = (
            f"{answers} answer{'s' if answers != 1 else ''} and {missed} missed term{'s' if missed != 1 else ''}"
        )
        super().__init__(
            f"Not enough history for a missed-terms round yet: {PERIOD_WORDS[period]} this server's quizzes "
            f"and practice tests have {said} on the terms this round could ask (I need at least "
            f"{MIN_ANSWERS} answers and {MIN_MISSED_TERMS} missed terms)."
        )


def period_start(period: str, now: datetime) -> datetime | None:
    """The start of the window for `period` ('week', 'month', 'all') ending at `now`; None = ever."""
    span = PERIODS[period]
    return None if span is None else now - span


def pick_missed(
    records: Iterable[TermRecord], allowed: Collection[str], count: int, rng: random.Random, period: str
) -> list[str]:
    """Up to `count` different terms for a missed-terms round, the most missed most likely.

    Only terms in `allowed` (the deck in use, or one topic of it) and missed at least once are
    drawn, without replacement; each draw is weighted by the square of the term's miss rate
    (smoothed towards the class's, `TermRecord.weight`), so a term missed 9 times in 10 comes up
    about twenty times as often as one missed once in 10 (five times with the plain rate), and a
    rarely missed term still now and then. When fewer terms were missed than `count`, the round is shorter. Raises
    NotEnoughHistory with fewer than MIN_ANSWERS answers, or fewer missed terms than
    min(MIN_MISSED_TERMS, count).
    """
    usable = [r for r in records if r.term_id in allowed]
    answers = sum(r.answers for r in usable)
    missed = sorted((r for r in usable if r.misses > 0), key=lambda r: r.term_id)  # rng order is stable
    if answers < MIN_ANSWERS or len(missed) < min(MIN_MISSED_TERMS, count):
        raise NotEnoughHistory(answers, len(missed), period)
    class_rate = sum(r.misses for r in usable) / answers
    # Weighted sampling without replacement (Efraimidis-Spirakis): the largest u ** (1 / w) win.
    keys = {r.term_id: rng.random() ** (1 / r.weight(class_rate) ** 2) for r in missed}
    return sorted(keys, key=keys.__getitem__, reverse=True)[:count]
