"""Database.snapshot: long reads on a second, read-only connection, one committed moment throughout."""

from __future__ import annotations

import sqlite3

import asyncpg
import pytest

READ_ONLY = (sqlite3.OperationalError, asyncpg.exceptions.ReadOnlySQLTransactionError)
SETTING = "INSERT INTO guild_settings (guild_id, timezone, updated_at) VALUES (?, 'UTC', 0)"
COUNT = "SELECT COUNT(*) AS n FROM guild_settings"


async def test_a_snapshot_sees_one_committed_moment_and_writes_nothing(db):
    await db.execute(SETTING, (1,))
    async with db.snapshot() as snap:
        assert await snap.fetchone(COUNT) == {"n": 1}
        await db.execute(SETTING, (2,))  # committed meanwhile by the bot's own connection
        assert await snap.fetchall("SELECT guild_id FROM guild_settings") == [{"guild_id": 1}]
        with pytest.raises(READ_ONLY, match=r"readonly|read-only"):
            await snap.fetchall(SETTING, (3,))
    async with db.snapshot() as snap:
        assert await snap.fetchone(COUNT) == {"n": 2}
        assert await snap.fetchone("SELECT guild_id FROM guild_settings WHERE guild_id = 9") is None


async def test_a_snapshot_does_not_wait_for_a_write_in_progress(db):
    await db.execute(SETTING, (1,))
    async with db.transaction() as conn:  # holds the write lock, as a quiz answer being stored does
        await conn.execute(SETTING, (2,))
        async with db.snapshot() as snap:
            assert await snap.fetchone(COUNT) == {"n": 1}, "the uncommitted row is not seen"
    assert (await db.fetchone(COUNT))[0] == 2
