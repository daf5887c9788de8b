"""The outbox: every message the bot posts or edits on its own takes its turn here.

Interaction responses are outside Discord's global limit and never wait here. Everything else
(quiz questions, reveals and counters, daily terms, scheduled-quiz notices, reminders) asks
`await outbox.turn(priority, channel_id)` right before its request: turns are handed out in
priority order, within this process's share of the bot's global budget and each channel's own
limit (`bot.core.budget`). A request that fails is retried by its owner, which asks for a new
turn: a retry never holds up the queue behind it.
"""

from __future__ import annotations

import asyncio
import heapq
import itertools
from collections import OrderedDict

from bot.core.budget import Priority, TokenBucket, channel_bucket, global_bucket

MAX_CHANNELS = 10_000  # channel buckets kept; an idle channel's bucket is full again anyway


class Outbox:
    def __init__(self, bucket: TokenBucket | None = None) -> None:
        self.bucket = bucket or global_bucket()
        self._channels: OrderedDict[int, TokenBucket] = OrderedDict()
        self._waiting: list[tuple[int, int, int | None, asyncio.Future]] = []
        self._order = itertools.count()
        self._pump: asyncio.Task | None = None
        self.sent = 0

    @property
    def queued(self) -> int:
        return len(self._waiting)

    async def turn(self, priority: Priority = Priority.POST, channel_id: int | None = None) -> None:
        """Wait until this request may go (returns at once when the budget has room)."""
        future = asyncio.get_running_loop().create_future()
        heapq.heappush(self._waiting, (int(priority), next(self._order), channel_id, future))
        if self._pump is None or self._pump.done():
            self._pump = asyncio.create_task(self._run(), name="outbox")
        await future

    def _channel(self, channel_id: int) -> TokenBucket:
        bucket = self._channels.get(channel_id)
        if bucket is None:
            bucket = self._channels[channel_id] = channel_bucket()
            while len(self._channels) > MAX_CHANNELS:
                self._channels.popitem(last=False)
        else:
            self._channels.move_to_end(channel_id)
        return bucket

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        while self._waiting:
            now = loop.time()
            # The most urgent waiter whose channel has room; one that must wait for its channel
            # does not hold up the others.
            pick, soonest = None, None
            for entry in sorted(self._waiting)[:64]:
                _, _, channel_id, future = entry
                if future.done():  # its caller was cancelled
                    pick = entry
                    break
                room = None if channel_id is None else self._channel(channel_id)
                if room is None or room.available(now) >= 1:
                    pick = entry
                    break
                wait = (1 - room.available(now)) / room.rate
                soonest = wait if soonest is None else min(soonest, wait)
            if pick is None:
                await asyncio.sleep(soonest or 0.05)
                continue
            self._waiting.remove(pick)
            heapq.heapify(self._waiting)
            _, _, channel_id, future = pick
            if future.done():
                continue
            wait = self.bucket.reserve(now)
            if wait > 0:
                await asyncio.sleep(wait)
            if channel_id is not None:
                self._channel(channel_id).reserve(loop.time())
            if not future.done():
                self.sent += 1
                future.set_result(None)
