"""Per-server scheduling (parameters and desired retention), the workload note's figures and
leeches: the pure parts (issue 14)."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest
from fsrs import Rating, State

from bot.core import retention, srs
from bot.core.errors import BadInput

NOW = datetime(2026, 3, 10, 15, 30, tzinfo=UTC)
# Parameters of a class that forgets faster than FSRS-6's defaults expect: the initial stability
# of a Good (w2) a third of the default's.
FORGETFUL = tuple(w / 3 if i == 2 else w for i, w in enumerate(srs.DEFAULT_PARAMETERS))


def good_twice(scheduler) -> srs.CardState:
    first = srs.apply_rating("clv", None, Rating.Good, NOW, random.Random(1), scheduler=scheduler).state
    at = first.due
    return srs.apply_rating("clv", first, Rating.Good, at, random.Random(1), scheduler=scheduler).state


def test_a_servers_parameters_and_retention_change_the_due_date():
    default = good_twice(srs.DEFAULT_SCHEDULER)
    fitted = good_twice(srs.scheduler(FORGETFUL))
    stricter = good_twice(srs.scheduler(srs.DEFAULT_PARAMETERS, 0.95))
    assert default.state == fitted.state == stricter.state == State.Review
    assert fitted.due < default.due and fitted.stability < default.stability
    assert stricter.due < default.due, "a higher retention brings the card back sooner"
    assert stricter.stability == default.stability, "retention moves the interval, not the memory"


def test_schedulers_are_built_once_per_parameters_and_retention():
    assert srs.scheduler() is srs.DEFAULT_SCHEDULER
    assert srs.scheduler(list(FORGETFUL), 0.85) is srs.scheduler(FORGETFUL, 0.85)
    assert srs.DEFAULT_SCHEDULER.desired_retention == 0.9


@pytest.mark.parametrize("value", [0.5, 0.79, 0.951, 0.99, 1.0])
def test_a_scheduler_outside_the_allowed_retention_is_refused(value):
    with pytest.raises(ValueError, match="retention"):
        srs.scheduler(srs.DEFAULT_PARAMETERS, value)


def test_replay_follows_the_scheduler_the_ratings_were_made_with():
    scheduler = srs.scheduler(FORGETFUL, 0.85)
    history, card, now = [], None, NOW
    for rating in (Rating.Good, Rating.Good, Rating.Again, Rating.Good, Rating.Easy):
        card = srs.apply_rating("nps", card, rating, now, srs.review_rng(1, "nps", now), scheduler=scheduler).state
        history.append((rating, now))
        now = card.due + timedelta(hours=5)
    assert srs.replay(1, "nps", history, scheduler=scheduler) == card
    assert srs.replay(1, "nps", history) != card


# -- leeches -------------------------------------------------------------------------------


def test_a_lapse_is_an_again_at_least_a_day_after_the_previous_review():
    rate = srs.apply_rating
    sched = srs.DEFAULT_SCHEDULER
    learned = rate("clv", None, Rating.Easy, NOW, random.Random(1), scheduler=sched)
    assert not learned.lapsed and learned.state.lapses == 0
    soon = rate("clv", learned.state, Rating.Again, NOW + timedelta(hours=23), random.Random(1), scheduler=sched)
    assert not soon.lapsed and soon.state.lapses == 0, "a miss the same day says little about memory"
    later = rate("clv", learned.state, Rating.Again, learned.state.due, random.Random(1), scheduler=sched)
    assert later.lapsed and later.state.lapses == 1
    relearned = rate("clv", later.state, Rating.Good, later.state.due, random.Random(1), scheduler=sched)
    assert not relearned.lapsed and relearned.state.lapses == 1, "the count stays"


def test_eight_lapses_make_a_leech_and_replay_counts_them_too():
    card, now, history = None, NOW, []
    while card is None or not card.leech:
        rating = Rating.Again if card is not None and card.state == State.Review else Rating.Good
        card = srs.apply_rating(
            "crm", card, rating, now, srs.review_rng(5, "crm", now), scheduler=srs.DEFAULT_SCHEDULER
        ).state
        history.append((rating, now))
        now = card.due + timedelta(days=1)
        assert len(history) < 100
    assert card.lapses == srs.LEECH_LAPSES == 8
    assert srs.is_leech(8) and not srs.is_leech(7)
    assert srs.replay(5, "crm", history) == card


# -- retention as typed, and its workload ---------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "value"),
    [("0.85", 0.85), ("0,85", 0.85), (".8", 0.8), ("85%", 0.85), ("85", 0.85), (" 0.95 ", 0.95), ("87.5%", 0.875)],
)
def test_retention_is_read_as_a_fraction_or_a_percentage(typed, value):
    assert retention.parse_retention(typed) == value


@pytest.mark.parametrize("typed", ["0.5", "0.99", "79.9%", "96", "1", "0"])
def test_retention_out_of_range_is_refused_with_the_range(typed):
    with pytest.raises(BadInput, match=r"from 0\.80 to 0\.95") as info:
        retention.parse_retention(typed)
    assert "outside what the bot allows" in str(info.value)


@pytest.mark.parametrize("typed", ["abc", "", "   ", "0.9.1", "-0.9", "@everyone", "ninety", "1e-1", "0.85 0.9"])
def test_retention_that_is_no_number_is_refused_without_repeating_it(typed):
    with pytest.raises(BadInput, match="not a number") as info:
        retention.parse_retention(typed)
    assert typed.strip() not in str(info.value) or not typed.strip()


def test_percentages_print_without_a_useless_decimal():
    assert retention.percent(0.9) == "90%" and retention.percent(0.875) == "87.5%"


def test_workload_grows_with_retention_and_is_measured_against_090():
    loads = [retention.workload(r) for r in (0.80, 0.85, 0.90, 0.95)]
    assert [w.ratio for w in loads] == sorted(w.ratio for w in loads)
    assert loads[2].ratio == 1.0
    # Bands, not exact figures: the forgetting curve's, with FSRS-6's default parameters.
    assert 0.65 < loads[0].ratio < 0.85 and 1.3 < loads[3].ratio < 1.7
    assert 5 < loads[2].reviews < 12, "reviews of a new card in its first year at 0.90"


def test_workload_uses_the_servers_parameters():
    assert retention.workload(0.9, FORGETFUL).reviews > retention.workload(0.9).reviews
