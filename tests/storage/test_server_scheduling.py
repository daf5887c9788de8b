"""A server's scheduling on real databases: its parameters and retention read together, the
retention stored within its range, and a change made by another process reaching this one
within `REFRESH_AFTER` (issue 14)."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from bot.cogs.server_fsrs import REFRESH_AFTER, ServerParameters
from bot.core import srs
from bot.core.fsrs_fit import DEFAULT_PARAMETERS
from bot.storage.fsrs_params import FsrsParamsRepo
from tests.core.server_history import FORGETFUL

GUILD, OTHER = 900, 901
NOW = datetime(2026, 3, 10, 15, 30, tzinfo=UTC)


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


async def test_parameters_and_retention_come_together_with_defaults(db):
    repo = FsrsParamsRepo(db)
    assert await repo.scheduling(GUILD) == (DEFAULT_PARAMETERS, 0.9)
    assert await repo.scheduling(None) == (DEFAULT_PARAMETERS, 0.9)
    await repo.set_retention(GUILD, 0.85, NOW)
    await repo.set_retention(GUILD, 0.875, NOW)
    await db.execute(
        "INSERT INTO fsrs_params (guild_id, parameters, checked_at, outcome, reviews, held_out)"
        " VALUES (?, ?, 0, 'adopted', 6000, 300)",
        (GUILD, json.dumps(FORGETFUL)),
    )
    assert await repo.scheduling(GUILD) == (FORGETFUL, 0.875)
    assert await repo.parameters(GUILD) == FORGETFUL
    assert await repo.scheduling(OTHER) == (DEFAULT_PARAMETERS, 0.9)


@pytest.mark.parametrize("value", [0.5, 0.79, 0.96, 1.0])
async def test_a_retention_out_of_range_is_never_stored(db, value):
    with pytest.raises(ValueError, match="retention"):
        await FsrsParamsRepo(db).set_retention(GUILD, value, NOW)
    assert await db.fetchall("SELECT * FROM server_retention") == []


async def test_another_processs_change_arrives_within_the_refresh_time(db):
    clock = Clock()
    mine = ServerParameters(FsrsParamsRepo(db), clock=clock)
    other = ServerParameters(FsrsParamsRepo(db), clock=clock)  # another process on the same database
    assert await mine.scheduler_for(GUILD) is srs.DEFAULT_SCHEDULER
    await other.set_retention(GUILD, 0.95, NOW)
    assert await other.retention_for(GUILD) == 0.95, "the process that set it uses it at once"
    clock.now += REFRESH_AFTER - 1
    assert await mine.retention_for(GUILD) == 0.9, "cached a little while"
    clock.now += 1
    assert await mine.scheduler_for(GUILD) is srs.scheduler(DEFAULT_PARAMETERS, 0.95)
    assert await mine.scheduler_for(None) is srs.DEFAULT_SCHEDULER
