"""FSRS parameter fitting and its evaluation (pure): days, histories, training items, metrics, fit."""

from __future__ import annotations

import math
import random
from datetime import UTC, datetime, timedelta

import fsrs
import pytest
from fsrs.scheduler import LOWER_BOUNDS_PARAMETERS, UPPER_BOUNDS_PARAMETERS

from bot.core import fsrs_fit
from bot.core.fsrs_fit import DEFAULT_PARAMETERS, Prediction, Review, Scores, Step

DAY0 = datetime(2026, 3, 2, tzinfo=UTC)  # a Monday, 00:00 UTC


def at(day: int, hour: float = 9.0) -> datetime:
    return DAY0 + timedelta(days=day, hours=hour)


# One card studied the way Anki logs it: a lapse on day 0 relearned the same day, and so on.
CARD_A = [
    Review("a", at(0, 10), 1),
    Review("a", at(0, 10.2), 3),
    Review("a", at(1), 3),
    Review("a", at(3), 1),
    Review("a", at(3, 9.2), 3),
    Review("a", at(10), 3),
]


# -- days and histories --------------------------------------------------------------------


def test_a_study_day_starts_at_day_start_after_midnight_utc():
    late, early = at(0, 23.5), at(1, 0.5)
    assert fsrs_fit.day_number(early) == fsrs_fit.day_number(late) + 1
    assert fsrs_fit.day_number(early, timedelta(hours=4)) == fsrs_fit.day_number(late, timedelta(hours=4))
    assert fsrs_fit.day_number(datetime(1970, 1, 2, tzinfo=UTC)) == 1


@pytest.mark.parametrize("rating", [0, 5, True, 3.0])
def test_a_review_needs_an_fsrs_rating_from_1_to_4(rating):
    with pytest.raises(ValueError, match="1 \\(Again\\) to 4"):
        Review("a", DAY0, rating)


def test_times_must_be_timezone_aware():
    with pytest.raises(ValueError, match="aware"):
        Review("a", datetime(2026, 3, 2), 3)
    with pytest.raises(ValueError, match="aware"):
        fsrs_fit.day_number(datetime(2026, 3, 2))


def test_histories_count_elapsed_days_review_days_and_lapses():
    card_b = [Review("b", at(2), 3), Review("b", at(0, 11), 4)]
    shuffled = random.Random(3).sample(CARD_A + card_b, len(CARD_A) + len(card_b))
    a, b = fsrs_fit.histories(shuffled)
    assert [s.review for s in a] == CARD_A
    assert [s.elapsed_days for s in a] == [None, 0, 1, 2, 0, 7]
    assert [s.nth for s in a] == [1, 1, 2, 3, 3, 4]
    # Only a long-term Again is a lapse (day 3), and it counts for the reviews after it.
    assert [s.lapses for s in a] == [0, 0, 0, 0, 1, 1]
    assert [s.long_term for s in a] == [False, False, True, True, False, True]
    assert [s.recalled for s in a] == [False, True, True, False, True, True]
    assert [s.elapsed_days for s in b] == [None, 2]


def test_training_items_hold_each_long_term_review_with_the_history_before_it():
    first, second, third = fsrs_fit.training_items(CARD_A)
    assert first == ((1, 0), (3, 0), (3, 1))
    assert second == (*first, (1, 2))
    assert third == (*second, (3, 0), (3, 7))
    # `until` keeps only the items whose review came before it.
    assert fsrs_fit.training_items(CARD_A, until=at(3)) == [first]
    assert fsrs_fit.training_items(CARD_A[:2]) == []


# -- predictions and metrics ---------------------------------------------------------------


def forgetting_curve(elapsed_days: float, stability: float, parameters=DEFAULT_PARAMETERS) -> float:
    """FSRS-6's power forgetting curve, written out here independently of the fsrs package."""
    decay = -parameters[20]
    factor = 0.9 ** (1 / decay) - 1
    return (1 + factor * elapsed_days / stability) ** decay


def test_predictions_follow_the_fsrs_forgetting_curve_in_whole_days():
    # First Good at 23:00, next review 5 calendar days later in the morning: 5 days elapsed
    # (4 days and 10 hours by the clock).
    reviews = [Review("c", at(0, 23), 3), Review("c", at(5, 9), 3)]
    (prediction,) = fsrs_fit.predictions(DEFAULT_PARAMETERS, reviews)
    good_initial_stability = DEFAULT_PARAMETERS[2]
    assert prediction.recall == pytest.approx(forgetting_curve(5, good_initial_stability))
    assert prediction.step.elapsed_days == 5


