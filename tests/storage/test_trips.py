"""SQLite transactions in as few trips to aiosqlite's worker thread as they need: every trip costs
the event loop a wake-up, which a quiz answer click pays, and a transaction that only writes
commits on the loop's own thread, with no trip (bot/storage/inline.py). What the transaction means
stays the same: a failure anywhere rolls the whole of it back, and reads see the writes before
them."""

from __future__ import annotations

import asyncio
import sqlite3

import pytest

from bot.storage.quiz import AnswerRow, write_answers
from tests.storage.engine import committed_rows, fail_writes, write_failure
from tests.storage.test_write_failures import answers, new_round, stored


def count_trips(db) -> list[str]:
    """Record every function aiosqlite runs on its thread for `db` from now on."""
    trips: list[str] = []
    run = db.conn._execute

    async def counted(fn, *args, **kwargs):
        trips.append(getattr(fn, "__name__", repr(fn)))
        return await run(fn, *args, **kwargs)

    db.conn._execute = counted
    return trips


@pytest.mark.sqlite_only
async def test_a_batch_of_answers_commits_on_the_loops_thread_with_no_trip(db):
    round_id = await new_round(db)
    trips = count_trips(db)
    await write_answers(db, answers(round_id, 1, 3))
    assert trips == []  # BEGIN IMMEDIATE, both executemany and COMMIT on the inline connection
    assert await stored(db) == (3, 3)
    assert committed_rows(db, "SELECT COUNT(*) FROM quiz_answers") == [(3,)], "committed, not just written"


@pytest.mark.sqlite_only
async def test_a_batch_waits_in_one_trip_while_another_process_writes(db):
    """Another process holds the write lock: the loop's thread never waits for it (that would stall
    every member), the batch goes to the worker thread, which waits as before, and commits once."""
    round_id = await new_round(db)
    other = sqlite3.connect(str(db.path), isolation_level=None)  # stands for a second bot process
    try:
        other.execute("BEGIN IMMEDIATE")
        trips = count_trips(db)
        writing = asyncio.ensure_future(write_answers(db, answers(round_id, 1, 3)))
        await asyncio.sleep(0.05)
        assert not writing.done(), "the other process still holds the lock"
        other.execute("COMMIT")
        await writing
    finally:
        other.close()
    assert trips == ["_replay"]
    assert await stored(db) == (3, 3)
    trips.clear()
    # The next batch finds the lock free and commits without a trip again.
    await write_answers(db, answers(round_id, 2, 2))
    assert trips == []
    assert await stored(db) == (5, 5)


@pytest.mark.sqlite_only
async def test_synchronous_full_keeps_its_flushes_off_the_loops_thread(tmp_path):
    from bot.storage.database import Database

    full = await Database.open(tmp_path / "full.db", synchronous="FULL")
    try:
        await full.migrate()
        assert full.inline is None
        round_id = await new_round(full)
        trips = count_trips(full)
        await write_answers(full, answers(round_id, 1, 3))
        assert len(trips) == 1, trips
        assert await stored(full) == (3, 3)
    finally:
        await full.close()


@pytest.mark.sqlite_only
async def test_a_single_write_is_one_trip(db):
    round_id = await new_round(db)
    trips = count_trips(db)
    assert await db.execute("UPDATE quiz_rounds SET message_id = 5 WHERE id = ?", (round_id,)) == 1
    assert len(trips) == 1, trips
    assert committed_rows(db, "SELECT message_id FROM quiz_rounds") == [(5,)]


@pytest.mark.sqlite_only
async def test_a_transaction_that_runs_no_statement_costs_no_trip(db):
    trips = count_trips(db)
    async with db.transaction() as tx:
        await tx.lock("nothing")
    assert trips == []
    assert not db.conn.in_transaction


