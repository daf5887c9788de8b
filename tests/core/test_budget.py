"""The request budget: token buckets that keep the bot under Discord's global and channel limits."""

from __future__ import annotations

import pytest

from bot.core.budget import Priority, TokenBucket, channel_bucket, global_bucket


def sends_in_windows(bucket: TokenBucket, requests: int) -> int:
    """Reserve `requests` at t=0 (all at once) and return the most sent in any one-second window."""
    times = sorted(bucket.reserve(0.0) for _ in range(requests))
    most = 0
    for i, start in enumerate(times):
        most = max(most, sum(1 for t in times[i:] if t < start + 1.0))
    return most


def test_a_burst_goes_at_once_and_the_rest_is_paced():
    bucket = TokenBucket(rate=10, burst=3)
    waits = [bucket.reserve(0.0) for _ in range(6)]
    assert waits[:3] == [0.0, 0.0, 0.0]
    assert waits[3:] == pytest.approx([0.1, 0.2, 0.3])


def test_tokens_come_back_with_time_up_to_the_burst():
    bucket = TokenBucket(rate=10, burst=3)
    for _ in range(3):
        bucket.reserve(0.0)
    assert bucket.available(0.05) == pytest.approx(0.5)
    assert bucket.available(100.0) == 3
    assert bucket.reserve(100.0) == 0.0


def test_one_process_never_sends_more_than_50_in_a_second():
    bucket = global_bucket(1)
    assert sends_in_windows(bucket, 2000) <= 50
    assert bucket.rate == pytest.approx(45)


@pytest.mark.parametrize("processes", [2, 3, 4, 8, 16])
def test_processes_together_stay_within_the_global_limit(processes):
    buckets = [global_bucket(processes) for _ in range(processes)]
    per_window = [sends_in_windows(b, 500) for b in buckets]
    assert sum(per_window) <= 50


def test_too_many_processes_for_the_budget_is_refused():
    with pytest.raises(ValueError, match="cannot share"):
        global_bucket(50)


def test_a_channel_takes_five_messages_in_five_seconds():
    bucket = channel_bucket()
    waits = [bucket.reserve(0.0) for _ in range(6)]
    assert waits[:5] == [0.0] * 5 and waits[5] == pytest.approx(1.0)


def test_live_quiz_messages_go_before_daily_terms_and_counters_last():
    assert sorted([Priority.COUNTER, Priority.POST, Priority.LIVE, Priority.NOTICE]) == [
        Priority.LIVE,
        Priority.NOTICE,
        Priority.POST,
        Priority.COUNTER,
    ]
