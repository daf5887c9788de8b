"""Writes that fail on a real SQLite file: a full disk, a lock held beyond the busy timeout, a
COMMIT that fails. A failed write stores nothing, reports its real cause to every caller waiting
on it, and leaves the connection ready for the next transaction."""

from __future__ import annotations

import asyncio
import sqlite3

import pytest

from bot.storage.database import Database
from bot.storage.quiz import AnswerRow, AnswerWriter, QuizRepo
from bot.ui.messages import SOMETHING_WRONG, STORAGE_BUSY, failure_text

PERIODS = ("all", "w2025-12-29", "m2026-01")


async def new_round(db: Database) -> int:
    return await QuizRepo(db).create_round(
        guild_id=1, channel_id=2, started_by=3, topic=None, mode="mixed", question_count=50, seconds=20,
        started_at_ms=0,
    )  # fmt: skip


def answers(round_id: int, question: int, members: int) -> list[AnswerRow]:
    return [
        AnswerRow(round_id, question, 1000 + m, 1, "customer-loyalty", "A", m % 2 == 0, 800, 1500, 0, PERIODS)
        for m in range(members)
    ]


async def record_all(writer: AnswerWriter, rows: list[AnswerRow]) -> list[BaseException | None]:
    return await asyncio.gather(*(writer.record(row) for row in rows), return_exceptions=True)


async def stored(db: Database) -> tuple[int, int]:
    """(answer rows, answers counted in the all-time totals): equal unless a write was half done."""
    (rows,) = await db.fetchone("SELECT COUNT(*) FROM quiz_answers")
    (counted,) = await db.fetchone("SELECT COALESCE(SUM(answered), 0) FROM quiz_totals WHERE period = 'all'")
    return rows, counted


async def disk_pages(db: Database, pages: int) -> None:
    """A disk with room for `pages` pages, as every connection of the bot sees it (the limit is a
    connection's setting: the main one and the one write-only transactions commit on)."""
    await db.execute(f"PRAGMA max_page_count = {pages:d}")
    if db.inline is not None:
        db.inline.conn.execute(f"PRAGMA max_page_count = {pages:d}").close()


@pytest.mark.sqlite_only  # SQLite's own file, lock and deferred-key behaviour
async def test_a_full_disk_fails_the_whole_batch_with_its_real_cause_and_the_retry_stores_it_once(db):
    round_id = await new_round(db)
    (pages,) = await db.fetchone("PRAGMA page_count")
    await disk_pages(db, pages + 4)  # a few pages left on the "disk"
    writer = AnswerWriter(db)
    for question in range(1, 50):
        batch = answers(round_id, question, 300)
        results = await record_all(writer, batch)
        if any(results):
            break
    else:
        pytest.fail("the disk never filled up")
    assert all(isinstance(r, sqlite3.OperationalError) for r in results), "every waiting answer hears of it"
    assert all(r.sqlite_errorcode == sqlite3.SQLITE_FULL for r in results), results[
        0
    ]  # not a masked ROLLBACK error
    assert failure_text(results[0]) == STORAGE_BUSY
    assert not db.conn.in_transaction
    rows_before, counted = await stored(db)
    assert rows_before == counted == 300 * (question - 1), "nothing of the failed batch is stored"

    await disk_pages(db, 1073741823)  # space again
    assert await record_all(writer, batch) == [None] * 300
    assert await stored(db) == (300 * question, 300 * question)


@pytest.mark.sqlite_only  # SQLite's own file, lock and deferred-key behaviour
async def test_a_lock_held_beyond_the_timeout_fails_the_waiting_answers_and_the_writer_recovers(db):
    round_id = await new_round(db)
    await db.execute("PRAGMA busy_timeout = 50")
    writer = AnswerWriter(db)
    blocker = sqlite3.connect(db.path, isolation_level=None)
    blocker.execute("BEGIN IMMEDIATE")
    try:
        results = await record_all(writer, answers(round_id, 1, 20))
    finally:
        blocker.execute("ROLLBACK")
        blocker.close()
    assert all(isinstance(r, sqlite3.OperationalError) and "locked" in str(r) for r in results), results
    assert failure_text(results[0]) == STORAGE_BUSY
    assert await stored(db) == (0, 0)
    assert await record_all(writer, answers(round_id, 1, 20)) == [None] * 20
    assert await stored(db) == (20, 20)


@pytest.mark.sqlite_only  # SQLite's own file, lock and deferred-key behaviour
async def test_a_failing_commit_is_rolled_back_and_the_connection_stays_usable(db):
    round_id = await new_round(db)
    with pytest.raises(sqlite3.IntegrityError, match="FOREIGN KEY"):
        async with db.transaction() as conn:
            # A deferred foreign key is checked at COMMIT: the COMMIT itself fails.
            await conn.execute("PRAGMA defer_foreign_keys = ON")
            await conn.execute(
                "INSERT INTO quiz_answers VALUES (?, 1, 7, 1, 'c', 'A', 1, 900, 10, 0, NULL)", (round_id + 99,)
            )
    assert not db.conn.in_transaction
    assert await record_all(AnswerWriter(db), answers(round_id, 1, 3)) == [None] * 3
    assert await stored(db) == (3, 3)


def test_only_passing_storage_trouble_is_called_busy():
    conn = sqlite3.connect(":memory:")
    with pytest.raises(sqlite3.OperationalError) as missing_table:
        conn.execute("SELECT * FROM nowhere")
    assert failure_text(missing_table.value) == SOMETHING_WRONG, "a bug is not 'busy'"
    assert failure_text(RuntimeError("boom")) == SOMETHING_WRONG
