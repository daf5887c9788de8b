"""FSRS-6 parameters fitted to a review log, and how well a set of parameters predicts recall.

Pure (no discord, no SQL): turn a review log into training items, fit parameters with
`fsrs-rs-python` (the Rust optimizer, a 0.6 MB wheel; not the torch one) and score parameters on
held-out reviews the way srs-benchmark (open-spaced-repetition/srs-benchmark) does:

- Time counts in whole *days*. A study day starts `day_start` after midnight UTC (Anki's "next
  day starts at"); `elapsed_days` is the difference of day numbers, so reviews at 23:00 and 01:00
  are a day apart and two reviews on one day are 0 apart.
- A review is *long-term* when it comes at least a day after the card's previous review. Only
  long-term reviews are predicted and scored; same-day reviews are still replayed, because FSRS-6
  uses them (its short-term stability), and the card's first review is never scored.
- Predicted recall comes from the `fsrs` package (the scheduler the bot uses) replaying the
  card's history with the parameters given; the outcome is "recalled" for any rating above Again.
- Metrics: log loss, and RMSE(bins): long-term reviews grouped by interval, review count and lapse
  count on logarithmic bins, then the root of the count-weighted mean of the squared gap between
  a bin's mean prediction and its observed recall rate.
"""

from __future__ import annotations

import functools
import math
import sys
from collections import defaultdict
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import fsrs
import fsrs_rs_python
from fsrs import Rating
from fsrs.scheduler import LOWER_BOUNDS_PARAMETERS, UPPER_BOUNDS_PARAMETERS

DEFAULT_PARAMETERS: tuple[float, ...] = tuple(fsrs.scheduler.DEFAULT_PARAMETERS)
TrainingItem = tuple[tuple[int, int], ...]  # (FSRS rating 1-4, elapsed days) per review, oldest first

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_ONE_DAY = timedelta(days=1)
_ONE_MS = timedelta(milliseconds=1)
_CLIP = sys.float_info.epsilon  # log loss clips predictions to [eps, 1 - eps], as scikit-learn does
# RMSE(bins): the logarithmic bin widths srs-benchmark uses for interval, review count and lapses.
_INTERVAL_BASE, _COUNT_BASE, _LAPSE_BASE = 3.62, 1.89, 1.73


@dataclass(frozen=True, slots=True)
class Review:
    """One logged review: which card (any key, e.g. (user id, card id)), when, the FSRS rating 1-4."""

    card: Hashable
    at: datetime
    rating: int

    def __post_init__(self) -> None:
        if self.at.tzinfo is None or self.at.utcoffset() is None:
            raise ValueError("Review.at must be timezone-aware")
        if type(self.rating) is not int or not 1 <= self.rating <= 4:
            raise ValueError(f"an FSRS rating goes from 1 (Again) to 4 (Easy), not {self.rating!r}")


@dataclass(frozen=True, slots=True)
class Step:
    """One review seen in its card's history: what the evaluation and the bins need."""

    review: Review
    day: int  # study-day number (see `day_number`)
    elapsed_days: int | None  # since the card's previous review; None for its first review
    nth: int  # the card's review days so far, this one included (2 = its first long-term review)
    lapses: int  # the card's earlier long-term reviews rated Again

    @property
    def long_term(self) -> bool:
        """True when this review came at least a day after the card's previous one."""
        return self.elapsed_days is not None and self.elapsed_days >= 1

    @property
    def recalled(self) -> bool:
        """The outcome the predictions are scored against: any rating above Again."""
        return self.review.rating > Rating.Again


@dataclass(frozen=True, slots=True)
class Prediction:
    """A model's predicted chance of recall before one long-term review."""

    step: Step
    recall: float


@dataclass(frozen=True, slots=True)
class Scores:
    """How well predictions matched outcomes: lower is better for both metrics."""

    log_loss: float
    rmse_bins: float
    count: int  # reviews scored

    def beats(self, other: Scores) -> bool:
        """True when both log loss and RMSE(bins) are lower than `other`'s."""
        return self.log_loss < other.log_loss and self.rmse_bins < other.rmse_bins


def day_number(at: datetime, day_start: timedelta = timedelta(0)) -> int:
    """The study day of `at`: days since 1970-01-01, a day starting `day_start` after midnight UTC."""
    if at.tzinfo is None or at.utcoffset() is None:
        raise ValueError("at must be timezone-aware")
    return (at.astimezone(UTC) - day_start - _EPOCH) // _ONE_DAY


