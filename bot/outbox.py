"""The outbox: every message the bot posts or edits on its own takes its turn here.

Interaction responses are outside Discord's global limit and never wait here. Everything else
(quiz questions, reveals and counters, daily terms, scheduled-quiz notices, reminders) asks
`await outbox.turn(priority, channel_id)` right before its request: turns are handed out in
priority order, within this process's share of the bot's global budget and each channel's own
limit (`bot.core.budget`). A request that fails is retried by its owner, which asks for a new
turn: a retry never holds up the queue behind it.

`Fanout` runs many independent sends at once (the scheduler's due rows): most urgent first, a
bounded number at a time, each in its own task, so one slow or retried send never holds up the
others. The bound keeps few rows claimed-but-unsent at any moment (a crash loses at most those).

Times come from `time.monotonic()`, the clock asyncio's sleeps follow (simulated in the tests).
"""

from __future__ import annotations

import asyncio
import bisect
import heapq
import itertools
import logging
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Hashable

from bot.core.budget import Priority, TokenBucket, channel_bucket, global_bucket

log = logging.getLogger(__name__)

MAX_CHANNELS = 10_000  # channel buckets kept; an idle channel's bucket is full again anyway
MIN_SLEEP = 0.001  # a waiter looks again at most this often


class Outbox:
    def __init__(self, bucket: TokenBucket | None = None) -> None:
        self.bucket = bucket or global_bucket()
        self._channels: OrderedDict[int, TokenBucket] = OrderedDict()
        # Who waits, most urgent first: (priority, arrival, channel id). Each waiter sleeps until
        # its turn could come and then looks again (a sleeping task, not a future another task
        # must resolve: simulated time in the tests moves on by itself then).
        self._waiting: list[tuple[int, int, int | None]] = []
        self._order = itertools.count()
        self.sent = 0

    @property
    def queued(self) -> int:
        return len(self._waiting)

    async def turn(self, priority: Priority = Priority.POST, channel_id: int | None = None) -> None:
        """Wait until this request may go (returns at once when the budget has room)."""
        entry = (int(priority), next(self._order), channel_id)
        bisect.insort(self._waiting, entry)
        try:
            await asyncio.sleep(0)  # requests of the same moment all queue first: the most urgent goes
            while True:
                now = time.monotonic()
                wait = self._wait(entry, now)
                if wait <= 0:
                    self.bucket.reserve(now)
                    if channel_id is not None:
                        self._channel(channel_id).reserve(now)
                    self.sent += 1
                    return
                await asyncio.sleep(max(wait, MIN_SLEEP))
        finally:
            at = bisect.bisect_left(self._waiting, entry)
            if at < len(self._waiting) and self._waiting[at] == entry:
                del self._waiting[at]

    def _wait(self, entry: tuple[int, int, int | None], now: float) -> float:
        """0 when `entry` may go now, else about how long until it might.

        It may go when its channel has room and the global bucket holds a token for it and for
        every more urgent waiter whose channel has room (those never wait for a less urgent one;
        one whose channel is full does not hold up the others).
        """
        channel_id = entry[2]
        channel = None if channel_id is None else self._channel(channel_id)
        channel_wait = 0.0
        if channel is not None and channel.available(now) < 1:
            channel_wait = (1 - channel.available(now)) / channel.rate
        ahead = 0
        for other in self._waiting:
            if other == entry:
                break
            room = None if other[2] is None else self._channel(other[2])
            if room is None or room.available(now) >= 1:
                ahead += 1
        tokens = self.bucket.available(now)
        if channel_wait == 0 and tokens >= ahead + 1:
            return 0.0
        return max(channel_wait, (ahead + 1 - tokens) / self.bucket.rate)

    def _channel(self, channel_id: int) -> TokenBucket:
        bucket = self._channels.get(channel_id)
        if bucket is None:
            bucket = self._channels[channel_id] = channel_bucket()
            while len(self._channels) > MAX_CHANNELS:
                self._channels.popitem(last=False)
        else:
            self._channels.move_to_end(channel_id)
        return bucket


class Fanout:
    """Runs submitted jobs concurrently, at most `limit` at a time, the most urgent first.

    A job is a key (what it is about: one job per key is queued or running at a time), a priority,
    a time (earlier first within a priority) and a function that returns the coroutine to run.
    Each job runs in its own task and handles its own failures; one that raises is logged.
    """

    def __init__(self, limit: int = 64) -> None:
        self.limit = limit
        self._queue: list[tuple[int, float, int, Hashable, Callable[[], Awaitable]]] = []
        self._order = itertools.count()
        self._running: dict[Hashable, asyncio.Task] = {}
        self._queued: set[Hashable] = set()
        self._idle = asyncio.Event()
        self._idle.set()

    def busy(self, key: Hashable) -> bool:
        return key in self._queued or key in self._running

    @property
    def pending(self) -> int:
        return len(self._queued) + len(self._running)

    def submit(self, key: Hashable, priority: Priority, job: Callable[[], Awaitable], at: float = 0.0) -> bool:
        """Queue `job()` unless a job with `key` is already queued or running (then False)."""
        if self.busy(key):
            return False
        self._queued.add(key)
        heapq.heappush(self._queue, (int(priority), at, next(self._order), key, job))
        self._idle.clear()
        self._start()
        return True

    async def idle(self) -> None:
        """Wait until every submitted job has finished."""
        await self._idle.wait()

    def _start(self) -> None:
        while self._queue and len(self._running) < self.limit:
            _, _, _, key, job = heapq.heappop(self._queue)
            self._queued.discard(key)
            task = asyncio.create_task(self._guarded(key, job), name=f"fanout-{key}")
            self._running[key] = task
        if not self._queue and not self._running:
            self._idle.set()

    async def _guarded(self, key: Hashable, job: Callable[[], Awaitable]) -> None:
        try:
            await job()
        except Exception:
            log.exception("%s failed; the others go on", key)
        finally:
            self._running.pop(key, None)
            self._start()

    def cancel(self) -> None:
        """Drop what is queued and cancel what runs (the bot is stopping)."""
        self._queue.clear()
        self._queued.clear()
        for task in list(self._running.values()):
            task.cancel()