def test_only_long_term_reviews_are_predicted_and_scored_from_limits_them_but_not_the_history():
    every = fsrs_fit.predictions(DEFAULT_PARAMETERS, CARD_A)
    assert [p.step.review for p in every] == [CARD_A[2], CARD_A[3], CARD_A[5]]
    later = fsrs_fit.predictions(DEFAULT_PARAMETERS, CARD_A, scored_from=at(3))
    assert later == every[1:]


def test_other_parameters_give_other_predictions():
    slower = list(DEFAULT_PARAMETERS)
    slower[20] = 0.5  # a steeper forgetting curve
    reviews = [Review("c", at(0), 3), Review("c", at(5), 3)]
    (default,) = fsrs_fit.predictions(DEFAULT_PARAMETERS, reviews)
    (steeper,) = fsrs_fit.predictions(slower, reviews)
    assert steeper.recall == pytest.approx(forgetting_curve(5, DEFAULT_PARAMETERS[2], slower))
    assert steeper.recall != pytest.approx(default.recall)


def step(elapsed_days: int, recalled: bool, nth: int = 2, lapses: int = 0) -> Step:
    return Step(Review("x", DAY0, 3 if recalled else 1), 0, elapsed_days, nth, lapses)


def test_log_loss_is_the_mean_negative_log_likelihood():
    predictions = [Prediction(step(1, True), 0.8), Prediction(step(1, False), 0.8)]
    assert fsrs_fit.log_loss(predictions) == pytest.approx(-(math.log(0.8) + math.log(0.2)) / 2)
    # A certain prediction that turns out wrong costs a lot but stays finite.
    assert 30 < fsrs_fit.log_loss([Prediction(step(1, False), 1.0)]) < 40


def test_rmse_bins_compares_mean_prediction_and_recall_rate_per_bin_weighted_by_size():
    short = [Prediction(step(1, True), 0.9), Prediction(step(3, True), 0.9), Prediction(step(2, False), 0.9)]
    long = [Prediction(step(4, True), 0.5)]  # 4 days: the next interval bin (powers of 3.62)
    expected = math.sqrt((3 * (0.9 - 2 / 3) ** 2 + 1 * (0.5 - 1) ** 2) / 4)
    assert fsrs_fit.rmse_bins(short + long) == pytest.approx(expected)


def test_rmse_bins_is_zero_when_every_bin_is_calibrated_though_single_reviews_miss():
    calibrated = [Prediction(step(2, True), 0.5), Prediction(step(2, False), 0.5)]
    assert fsrs_fit.rmse_bins(calibrated) == 0
    assert fsrs_fit.log_loss(calibrated) == pytest.approx(math.log(2))


@pytest.mark.parametrize(
    ("nth", "lapses", "same_bin"),
    [
        (3, 0, True),  # review counts 2 and 3 share a bin (powers of 1.89)
        (4, 0, False),
        (2, 1, False),  # no lapse is a bin of its own
        (2, 3, False),
    ],
)
def test_review_count_and_lapses_bin_the_reviews_too(nth, lapses, same_bin):
    # Two reviews predicted at 50%, one recalled and one forgotten: calibrated only together.
    pair = [Prediction(step(2, True), 0.5), Prediction(step(2, False, nth, lapses), 0.5)]
    assert fsrs_fit.rmse_bins(pair) == pytest.approx(0 if same_bin else 0.5)


@pytest.mark.parametrize(
    ("lapses", "other", "same_bin"), [(1, 2, False), (2, 3, False), (3, 5, True), (5, 6, False)]
)
def test_lapse_bins_follow_powers_of_1_73(lapses, other, same_bin):
    pair = [Prediction(step(2, True, lapses=lapses), 0.5), Prediction(step(2, False, lapses=other), 0.5)]
    assert fsrs_fit.rmse_bins(pair) == pytest.approx(0 if same_bin else 0.5)


def test_scores_need_a_long_term_review():
    with pytest.raises(ValueError, match="no long-term review"):
        fsrs_fit.evaluate(DEFAULT_PARAMETERS, CARD_A[:2])
    with pytest.raises(ValueError, match="no long-term review"):
        fsrs_fit.evaluate(DEFAULT_PARAMETERS, CARD_A, scored_from=at(11))


