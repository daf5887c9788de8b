"""Shard ranges: which servers a process acts for."""

from __future__ import annotations

import pytest

from bot.core.errors import BadInput
from bot.core.shards import ShardPlan, parse_shard_ids, shard_of, shard_plan


def guild_on(shard: int, count: int) -> int:
    return ((1000 * count + shard) << 22) | 12345


def test_a_server_belongs_to_the_shard_discord_computes():
    assert shard_of(guild_on(3, 8), 8) == 3
    assert shard_of(guild_on(0, 2), 2) == 0 and shard_of(guild_on(1, 2), 2) == 1
    assert shard_of(None, 8) == 0  # direct messages


@pytest.mark.parametrize(
    ("text", "count", "ids"),
    [("0-3", 8, (0, 1, 2, 3)), ("4,5", 8, (4, 5)), ("0-1, 6", 8, (0, 1, 6)), ("7", 8, (7,))],
)
def test_shard_ids_as_ranges_and_lists(text, count, ids):
    assert parse_shard_ids(text, count) == ids


@pytest.mark.parametrize(
    ("text", "count", "says"),
    [
        ("0-8", 8, "goes past SHARD_COUNT=8"),
        ("3-1", 8, "runs backwards"),
        ("1,1", 8, "twice"),
        ("a-b", 8, "must look like"),
        ("", 8, "empty"),
    ],
)
def test_bad_shard_ids_are_explained(text, count, says):
    with pytest.raises(BadInput, match=says):
        parse_shard_ids(text, count)


def test_a_plan_from_the_settings():
    assert shard_plan(None, None) == ShardPlan(None, None)
    plan = shard_plan("2", "1")
    assert plan.owns(guild_on(1, 2), 2) and not plan.owns(guild_on(0, 2), 2)
    assert not plan.owns(None, 2), "direct messages belong to shard 0"
    assert shard_plan("2", "0-1").all_here
    with pytest.raises(BadInput, match="needs SHARD_COUNT"):
        shard_plan(None, "0-1")
    with pytest.raises(BadInput, match="SHARD_COUNT must be"):
        shard_plan("0", None)
