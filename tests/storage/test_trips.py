"""SQLite transactions in as few trips to aiosqlite's worker thread as they need: every trip costs
the event loop a wake-up, which a quiz answer click pays. What the transaction means stays the
same: a failure anywhere rolls the whole of it back, and reads see the writes before them."""

from __future__ import annotations

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
async def test_a_batch_of_answers_is_one_trip_to_the_worker_thread(db):
    round_id = await new_round(db)
    trips = count_trips(db)
    await write_answers(db, answers(round_id, 1, 3))
    assert len(trips) == 1, trips  # BEGIN IMMEDIATE, both executemany and COMMIT together
    assert await stored(db) == (3, 3)
    assert committed_rows(db, "SELECT COUNT(*) FROM quiz_answers") == [(3,)], "committed, not just written"


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
