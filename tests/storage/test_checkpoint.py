"""Checkpoints run in a background thread, never inside a quiz answer's commit."""

from __future__ import annotations

import asyncio
import sqlite3

from bot.storage.database import CHECKPOINT_EVERY_COMMITS, WAL_AUTOCHECKPOINT_PAGES, Database

#: One row of filler: a server's settings with a long time-zone text (nothing reads it back).
INSERT_ROW = "INSERT INTO guild_settings (guild_id, timezone, updated_at) VALUES (?, ?, 0)"


async def commit_rows(db: Database, commits: int, start: int = 0) -> None:
    for i in range(commits):
        async with db.transaction() as conn:
            await conn.execute(INSERT_ROW, (start + i, "Europe/London" + "x" * 3000))


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


async def test_under_steady_writing_the_log_starts_over_without_a_commit_checkpointing(tmp_path):
    """Answers that never pause (a busy quiz) still let the background checkpoint bring the log back
    to its beginning. Otherwise the log only grows until a commit crosses WAL_AUTOCHECKPOINT_PAGES
    and checkpoints by itself, on the event loop's thread, two disk flushes included: the very wait
    the background checkpoint exists to keep away from a click."""
    db = await Database.open(tmp_path / "bot.sqlite3")
    try:
        await db.migrate()
        (page,) = await db.fetchone("PRAGMA page_size")
        row = "x" * (19 * page)  # ~20 log pages a commit, as a quiz answer with its totals and report rows
        commits = 3 * WAL_AUTOCHECKPOINT_PAGES // 20  # three times what the safety net allows
        for i in range(commits):
            # What the clicks do: write-only transactions, back to back, none waiting for another.
            async with db.transaction() as tx:
                await tx.executemany(INSERT_ROW, [(i, row)])
            await asyncio.sleep(0.001)  # the next click comes through the event loop, a moment later
            if db._checkpoint_task is not None and db._checkpoint_task.done():
                await db._checkpoint_task  # a checkpoint that failed would raise here
        # The log file keeps the size of its longest run: about one checkpoint's worth of commits
        # (CHECKPOINT_EVERY_COMMITS), never the safety net's WAL_AUTOCHECKPOINT_PAGES.
        longest_run = (tmp_path / "bot.sqlite3-wal").stat().st_size // page
        assert longest_run < WAL_AUTOCHECKPOINT_PAGES * 0.6
    finally:
        await db.close()
    with sqlite3.connect(tmp_path / "bot.sqlite3") as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        assert conn.execute("SELECT COUNT(*) FROM guild_settings").fetchone() == (commits,)
