"""A server's fit decision (pure): the thresholds, what is kept, and the row form the bot hands
to another process."""

from __future__ import annotations

from datetime import timedelta

from bot.core import fsrs_fit
from bot.core.fsrs_fit import ADOPTED, DEFAULT_PARAMETERS, KEPT, TOO_FEW, Review
from tests.core.server_history import START, simulate


def as_reviews(rows):
    return [Review((user, card), at, rating) for user, card, at, rating in rows]


def test_too_few_reviews_are_not_fitted_and_keep_the_parameters_in_use():
    mine = tuple(w * 1.01 for w in DEFAULT_PARAMETERS)
    rows = simulate(30, 25, 150)
    for size in (0, 100, int(fsrs_fit.MIN_FIT_REVIEWS / (1 - fsrs_fit.HELD_OUT_SHARE)) - 10):
        decision = fsrs_fit.decide(as_reviews(rows[:size]), mine)
        assert (decision.outcome, decision.parameters, decision.fitted) == (TOO_FEW, mine, None)


def test_fitted_parameters_are_adopted_only_when_both_metrics_are_better():
    helped = fsrs_fit.decide(as_reviews(simulate(30, 25, 150)), DEFAULT_PARAMETERS)
    assert helped.outcome == ADOPTED and helped.fitted.beats(helped.current)
    assert helped.parameters != DEFAULT_PARAMETERS
    changed = simulate(30, 25, 150, later=DEFAULT_PARAMETERS, switch=START + timedelta(days=90))
    kept = fsrs_fit.decide(as_reviews(changed), DEFAULT_PARAMETERS)
    assert kept.outcome == KEPT and not kept.fitted.beats(kept.current)
    assert kept.parameters == DEFAULT_PARAMETERS and kept.held_out == kept.current.count >= fsrs_fit.MIN_HELD_OUT
    # Judged against the parameters in use, not the defaults: the adopted ones stay.
    again = fsrs_fit.decide(as_reviews(changed), helped.parameters)
    assert again.current != kept.current, "scored with the parameters in use"
    assert again.outcome == ADOPTED or again.parameters == helped.parameters


def test_rows_are_the_same_reviews():
    rows = simulate(3, 4, 40)
    ms_rows = [(user, card, int(at.timestamp() * 1000), rating) for user, card, at, rating in rows]
    assert fsrs_fit.decide_rows(ms_rows, DEFAULT_PARAMETERS) == fsrs_fit.decide(
        as_reviews(rows), DEFAULT_PARAMETERS
    )


def test_a_server_scheduler_is_built_once_per_parameters_and_retention():
    from bot.core.fsrs_fit import scheduler_for

    ours = tuple(w * 1.01 for w in DEFAULT_PARAMETERS)
    assert scheduler_for(ours) is scheduler_for(ours)
    assert scheduler_for(ours).parameters == ours and scheduler_for(ours, 0.85).desired_retention == 0.85
