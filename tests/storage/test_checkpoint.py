"""Checkpoints run in the background, never inside a quiz answer's commit."""

from __future__ import annotations

import sqlite3

from bot.storage.database import WAL_AUTOCHECKPOINT_PAGES, Database


async def fill(db: Database, rows: int, start: int = 0) -> None:
    async with db.transaction() as conn:
        await conn.executemany(
            "INSERT INTO guild_settings (guild_id, timezone, updated_at) VALUES (?, ?, 0)",
            [(start + i, "Europe/London" + "x" * 200) for i in range(rows)],
        )


async def test_commits_leave_the_log_to_the_background_checkpoint(tmp_path):
    db = await Database.open(tmp_path / "bot.sqlite3")
    try:
        await db.migrate()
        assert (await db.fetchone("PRAGMA wal_autocheckpoint"))[0] == WAL_AUTOCHECKPOINT_PAGES
        size_before = db.path.stat().st_size
        assert not await db.checkpoint_if_large(), "a small log is left alone"

        for batch in range(10):  # ~6 MB of log: past the default 1,000-page threshold
            await fill(db, 5000, start=batch * 5000)
        assert db.wal_path.stat().st_size > 4 * 1024 * 1024
        assert db.path.stat().st_size == size_before, "no commit checkpointed on its own"

        assert await db.checkpoint_if_large()
        assert db.path.stat().st_size > size_before + 4 * 1024 * 1024, "the rows reached the database file"
        await fill(db, 10, start=10**6)  # the writer goes on, and the log is reused from its start
        assert (await db.fetchone("SELECT COUNT(*) FROM guild_settings"))[0] == 50_010
    finally:
        await db.close()
    with sqlite3.connect(tmp_path / "bot.sqlite3") as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        assert conn.execute("SELECT COUNT(*) FROM guild_settings").fetchone() == (50_010,)
