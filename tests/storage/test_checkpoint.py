"""Checkpoints run in a background thread, never inside a quiz answer's commit."""

from __future__ import annotations

import sqlite3

from bot.storage.database import CHECKPOINT_EVERY_COMMITS, WAL_AUTOCHECKPOINT_PAGES, Database


async def commit_rows(db: Database, commits: int, start: int = 0) -> None:
    for i in range(commits):
        async with db.transaction() as conn:
            await conn.execute(
                "INSERT INTO guild_settings (guild_id, timezone, updated_at) VALUES (?, ?, 0)",
                (start + i, "Europe/London" + "x" * 3000),
            )


async def test_commits_leave_the_log_to_a_background_checkpoint(tmp_path):
    db = await Database.open(tmp_path / "bot.sqlite3")
    try:
        await db.migrate()
        assert (await db.fetchone("PRAGMA wal_autocheckpoint"))[0] == WAL_AUTOCHECKPOINT_PAGES
        size_before = db.path.stat().st_size

        await commit_rows(db, CHECKPOINT_EVERY_COMMITS - 1)  # ~2 MB of log
        assert db.path.stat().st_size == size_before, "no commit checkpointed on its own"
        assert db._checkpoint_task is None

        await commit_rows(db, 1, start=10_000)  # this commit starts the background checkpoint
        task = db._checkpoint_task
        assert task is not None and db.commits_since_checkpoint == 0
        assert db.request_checkpoint() is None, "one at a time"
        await commit_rows(db, 5, start=20_000)  # the writer is not held up meanwhile
        await task
        assert db.path.stat().st_size > size_before + CHECKPOINT_EVERY_COMMITS * 3000

        assert db.request_checkpoint() is not None  # the scheduler's tick: the 5 newer commits
        assert db.request_checkpoint() is None
    finally:
        await db.close()  # waits for a checkpoint still running
    with sqlite3.connect(tmp_path / "bot.sqlite3") as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        assert conn.execute("SELECT COUNT(*) FROM guild_settings").fetchone() == (CHECKPOINT_EVERY_COMMITS + 5,)
