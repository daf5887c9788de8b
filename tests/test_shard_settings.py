"""SHARD_COUNT, SHARD_IDS and PROCESS_COUNT: which shards a process runs and its share of the
request budget, read from the environment with clear errors, and what `bot.process` makes of them."""

from __future__ import annotations

import pytest

from bot.config import ConfigError, Settings
from bot.core.budget import global_bucket
from bot.core.shards import ShardPlan
from bot.process import ThisProcess


def settings(**env) -> Settings:
    return Settings.from_env({k.upper(): v for k, v in env.items()}, dotenv=False)


def test_without_shard_settings_one_process_runs_discord_s_recommended_count():
    s = settings()
    assert (s.shard_count, s.shard_ids, s.processes) == (None, None, 1)
    process = ThisProcess(s.shards, s.processes)
    assert process.shards is None and not process.shared
    assert process.owns(123 << 22) and process.owns(None)
    assert process.outbox.bucket.rate == global_bucket(1).rate == 45


@pytest.mark.parametrize(
    ("count", "ids", "shards", "processes"),
    [("8", "0-3", (0, 1, 2, 3), 2), ("8", "4,5", (4, 5), 4), ("3", "2", (2,), 3), ("10", "0-3", (0, 1, 2, 3), 3)],
)
def test_a_range_of_shards_and_the_processes_sharing_the_budget(count, ids, shards, processes):
    s = settings(shard_count=count, shard_ids=ids)
    assert s.shard_count == int(count) and s.shard_ids == shards
    assert s.processes == processes, "SHARD_COUNT / len(SHARD_IDS), rounded up"
    process = ThisProcess(s.shards, s.processes)
    assert process.shards == ShardPlan(int(count), shards) and process.shared
    assert process.outbox.bucket.rate == pytest.approx(global_bucket(processes).rate)


def test_process_count_overrides_the_guess():
    s = settings(shard_count="8", shard_ids="0-3", process_count="3")
    assert s.processes == 3
    assert settings(process_count="2").processes == 2
    assert ThisProcess(settings(process_count="2").shards, 2).shared, "another process runs beside it"


def test_all_shards_in_one_process_filters_nothing():
    s = settings(shard_count="4", shard_ids="0-3")
    process = ThisProcess(s.shards, s.processes)
    assert s.processes == 1 and process.shards is None and not process.shared


def test_direct_messages_belong_to_shard_0():
    assert ThisProcess(ShardPlan(2, (0,))).owns(None)
    assert not ThisProcess(ShardPlan(2, (1,))).owns(None)
    assert ThisProcess(ShardPlan(2, (1,))).owns((5 << 22) | 99)


@pytest.mark.parametrize(
    ("env", "says"),
    [
        ({"shard_ids": "0-1"}, "SHARD_IDS needs SHARD_COUNT"),
        ({"shard_count": "two"}, "SHARD_COUNT must be a whole number"),
        ({"shard_count": "0"}, "SHARD_COUNT must be a whole number"),
        ({"shard_count": "4", "shard_ids": "2-5"}, "goes past SHARD_COUNT=4"),
        ({"shard_count": "4", "shard_ids": "x"}, 'must look like "0-3"'),
        ({"process_count": "0"}, "PROCESS_COUNT must be a whole number from 1 to 40"),
        ({"process_count": "41"}, "PROCESS_COUNT must be a whole number from 1 to 40"),
    ],
)
def test_bad_values_are_explained(env, says):
    with pytest.raises(ConfigError, match=says):
        settings(**env)


def test_the_settings_show_the_shards():
    text = repr(settings(shard_count="8", shard_ids="4,5"))
    assert "shard_count=8" in text and "shard_ids=(4, 5)" in text


def test_the_start_up_line_says_what_this_process_runs():
    assert ThisProcess(ShardPlan(8, (4, 5)), 4).describe() == (
        "shards 4,5 of 8, one of 4 processes: 11.25 requests/s (bursts of 1.25)"
    )
    assert ThisProcess(ShardPlan()).describe() == (
        "all shards (as many as Discord recommends), the only process: 45 requests/s (bursts of 5)"
    )
    assert ThisProcess(ShardPlan(3)).describe().startswith("all 3 shards")