def histories(reviews: Iterable[Review], day_start: timedelta = timedelta(0)) -> list[list[Step]]:
    """Each card's reviews in time order (cards in order of first review), with their day counts.

    Reviews at the same instant keep the order they were given in.
    """
    by_card: dict[Hashable, list[Review]] = defaultdict(list)
    for review in sorted(reviews, key=lambda r: r.at):
        by_card[review.card].append(review)
    result = []
    for card_reviews in by_card.values():
        steps: list[Step] = []
        nth = lapses = 0
        for review in card_reviews:
            day = day_number(review.at, day_start)
            elapsed = day - steps[-1].day if steps else None
            nth += elapsed is None or elapsed >= 1
            steps.append(Step(review, day, elapsed, nth, lapses))
            lapses += steps[-1].long_term and not steps[-1].recalled
        result.append(steps)
    return result


def training_items(
    reviews: Iterable[Review], *, day_start: timedelta = timedelta(0), until: datetime | None = None
) -> list[TrainingItem]:
    """The optimizer's training data: one item per long-term review before `until` (all if None).

    An item is the card's history up to and including that review, as (rating, elapsed days)
    pairs; the first review and same-day reviews have 0 elapsed days. Plain tuples, so a batch
    can be handed to another process.
    """
    items = []
    for steps in histories(reviews, day_start):
        pairs = [(s.review.rating, s.elapsed_days or 0) for s in steps]
        for i, step in enumerate(steps):
            if step.long_term and (until is None or step.review.at < until):
                items.append(tuple(pairs[: i + 1]))
    return items


def fit_parameters(
    reviews: Iterable[Review], *, day_start: timedelta = timedelta(0), until: datetime | None = None
) -> tuple[float, ...]:
    """FSRS-6 parameters fitted to the reviews before `until` (all if None) by fsrs-rs-python.

    Deterministic (the optimizer seeds itself). With no long-term review the defaults come back
    unchanged, and so they do from fsrs-rs itself when there is too little data to fit. CPU-bound
    (about 30 ms for 12,000 reviews): call it off the event loop.
    """
    items = training_items(reviews, day_start=day_start, until=until)
    if not items:
        return DEFAULT_PARAMETERS
    rs_items = [fsrs_rs_python.FSRSItem([fsrs_rs_python.FSRSReview(r, d) for r, d in item]) for item in items]
    fitted = fsrs_rs_python.FSRS(list(DEFAULT_PARAMETERS)).compute_parameters(rs_items)
    # fsrs-rs computes in float32: keep each value inside the bounds the fsrs package checks.
    bounds = zip(fitted, LOWER_BOUNDS_PARAMETERS, UPPER_BOUNDS_PARAMETERS, strict=True)
    return tuple(min(max(float(w), low), high) for w, low, high in bounds)


def predictions(
    parameters: Sequence[float],
    reviews: Iterable[Review],
    *,
    day_start: timedelta = timedelta(0),
    scored_from: datetime | None = None,
) -> list[Prediction]:
    """FSRS-6's predicted recall before each long-term review at or after `scored_from` (all if None).

    Each card's whole history is replayed, so reviews before `scored_from` still shape the
    predictions after it. Returned in time order.
    """
    scheduler = fsrs.Scheduler(parameters=tuple(parameters), enable_fuzzing=False)
    result = []
    for steps in histories(reviews, day_start):
        card = None
        for step in steps:
            # The start of the study day: fsrs counts elapsed whole days, so these match `elapsed_days`.
            when = _EPOCH + step.day * _ONE_DAY
            if card is None:
                card = fsrs.Card(card_id=0, due=when)  # an id given: fsrs.Card() sleeps 1 ms for one
            elif step.long_term and (scored_from is None or step.review.at >= scored_from):
                result.append(Prediction(step, scheduler.get_card_retrievability(card, when)))
            card, _ = scheduler.review_card(card, Rating(step.review.rating), when)
    result.sort(key=lambda p: p.step.review.at)
    return result


def log_loss(predictions: Sequence[Prediction]) -> float:
    """Mean negative log-likelihood of the outcomes (0 is perfect, 0.693 is a coin flip)."""
    _require(predictions)
    total = 0.0
    for p in predictions:
        recall = min(max(p.recall, _CLIP), 1 - _CLIP)
        total -= math.log(recall if p.step.recalled else 1 - recall)
    return total / len(predictions)


def _bin(value: int, base: float) -> int:
    return math.floor(math.log(value) / math.log(base))


def rmse_bins(predictions: Sequence[Prediction]) -> float:
    """srs-benchmark's RMSE(bins): calibration per (interval, review count, lapses) bin.

    Bins are logarithmic: interval in days by powers of 3.62, the review count (`Step.nth`) by
    powers of 1.89, lapses by powers of 1.73 with 0 lapses a bin of its own. Each bin
    contributes (mean prediction - recall rate)^2, weighted by its number of reviews.
    """
    _require(predictions)
    bins: dict[tuple[int, int, int], list[float]] = defaultdict(lambda: [0.0, 0.0, 0.0])
    for p in predictions:
        step = p.step
        assert step.elapsed_days is not None
        lapses = _bin(step.lapses, _LAPSE_BASE) if step.lapses else -1
        key = (_bin(step.elapsed_days, _INTERVAL_BASE), _bin(step.nth, _COUNT_BASE), lapses)
        sums = bins[key]
        sums[0] += p.recall
        sums[1] += step.recalled
        sums[2] += 1
    squares = sum((predicted - recalled) ** 2 / n for predicted, recalled, n in bins.values())
    return math.sqrt(squares / len(predictions))


