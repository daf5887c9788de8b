"""Scheduling quality: how well FSRS-6 predicts recall on a real review log, against SM-2 and AVG.

The data: `tests/data/revlog/` (12,580 reviews of one Anki user, from py-fsrs, MIT licence).
The protocol is srs-benchmark's (`fsrs_protocol`): time-ordered splits, recall predicted before
each review at least a day after the card's previous one, log loss and RMSE(bins), for
  - FSRS-6 with default parameters (the `fsrs` package, as the bot schedules today),
  - FSRS-6 with parameters fitted by fsrs-rs-python on the earlier splits (`bot.core.fsrs_fit`),
  - SM-2 as srs-benchmark defines it, and AVG (a constant: the earlier splits' recall rate).
Then: from how many reviews fitted parameters beat the defaults on the later reviews, what the
1-5 rating mapping does to this log (the mapping before issue 14 against the one now), and the old
synthetic log as one extra row.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime, timedelta

from fsrs import Rating

from bot.core import fsrs_fit, srs
from bot.core.fsrs_fit import Review, Scores
from tests.bench.common import Row
from tests.bench.fsrs_protocol import REVLOG_DAY_START, compare, load_revlog
from tests.bench.fsrs_synthetic import synthetic_reviews

# Fit on the first N reviews of the real log, test on the rest (the issue asked for these N;
# 4,000 added to narrow the threshold down).
FIT_SIZES = (500, 1_000, 2_000, 3_000, 4_000, 5_000, 8_000)
MODELS = (
    ("FSRS-6 default", "FSRS-6, default parameters (the `fsrs` package, as the bot schedules now)"),
    ("FSRS-6 fitted", "FSRS-6, parameters fitted on the earlier splits (fsrs-rs-python)"),
    ("SM-2", "SM-2 as srs-benchmark runs it (its interval I turned into recall 0.9^(t/I))"),
    ("AVG", "AVG: a constant, the recall rate of the earlier splits"),
)


def _pair(scores: Scores) -> str:
    return f"{scores.log_loss:.4f} / {scores.rmse_bins:.4f}"


def _real_log_rows(reviews: list[Review]) -> list[Row]:
    result = compare(reviews, REVLOG_DAY_START)
    scores = result.scores
    rows = [
        Row(
            f"**Real log** ({len(reviews):,} reviews of one Anki user, py-fsrs test data): "
            f"{result.folds} time-ordered splits, {scores['AVG'].count:,} reviews predicted "
            f"(>= 1 day after the card's previous one), {result.recall_rate:.1%} recalled",
            "log loss / RMSE(bins)",
        )
    ]
    rows += [Row(f"real log: {label}", _pair(scores[name])) for name, label in MODELS]
    fsrs_models = ("FSRS-6 default", "FSRS-6 fitted")
    ok = all(scores[f].beats(scores[other]) for f in fsrs_models for other in ("SM-2", "AVG"))
    rows.append(
        Row(
            "FSRS-6 beats SM-2 and the constant baseline on the real log",
            "default and fitted: both metrics lower" if ok else "no",
            "log loss and RMSE(bins) below SM-2's and AVG's",
            ok,
        )
    )
    return rows


def _threshold_rows(reviews: list[Review]) -> list[Row]:
    ordered = sorted(reviews, key=lambda r: r.at)
    rows, beaten = [], []
    for size in FIT_SIZES:
        cutoff = ordered[size].at
        parameters = fsrs_fit.fit_parameters(reviews, day_start=REVLOG_DAY_START, until=cutoff)
        trained = len(fsrs_fit.training_items(reviews, day_start=REVLOG_DAY_START, until=cutoff))
        fitted, default = (
            fsrs_fit.evaluate(p, reviews, day_start=REVLOG_DAY_START, scored_from=cutoff)
            for p in (parameters, fsrs_fit.DEFAULT_PARAMETERS)
        )
        beaten.append(fitted.beats(default))
        verdict = "fitted better" if beaten[-1] else "defaults better on at least one"
        rows.append(
            Row(
                f"real log: fitted on the first {size:,} reviews ({trained:,} long-term), tested on "
                f"the {fitted.count:,} later ones: log loss / RMSE(bins), fitted vs default",
                f"{_pair(fitted)} vs {_pair(default)}: {verdict}",
            )
        )
    # The smallest size from which the fitted parameters win at that size and every larger one.
    since = next((s for i, s in enumerate(FIT_SIZES) if all(beaten[i:])), None)
    rows.append(
        Row(
            "real log: fitted parameters beat the defaults (both metrics) from",
            f"{since:,} reviews on" if since else f"never up to {FIT_SIZES[-1]:,} reviews",
        )
    )
    return rows


#: The 1-5 mapping before issue 14, kept here to compare: 3 was Hard.
OLD_MAPPING = {1: Rating.Again, 2: Rating.Again, 3: Rating.Hard, 4: Rating.Good, 5: Rating.Easy}


def _as_pressed(reviews: Sequence[Review], good_as: int, mapping) -> list[Review]:
    """The log as the bot would record it if its learner had pressed our 1-5 buttons: a forgotten
    card 1, a recall with effort (Anki's Hard) 3, an ordinary recall (Anki's Good) `good_as`, an
    instant one 5; each press turned into FSRS's rating by `mapping`."""
    press = {Rating.Again: 1, Rating.Hard: 3, Rating.Good: good_as, Rating.Easy: 5}
    return [Review(r.card, r.at, int(mapping(press[Rating(r.rating)]))) for r in reviews]


