"""The scheduling benchmark's protocol pieces: the shipped log, SM-2, the time-ordered splits."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.core.fsrs_fit import Review
from tests.bench import fsrs_protocol
from tests.bench.fsrs_protocol import Sm2

DAY0 = datetime(2026, 3, 2, 9, tzinfo=UTC)


def at(day: int, minutes: int = 0) -> datetime:
    return DAY0 + timedelta(days=day, minutes=minutes)


def test_the_shipped_log_is_complete_and_days_can_start_at_10_utc():
    reviews = fsrs_protocol.load_revlog()
    assert len(reviews) == 12_580
    assert len({r.card for r in reviews}) == 1_205
    assert {r.rating for r in reviews} == {1, 2, 3}
    # No review between 06:00 and 15:00 UTC: a day starting at 10:00 never splits a session.
    assert not [r for r in reviews if 6 <= r.at.astimezone(UTC).hour < 15]
    assert (fsrs_protocol.REVLOG.parent / "LICENSE").read_text().startswith("MIT License")


def intervals(ratings: list[int]) -> list[int]:
    sm2, result = Sm2(), []
    for rating in ratings:
        sm2.review(rating)
        result.append(sm2.interval)
    return result


def test_sm2_grows_1_6_then_times_the_ease_and_restarts_after_again():
    assert intervals([3, 3, 3, 3]) == [1, 6, 15, 38]  # ease stays 2.5 after Good (quality 4)
    # Again (quality 2) costs 0.32 of ease: 6 x 2.18 = 13.08 days.
    assert intervals([3, 1, 3, 3, 3]) == [1, 1, 1, 6, 13]


def test_sm2_hard_and_easy_move_the_ease():
    hard, easy = Sm2(), Sm2()
    for sm2, rating in ((hard, 2), (easy, 4)):
        sm2.review(rating)
    assert hard.ease == pytest.approx(2.36)
    assert easy.ease == pytest.approx(2.6)
    assert Sm2().ease == 2.5


def test_sm2_predicts_90_percent_recall_after_exactly_its_interval():
    sm2 = Sm2()
    for rating in (3, 3):
        sm2.review(rating)
    assert sm2.recall(6) == pytest.approx(0.9)
    assert sm2.recall(12) == pytest.approx(0.81)


def test_sm2_sees_only_the_first_review_of_each_day():
    reviews = [
        Review("a", at(0), 3),
        Review("a", at(1), 3),
        Review("a", at(1, 10), 1),  # the same day: SM-2 never hears of this lapse
        Review("a", at(7), 3),
    ]
    first, second = fsrs_protocol.sm2_predictions(reviews, timedelta(0))
    assert first.recall == pytest.approx(0.9)  # 1 day after a first Good: interval 1
    assert second.recall == pytest.approx(0.9)  # 6 days after the second Good: interval 6


def test_folds_cut_long_term_reviews_like_time_series_split():
    reviews = [Review("a", at(0), 3)] + [Review("a", at(day), 3) for day in range(1, 14)]
    steps = fsrs_protocol.long_term_steps(reviews, timedelta(0))
    assert len(steps) == 13
    folds = fsrs_protocol.time_series_folds(steps)
    # TimeSeriesSplit(n_splits=5) on 13 samples: tests of 2 starting at 3, 5, 7, 9 and 11.
    assert [f.start for f in folds] == [steps[i].review.at for i in (3, 5, 7, 9, 11)]
    assert [f.end for f in folds] == [steps[i].review.at for i in (5, 7, 9, 11)] + [None]
    rates = fsrs_protocol.constant_predictions(steps, folds[0])
    assert [p.step for p in rates] == steps[3:5]
    with pytest.raises(ValueError, match="cannot make 5 splits"):
        fsrs_protocol.time_series_folds(steps[:5])


def test_every_model_is_scored_on_the_same_reviews():
    reviews = sorted(fsrs_protocol.load_revlog(), key=lambda r: r.at)[:3_000]
    result = fsrs_protocol.compare(reviews, fsrs_protocol.REVLOG_DAY_START)
    assert set(result.scores) == {"FSRS-6 default", "FSRS-6 fitted", "SM-2", "AVG"}
    assert len({s.count for s in result.scores.values()}) == 1
    assert 0 < result.recall_rate < 1
