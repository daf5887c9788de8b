"""Group commit: answers given while the first answer of a batch waits share its transaction, and
batches commit one after another in the order the answers came. Real databases, both engines; the
window is an event the test opens, so nothing here depends on how fast the machine is."""

from __future__ import annotations

import asyncio

from bot.storage.quiz import AnswerWriter
from tests.storage.test_write_failures import answers, new_round, stored


class Window:
    """The writer's pause, held open until the test closes it; counts how often it was taken."""

    def __init__(self) -> None:
        self.taken = 0
        self.closed = asyncio.Event()

    async def __call__(self) -> None:
        self.taken += 1
        await self.closed.wait()


async def test_answers_given_while_the_window_is_open_share_one_commit(db):
    round_id = await new_round(db)
    window = Window()
    writer = AnswerWriter(db, pause=window)
    first, *rest = answers(round_id, 1, 5)
    batch = writer.submit(first)
    await asyncio.sleep(0)  # its task is running: it waits in the window
    assert window.taken == 1
    assert all(writer.submit(row) is batch for row in rest), "later answers join the waiting batch"
    done, _ = await asyncio.wait((batch,), timeout=0.05)
    assert not done, "nothing is committed while the window is open"
    assert await stored(db) == (0, 0)

    window.closed.set()
    await batch
    assert await stored(db) == (5, 5)
    assert window.taken == 1, "one batch, one wait"

    later = writer.submit(answers(round_id, 2, 1)[0])
    assert later is not batch, "an answer after the commit starts a new batch"
    await later
    assert window.taken == 2 and await stored(db) == (6, 6)


async def test_full_batches_follow_the_one_in_flight_in_order_without_pausing_again(db):
    round_id = await new_round(db)
    window = Window()
    writer = AnswerWriter(db, max_batch=2, pause=window)
    rows = answers(round_id, 1, 5)
    batches = [writer.submit(row) for row in rows]
    assert len(set(batches)) == 3, "two answers a batch"
    window.closed.set()
    finished: list[int] = []
    for number, batch in enumerate(dict.fromkeys(batches)):
        batch.add_done_callback(lambda _t, n=number: finished.append(n))
    await asyncio.gather(*batches)
    assert finished == [0, 1, 2], "each batch waits for the commit before it"
    assert window.taken == 1, "only the first batch waited in the window"
    assert await stored(db) == (5, 5)
    await writer.close()


async def test_an_answer_after_a_batch_was_cancelled_in_its_window_starts_a_new_one(db):
    # Stands for the bot shutting down (or a bug) cancelling a batch before its commit.
    round_id = await new_round(db)
    window = Window()
    writer = AnswerWriter(db, pause=window)
    first, second = answers(round_id, 1, 2)
    lost = writer.submit(first)
    await asyncio.sleep(0)
    lost.cancel()
    await asyncio.gather(lost, return_exceptions=True)
    window.closed.set()
    batch = writer.submit(second)
    assert batch is not lost
    await batch
    assert await stored(db) == (1, 1)


async def test_a_waiting_answer_that_goes_away_does_not_cancel_the_batch_it_shares(db):
    # Stands for one click's handler being cancelled while its answer waits in a shared batch.
    round_id = await new_round(db)
    window = Window()
    writer = AnswerWriter(db, pause=window)
    first, second = answers(round_id, 1, 2)
    leaving = asyncio.create_task(writer.record(first))
    staying = asyncio.create_task(writer.record(second))
    await asyncio.sleep(0)
    await asyncio.sleep(0)
    assert window.taken == 1
    leaving.cancel()
    window.closed.set()
    await staying
    assert leaving.cancelled()
    assert await stored(db) == (2, 2), "the batch committed both: the first answer was already in it"