async def test_a_read_inside_a_transaction_sees_the_writes_queued_before_it(db):
    round_id = await new_round(db)
    async with db.transaction() as tx:
        await tx.executemany(
            "UPDATE quiz_rounds SET message_id = ? WHERE id = ?", [(7, round_id)]
        )  # queued on SQLite, run before the read below
        assert await tx.fetchone("SELECT message_id FROM quiz_rounds WHERE id = ?", (round_id,)) == (7,)
    assert committed_rows(db, "SELECT message_id FROM quiz_rounds") == [(7,)]


async def test_a_queued_statement_that_fails_rolls_back_the_whole_transaction(db):
    round_id = await new_round(db)
    await fail_writes(db, "quiz_totals", "INSERT", "disk on fire")
    with pytest.raises(write_failure(), match="disk on fire"):
        await write_answers(db, answers(round_id, 1, 2))  # the answers go in; the totals fail
    assert await stored(db) == (0, 0), "nothing of the batch stayed"
    assert committed_rows(db, "SELECT COUNT(*) FROM quiz_answers") == [(0,)]
    # The connection is ready for the next transaction.
    assert await db.execute("UPDATE quiz_rounds SET message_id = 9 WHERE id = ?", (round_id,)) == 1


async def test_an_error_raised_by_the_block_rolls_back_what_was_queued(db):
    round_id = await new_round(db)
    with pytest.raises(LookupError):
        async with db.transaction() as tx:
            await tx.executemany("UPDATE quiz_rounds SET message_id = ? WHERE id = ?", [(3, round_id)])
            await tx.execute("UPDATE quiz_rounds SET seconds = 99 WHERE id = ?", (round_id,))
            raise LookupError("the caller changed its mind")
    assert committed_rows(db, "SELECT message_id, seconds FROM quiz_rounds") == [(None, 20)]


async def test_a_withdrawn_answer_leaves_no_row_and_no_points(db):
    from bot.storage.quiz import withdraw_answer

    round_id = await new_round(db)
    kept, taken = answers(round_id, 1, 2)
    await write_answers(db, [kept, taken])
    before = await db.fetchall(
        "SELECT period, points, correct, answered FROM quiz_totals WHERE user_id = ? ORDER BY period",
        (kept.user_id,),
    )
    assert await withdraw_answer(db, taken)
    assert await db.fetchall("SELECT user_id FROM quiz_answers") == [(kept.user_id,)]
    assert await db.fetchall(
        "SELECT period, points, correct, answered FROM quiz_totals WHERE user_id = ? ORDER BY period",
        (taken.user_id,),
    ) == [(p, 0, 0, 0) for p in sorted(taken.periods)]
    assert (
        await db.fetchall(
            "SELECT period, points, correct, answered FROM quiz_totals WHERE user_id = ? ORDER BY period",
            (kept.user_id,),
        )
        == before
    )
    assert not await withdraw_answer(db, taken), "a second withdrawal changes nothing"
    again = AnswerRow(**{**{f: getattr(taken, f) for f in AnswerRow.__slots__}, "points": 600})
    await write_answers(db, [again])  # the member answers again: stored once, with the new points
    assert await db.fetchall(
        "SELECT points, answered FROM quiz_totals WHERE user_id = ? AND period = 'all'", (taken.user_id,)
    ) == [(600, 1)]


@pytest.mark.sqlite_only
async def test_a_review_rating_is_two_trips_its_read_and_its_commit(db):
    """A rating (and a /test answer, which is one) reads the card, then writes the card and its log
    row: the writes ride with COMMIT instead of a trip each."""
    from datetime import UTC, datetime

    from bot.core import srs
    from bot.storage.study import StudyRepo

    trips = count_trips(db)
    now = datetime(2026, 1, 5, 12, tzinfo=UTC)
    await StudyRepo(db).record_review(1, "clv", 4, "review", 7, now, scheduler=srs.DEFAULT_SCHEDULER)
    assert len(trips) == 2, trips
    assert committed_rows(db, "SELECT user_id, card_id FROM study_cards") == [(1, "clv")]
    assert committed_rows(db, "SELECT COUNT(*) FROM study_reviews") == [(1,)]