def _median_stability(reviews: Sequence[Review]) -> float:
    """Median card stability after replaying each card with the bot's own scheduler (`srs.replay`)."""
    by_card: dict[object, list[tuple[Rating, datetime]]] = defaultdict(list)
    for review in sorted(reviews, key=lambda r: r.at):
        by_card[review.card].append((Rating(review.rating), review.at))
    states = [srs.replay(0, str(card), history) for card, history in by_card.items()]
    return statistics.median(s.stability for s in states if s is not None)


def _mapping_rows(reviews: list[Review]) -> list[Row]:
    old, new = OLD_MAPPING.__getitem__, srs.map_rating
    good = sum(r.rating == Rating.Good for r in reviews)
    successes = sum(r.rating > Rating.Again for r in reviews)
    rows = [
        Row(
            f"rating mapping: the real log's learner rated {good:,} of {successes:,} successes Good (Anki's "
            "ordinary success); median card stability (= interval at 90% retention) after replaying the log "
            "with the bot's scheduler, as recorded",
            f"{_median_stability(reviews):.1f} days",
        )
    ]
    for good_as in (3, 4):
        stability = {
            name: _median_stability(_as_pressed(reviews, good_as, mapping))
            for name, mapping in (("old", old), ("new", new))
        }
        scores = {
            name: fsrs_fit.evaluate(
                fsrs_fit.DEFAULT_PARAMETERS, _as_pressed(reviews, good_as, mapping), day_start=REVLOG_DAY_START
            )
            for name, mapping in (("old", old), ("new", new))
        }
        rows.append(
            Row(
                f"rating mapping: ordinary successes pressed as {good_as}: median stability, old mapping "
                "(1-2 Again, 3 Hard, 4 Good, 5 Easy) vs new (1-2 Again, 3-4 Good, 5 Easy); FSRS-6 default "
                f"log loss / RMSE(bins) on all {scores['new'].count:,} long-term reviews, old vs new",
                f"{stability['old']:.1f} vs {stability['new']:.1f} days; "
                f"{_pair(scores['old'])} vs {_pair(scores['new'])}",
            )
        )
    return rows


def _synthetic_row(quick: bool) -> Row:
    learners, cards_each, days = (40, 30, 120) if quick else (150, 60, 240)
    reviews = synthetic_reviews(learners, cards_each, days)
    scores = compare(reviews, timedelta(0), fit=False).scores
    return Row(
        f"SYNTHETIC log, not real data ({len(reviews):,} reviews of {learners} simulated learners x "
        f"{cards_each} cards, {days} days, seeded), same protocol: FSRS-6 default / SM-2 / AVG",
        ", ".join(_pair(scores[name]) for name in ("FSRS-6 default", "SM-2", "AVG")),
    )


def run(quick: bool = False) -> list[Row]:
    reviews = load_revlog()
    return [*_real_log_rows(reviews), *_threshold_rows(reviews), *_mapping_rows(reviews), _synthetic_row(quick)]
