"""Missed-terms rounds as pure rules: enough history or not, and draws weighted by miss rate."""

from __future__ import annotations

import random
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest

from bot.core.missed import MIN_ANSWERS, NotEnoughHistory, TermRecord, period_start, pick_missed

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
ALL = {"a", "b", "c", "d", "e", "f"}


def history(**counts: tuple[int, int]) -> list[TermRecord]:
    return [TermRecord(term, answers, misses) for term, (answers, misses) in counts.items()]


def test_period_windows_roll_back_from_now():
    assert period_start("week", NOW) == NOW - timedelta(days=7)
    assert period_start("month", NOW) == NOW - timedelta(days=30)
    assert period_start("all", NOW) is None


def test_too_few_answers_or_missed_terms_is_not_enough_history():
    few_answers = history(a=(3, 3), b=(3, 3), c=(3, 3))  # 9 answers
    with pytest.raises(NotEnoughHistory) as refused:
        pick_missed(few_answers, ALL, 10, random.Random(1), "week")
    assert refused.value.answers == 9 and refused.value.missed == 3
    assert "in the last 7 days" in str(refused.value) and f"at least {MIN_ANSWERS} answers" in str(refused.value)
    two_missed = history(a=(20, 0), b=(5, 1), c=(5, 2))
    with pytest.raises(NotEnoughHistory):
        pick_missed(two_missed, ALL, 10, random.Random(1), "month")
    assert sorted(pick_missed(two_missed, ALL, 2, random.Random(1), "month")) == ["b", "c"], (
        "a two-question round needs only two missed terms"
    )


def test_only_terms_the_round_may_ask_count():
    records = history(a=(10, 5), b=(10, 5), c=(10, 5), old=(50, 50))
    with pytest.raises(NotEnoughHistory) as refused:
        pick_missed(records, {"a", "b"}, 10, random.Random(1), "all")  # a topic with two of them
    assert refused.value.answers == 20 and refused.value.missed == 2
    assert "old" not in pick_missed(records, ALL, 10, random.Random(1), "all")


def test_only_missed_terms_are_drawn_and_a_short_history_makes_a_short_round():
    records = history(a=(10, 4), b=(10, 0), c=(10, 1), d=(10, 9), e=(10, 0))
    picked = pick_missed(records, ALL, 10, random.Random(3), "month")
    assert sorted(picked) == ["a", "c", "d"], "every missed term once, never a term nobody missed"
    assert pick_missed(records, ALL, 10, random.Random(3), "month") == picked, "seeded: the same round"


def test_draws_lean_on_the_most_missed_terms():
    records = history(a=(20, 18), b=(20, 12), c=(20, 2), d=(1, 1), e=(40, 1))
    firsts = Counter(pick_missed(records, ALL, 1, random.Random(seed), "all")[0] for seed in range(3000))
    assert firsts["a"] > firsts["b"] > firsts["c"] > firsts["e"]
    assert firsts["d"] < firsts["b"], "one miss in one answer says less than twelve in twenty"
    assert firsts["e"] > 0, "a rarely missed term still comes up now and then"
    top_two = Counter(
        frozenset(pick_missed(records, ALL, 2, random.Random(seed), "all")) for seed in range(2000)
    ).most_common(1)[0][0]
    assert top_two == {"a", "b"}


def test_a_terms_rate_is_pulled_towards_the_class_rate_by_four_answers():
    assert TermRecord("a", 1, 1).weight(0.25) == pytest.approx((1 + 1) / 5)
    assert TermRecord("a", 20, 10).weight(0.25) == pytest.approx(11 / 24)
    assert TermRecord("a", 400, 200).weight(0.25) == pytest.approx(0.5, abs=0.01), (
        "many answers speak for themselves"
    )
    assert TermRecord("a", 4, 1).miss_rate == 0.25