def score(predictions: Sequence[Prediction]) -> Scores:
    """Log loss and RMSE(bins) of a set of predictions."""
    return Scores(log_loss(predictions), rmse_bins(predictions), len(predictions))


def evaluate(
    parameters: Sequence[float],
    reviews: Iterable[Review],
    *,
    day_start: timedelta = timedelta(0),
    scored_from: datetime | None = None,
) -> Scores:
    """How well `parameters` predict the long-term reviews at or after `scored_from` (all if None).

    Raises ValueError when there is no such review to score.
    """
    return score(predictions(parameters, reviews, day_start=day_start, scored_from=scored_from))


def _require(predictions: Sequence[Prediction]) -> None:
    if not predictions:
        raise ValueError("no long-term review to score")


# -- a server's own parameters -------------------------------------------------------------

#: When fitting starts to pay: on the real log (tests/bench/bench_fsrs_eval.py), parameters fitted on
#: the first 5,000 reviews (2,139 long-term) beat the defaults on both metrics on the later reviews,
#: and those fitted on fewer did not. A server's fit needs that much BEFORE its held-out part.
MIN_FIT_REVIEWS = 5_000
MIN_FIT_LONG_TERM = 2_000
#: The latest fifth of a server's reviews is held out to judge the fit, and must hold enough
#: long-term reviews to judge by.
HELD_OUT_SHARE = 0.2
MIN_HELD_OUT = 200

ADOPTED, KEPT, TOO_FEW = "adopted", "kept", "too_few"


@dataclass(frozen=True, slots=True)
class FitDecision:
    """The outcome of a fit for one server: which parameters to use from now on, and why.

    `outcome`: ADOPTED (the fitted ones beat those in use on both metrics), KEPT (they did not),
    or TOO_FEW (not enough reviews to fit or to judge: nothing was fitted or scored).
    """

    outcome: str
    parameters: tuple[float, ...]
    reviews: int
    held_out: int = 0
    current: Scores | None = None
    fitted: Scores | None = None


def decide(
    reviews: Sequence[Review], current: Sequence[float], *, day_start: timedelta = timedelta(0)
) -> FitDecision:
    """Fit parameters on all but the latest `HELD_OUT_SHARE` of `reviews` and adopt them only if
    they predict those latest long-term reviews better than `current` on both log loss and
    RMSE(bins). Pure and deterministic; CPU-bound (seconds for a large log): run it off the loop.
    """
    current = tuple(current)
    ordered = sorted(reviews, key=lambda r: r.at)
    too_few = FitDecision(TOO_FEW, current, len(ordered))
    split = int(len(ordered) * (1 - HELD_OUT_SHARE))
    if split < MIN_FIT_REVIEWS or split >= len(ordered):
        return too_few
    cutoff = ordered[split].at
    if len(training_items(ordered, day_start=day_start, until=cutoff)) < MIN_FIT_LONG_TERM:
        return too_few
    current_predictions = predictions(current, ordered, day_start=day_start, scored_from=cutoff)
    if len(current_predictions) < MIN_HELD_OUT:
        return too_few
    fitted = fit_parameters(ordered, day_start=day_start, until=cutoff)
    old = score(current_predictions)
    new = score(predictions(fitted, ordered, day_start=day_start, scored_from=cutoff))
    adopt = new.beats(old)
    return FitDecision(ADOPTED if adopt else KEPT, fitted if adopt else current, len(ordered), old.count, old, new)


def decide_rows(rows: Iterable[tuple[int, str, int, int]], current: Sequence[float]) -> FitDecision:
    """`decide` for review-log rows (user id, card id, reviewed at in epoch ms, FSRS rating 1-4):
    plain tuples, cheap to hand to another process. A card is one (user, card id) pair."""
    reviews = [
        Review((user_id, card_id), _EPOCH + at_ms * _ONE_MS, rating) for user_id, card_id, at_ms, rating in rows
    ]
    return decide(reviews, current)


@functools.lru_cache(maxsize=256)
def scheduler_for(parameters: tuple[float, ...], desired_retention: float = 0.9) -> fsrs.Scheduler:
    """An fsrs scheduler (no fuzz: the bot fuzzes with its own rng) for a server's parameters and
    retention, built once per pair: building one validates the parameters, which is slow."""
    return fsrs.Scheduler(parameters=parameters, desired_retention=desired_retention, enable_fuzzing=False)
