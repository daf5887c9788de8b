"""The outbox hands out turns in priority order, within the global and the channel budgets."""

from __future__ import annotations

import asyncio

from bot.core.budget import Priority, TokenBucket
from bot.outbox import Outbox


async def released_order(outbox: Outbox, requests: list[tuple[str, Priority, int | None]]) -> list[str]:
    order: list[str] = []

    async def one(name, priority, channel):
        await outbox.turn(priority, channel)
        order.append(name)

    await asyncio.gather(*(one(*r) for r in requests))
    return order


async def test_urgent_requests_go_first():
    outbox = Outbox(TokenBucket(rate=1000, burst=1))
    order = await released_order(
        outbox,
        [
            ("counter", Priority.COUNTER, None),
            ("daily-1", Priority.POST, None),
            ("question", Priority.LIVE, None),
            ("notice", Priority.NOTICE, None),
            ("daily-2", Priority.POST, None),
        ],
    )
    # The first caller starts the outbox; everyone queued meanwhile goes by priority, then arrival.
    assert order == ["question", "notice", "daily-1", "daily-2", "counter"]
    assert outbox.sent == 5 and outbox.queued == 0


async def test_a_busy_channel_does_not_hold_up_other_channels():
    outbox = Outbox(TokenBucket(rate=1000, burst=1000))
    for _ in range(5):  # channel 1 has used its five messages of this five-second window
        await outbox.turn(Priority.POST, 1)
    order = await released_order(
        outbox, [("busy", Priority.LIVE, 1), ("other-a", Priority.POST, 2), ("other-b", Priority.POST, 3)]
    )
    assert order[:2] == ["other-a", "other-b"] and order[2] == "busy"


async def test_a_cancelled_wait_gives_its_turn_away():
    outbox = Outbox(TokenBucket(rate=1000, burst=1))
    waiter = asyncio.create_task(outbox.turn(Priority.LIVE))
    gone = asyncio.create_task(outbox.turn(Priority.LIVE))
    later = asyncio.create_task(outbox.turn(Priority.POST))
    await asyncio.sleep(0)
    gone.cancel()
    await asyncio.gather(waiter, later)
    assert gone.cancelled() and outbox.sent == 2