def test_scores_beat_others_only_when_both_metrics_are_lower():
    assert Scores(0.40, 0.05, 10).beats(Scores(0.41, 0.06, 10))
    assert not Scores(0.40, 0.07, 10).beats(Scores(0.41, 0.06, 10))
    assert not Scores(0.42, 0.05, 10).beats(Scores(0.41, 0.06, 10))


# -- fitting -------------------------------------------------------------------------------

# A learner whose memory is weaker than FSRS's defaults assume: short first stabilities and
# slow growth after a success.
WEAK = list(DEFAULT_PARAMETERS)
WEAK[0:4] = [0.1, 0.3, 0.6, 2.0]
WEAK[8] = 1.2


def simulated_log(parameters, cards: int = 300, seed: int = 6) -> list[Review]:
    """A seeded log of a learner whose memory follows FSRS-6 with `parameters` exactly.

    Cards are studied a few seconds apart, so no two reviews share a time.
    """
    rng = random.Random(seed)
    truth = fsrs.Scheduler(parameters=parameters, enable_fuzzing=False)
    reviews = []
    for card_id in range(cards):
        hour = 9 + card_id / 1000
        day = rng.randrange(30)
        card, rating = fsrs.Card(card_id=0, due=at(day)), rng.choice((1, 3, 3, 3))
        for _ in range(rng.randint(4, 14)):
            reviews.append(Review(card_id, at(day, hour), rating))
            card, _ = truth.review_card(card, fsrs.Rating(rating), at(day, hour))
            if rating == 1:  # relearned ten minutes later, as Anki's relearning step does
                reviews.append(Review(card_id, at(day, hour + 0.2), 3))
                card, _ = truth.review_card(card, fsrs.Rating.Good, at(day, hour + 0.2))
            day += max(1, round(card.stability * rng.uniform(0.3, 3.0)))
            recalled = rng.random() < truth.get_card_retrievability(card, at(day, hour))
            rating = 3 if recalled else 1
    return reviews


@pytest.fixture(scope="module")
def weak_log() -> list[Review]:
    return simulated_log(WEAK)


def test_fitting_depends_only_on_the_log_and_stays_within_the_bounds_the_fsrs_package_checks(weak_log):
    fitted = fsrs_fit.fit_parameters(weak_log)
    # The same reviews in another order (their times all differ): the same parameters.
    assert fitted == fsrs_fit.fit_parameters(random.Random(1).sample(weak_log, len(weak_log)))
    assert len(fitted) == len(DEFAULT_PARAMETERS) and fitted != DEFAULT_PARAMETERS
    assert all(
        low <= w <= high
        for w, low, high in zip(fitted, LOWER_BOUNDS_PARAMETERS, UPPER_BOUNDS_PARAMETERS, strict=True)
    )
    fsrs.Scheduler(parameters=fitted)  # accepted as they are


def test_parameters_fitted_on_earlier_reviews_beat_the_defaults_on_later_ones(weak_log):
    ordered = sorted(r.at for r in weak_log)
    cutoff = ordered[len(ordered) * 2 // 3]
    fitted = fsrs_fit.fit_parameters(weak_log, until=cutoff)
    held_out = fsrs_fit.evaluate(fitted, weak_log, scored_from=cutoff)
    default = fsrs_fit.evaluate(DEFAULT_PARAMETERS, weak_log, scored_from=cutoff)
    assert held_out.beats(default)
    # The fit found the weak memory: a first Good is forgotten sooner than the defaults say.
    assert fitted[2] < DEFAULT_PARAMETERS[2]


def test_only_reviews_before_until_are_fitted(weak_log):
    cutoff = sorted(r.at for r in weak_log)[len(weak_log) // 2]
    before = [r for r in weak_log if r.at < cutoff]
    assert fsrs_fit.fit_parameters(weak_log, until=cutoff) == fsrs_fit.fit_parameters(before)


def test_without_a_long_term_review_the_defaults_stay():
    assert fsrs_fit.fit_parameters([]) == DEFAULT_PARAMETERS
    assert fsrs_fit.fit_parameters(CARD_A[:2]) == DEFAULT_PARAMETERS
