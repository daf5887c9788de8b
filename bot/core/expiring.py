"""Per-member state in memory that cannot outgrow the members who are actually studying.

The study features keep a little state per member between clicks (a practice test in progress, a
matching game, the newest review session). Without a bound such maps grow with every member who
ever clicked, until a restart. `Expiring` drops an entry once it has gone unused for a while;
`KeyedLocks` keeps a lock only while someone holds or waits for it.

The clock is passed in (the cogs pass Discord's clock), so tests move time instead of waiting.
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from collections.abc import AsyncIterator, Callable, Hashable
from contextlib import asynccontextmanager
from datetime import datetime, timedelta
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")

# How long a member's test, game or review session waits for the next click before it is dropped.
SESSION_IDLE = timedelta(hours=1)


class Expiring(Generic[K, V]):
    """A mapping whose entries disappear after `idle` without being read or written.

    Every read or write counts as use and first drops the entries idle for `idle` or longer, so
    after any access the map holds only the keys used within the last `idle`. Entries are kept in
    order of last use, which makes that pruning cost proportional to what it drops.
    """

    def __init__(self, idle: timedelta, clock: Callable[[], datetime]) -> None:
        if idle <= timedelta(0):
            raise ValueError("idle must be positive")
        self.idle = idle
        self.clock = clock
        self._entries: OrderedDict[K, tuple[V, datetime]] = OrderedDict()

    def prune(self) -> datetime:
        """Drop the entries idle for `idle` or longer; returns the time it pruned at."""
        now = self.clock()
        while self._entries:
            key, (_, used) = next(iter(self._entries.items()))
            if now - used < self.idle:
                break
            del self._entries[key]
        return now

    def get(self, key: K, default: V | None = None) -> V | None:
        """The value for `key` (and `key` counts as used), or `default` when absent or expired."""
        now = self.prune()
        entry = self._entries.get(key)
        if entry is None:
            return default
        self._entries[key] = (entry[0], now)
        self._entries.move_to_end(key)
        return entry[0]

    def __getitem__(self, key: K) -> V:
        if key not in self:
            raise KeyError(key)
        return self.get(key)

    def __setitem__(self, key: K, value: V) -> None:
        now = self.prune()
        self._entries[key] = (value, now)
        self._entries.move_to_end(key)

    def pop(self, key: K, default: V | None = None) -> V | None:
        """Remove `key`, returning its value (or `default`)."""
        self.prune()
        entry = self._entries.pop(key, None)
        return default if entry is None else entry[0]

    def __contains__(self, key: object) -> bool:
        self.prune()
        return key in self._entries

    def __len__(self) -> int:
        self.prune()
        return len(self._entries)


class KeyedLocks(Generic[K]):
    """One asyncio lock per key (a member), existing only while it is held or awaited."""

    def __init__(self) -> None:
        self._locks: dict[K, tuple[asyncio.Lock, list[int]]] = {}

    @asynccontextmanager
    async def hold(self, key: K) -> AsyncIterator[None]:
        """Hold `key`'s lock for the block; the lock is forgotten when nobody needs it any more."""
        lock, users = self._locks.setdefault(key, (asyncio.Lock(), [0]))
        users[0] += 1
        try:
            async with lock:
                yield
        finally:
            users[0] -= 1
            if not users[0]:
                del self._locks[key]

    def __len__(self) -> int:
        return len(self._locks)
