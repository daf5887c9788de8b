"""srs-benchmark's evaluation protocol on one review log, and its two baselines (SM-2 and AVG).

The protocol (open-spaced-repetition/srs-benchmark, its README and evaluation code):
- The long-term reviews (at least a day after the card's previous review), in time order, are
  cut like scikit-learn's TimeSeriesSplit(n_splits=5): six consecutive equal parts (any remainder
  goes to the first), the first used only for training; each later part is predicted by models
  trained on everything before it. Metrics pool the five test parts.
- FSRS-6 and its metrics: `bot.core.fsrs_fit`. SM-2 and AVG are defined below as srs-benchmark
  defines them; none of their code is copied.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from bot.core import fsrs_fit
from bot.core.fsrs_fit import Prediction, Review, Scores, Step

REVLOG = Path(__file__).parents[1] / "data" / "revlog" / "revlog_one_anki_user.csv"
# The user studied 15:00-06:00 UTC, never 06:00-15:00: a study day starts at 10:00 UTC (see the
# README beside the log; any hour of that gap gives the same days).
REVLOG_DAY_START = timedelta(hours=10)
SPLITS = 5
SM2_MAX_INTERVAL = 36_500  # days: srs-benchmark's s_max


def load_revlog(path: Path = REVLOG) -> list[Review]:
    """The real log's reviews (its ratings are already Anki's, i.e. FSRS's, 1-4)."""
    with path.open(newline="") as file:
        return [
            Review(row["card_id"], datetime.fromisoformat(row["review_time"]), int(row["review_rating"]))
            for row in csv.DictReader(file)
        ]


def long_term_steps(reviews: Iterable[Review], day_start: timedelta) -> list[Step]:
    """Every review at least a day after its card's previous one, in time order."""
    steps = [s for history in fsrs_fit.histories(reviews, day_start) for s in history if s.long_term]
    return sorted(steps, key=lambda s: s.review.at)


@dataclass(frozen=True, slots=True)
class Fold:
    """One test part: the long-term reviews from `start` up to (not including) `end`."""

    start: datetime
    end: datetime | None

    def holds(self, at: datetime) -> bool:
        return self.start <= at and (self.end is None or at < self.end)


def time_series_folds(steps: Sequence[Step], splits: int = SPLITS) -> list[Fold]:
    """The test parts of TimeSeriesSplit over `steps` (time-ordered long-term reviews)."""
    size = len(steps) // (splits + 1)
    if size == 0:
        raise ValueError(f"{len(steps)} long-term reviews cannot make {splits} splits")
    first = len(steps) - splits * size
    starts = [steps[first + k * size].review.at for k in range(splits)]
    return [Fold(start, end) for start, end in zip(starts, [*starts[1:], None], strict=True)]


class Sm2:
    """SM-2 (SuperMemo, 1987) as srs-benchmark runs it: an interval, never a probability.

    Anki ratings 1-4 become SM-2 qualities 2-5 (Again is the only failure). A success sets the
    interval to 1 day, then 6, then the previous interval times the ease; a failure restarts at
    1 day. The ease starts at 2.5 and moves by 0.1 - (5 - q) * (0.08 + (5 - q) * 0.02), never
    below 1.3. Intervals are whole days from 1 to 36,500. Only the first review of each day is
    fed to it (srs-benchmark's SM-2 skips same-day reviews).
    """

    def __init__(self) -> None:
        self.interval, self.ease, self.repetitions = 0.0, 2.5, 0

    def review(self, rating: int) -> None:
        quality = rating + 1
        if quality > 2:
            steps = {0: 1.0, 1: 6.0}
            self.interval = steps.get(self.repetitions, self.interval * self.ease)
            self.repetitions += 1
        else:
            self.interval, self.repetitions = 1.0, 0
        self.ease = max(1.3, self.ease + 0.1 - (5 - quality) * (0.08 + (5 - quality) * 0.02))
        self.interval = min(max(1, round(self.interval + 0.01)), SM2_MAX_INTERVAL)

    def recall(self, elapsed_days: int) -> float:
        """srs-benchmark's conversion: 90% recall when reviewed after exactly the interval."""
        return 0.9 ** (elapsed_days / self.interval)


def sm2_predictions(reviews: Iterable[Review], day_start: timedelta) -> list[Prediction]:
    """SM-2's predicted recall before every long-term review, in time order."""
    result = []
    for history in fsrs_fit.histories(reviews, day_start):
        sm2 = Sm2()
        for step in history:
            if step.long_term:
                assert step.elapsed_days is not None
                result.append(Prediction(step, sm2.recall(step.elapsed_days)))
            if step.elapsed_days != 0:  # the first review of a day
                sm2.review(step.review.rating)
    return sorted(result, key=lambda p: p.step.review.at)


def constant_predictions(steps: Sequence[Step], fold: Fold) -> list[Prediction]:
    """AVG: the recall rate of the long-term reviews before the fold, predicted for every one in it."""
    before = [s for s in steps if s.review.at < fold.start]
    rate = sum(s.recalled for s in before) / len(before)
    return [Prediction(s, rate) for s in steps if fold.holds(s.review.at)]


@dataclass(frozen=True, slots=True)
class Comparison:
    """Pooled test scores of every model, plus the recall rate they were scored against."""

    scores: dict[str, Scores]
    recall_rate: float
    folds: int


def compare(
    reviews: Sequence[Review],
    day_start: timedelta,
    *,
    fit: bool = True,
    splits: int = SPLITS,
) -> Comparison:
    """Every model on the same time-ordered test parts: FSRS-6 default (and fitted), SM-2, AVG."""
    steps = long_term_steps(reviews, day_start)
    folds = time_series_folds(steps, splits)
    pooled: dict[str, list[Prediction]] = {"FSRS-6 default": [], "SM-2": [], "AVG": []}
    if fit:
        pooled["FSRS-6 fitted"] = []
    default = fsrs_fit.predictions(fsrs_fit.DEFAULT_PARAMETERS, reviews, day_start=day_start)
    sm2 = sm2_predictions(reviews, day_start)
    for fold in folds:
        pooled["FSRS-6 default"] += [p for p in default if fold.holds(p.step.review.at)]
        pooled["SM-2"] += [p for p in sm2 if fold.holds(p.step.review.at)]
        pooled["AVG"] += constant_predictions(steps, fold)
        if fit:
            parameters = fsrs_fit.fit_parameters(reviews, day_start=day_start, until=fold.start)
            fitted = fsrs_fit.predictions(parameters, reviews, day_start=day_start, scored_from=fold.start)
            pooled["FSRS-6 fitted"] += [p for p in fitted if fold.holds(p.step.review.at)]
    tested = pooled["AVG"]
    return Comparison(
        {name: fsrs_fit.score(predictions) for name, predictions in pooled.items()},
        sum(p.step.recalled for p in tested) / len(tested),
        len(folds),
    )
