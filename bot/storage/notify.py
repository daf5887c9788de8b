"""Telling the bot's other processes what changed: LISTEN/NOTIFY on PostgreSQL.

Several processes share one PostgreSQL database, and each keeps some of it in memory (which decks a
server uses, `bot.decks.DeckLibrary`). When one process changes such a thing, it `publish`es the
change on a channel; every other process hears it on its own dedicated connection (LISTEN cannot
use a pooled connection: the pool hands it to other work) and refreshes what it holds.

The listening connection is kept open: it is checked every `KEEPALIVE` seconds, and when it is
gone (the server restarted, the network went away, silently or not) it reconnects with a growing
pause, and each channel's `resync` runs once it is back, because notifications sent meanwhile
are lost.

SQLite needs none of this: one process owns the file.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from bot.storage.postgres import CONNECT_TIMEOUT, describe_url

log = logging.getLogger(__name__)

KEEPALIVE = 30.0  # seconds between checks of a quiet listening connection
RETRY_FIRST, RETRY_MAX = 1.0, 30.0  # the pause before reconnecting, doubling up to the max


@dataclass(slots=True)
class _Channel:
    on_change: Callable[[str], Awaitable[None]]
    resync: Callable[[], Awaitable[None]] | None


class ChangeFeed:
    """One process's end of the notifications: `listen` to channels, `publish` on them.

    A process never hears its own notifications (they carry its `origin`), so publishing after a
    change it has already applied costs nothing here.
    """

    def __init__(self, db, url: str) -> None:
        self.db = db  # the bot's PostgresDatabase: publishing uses its pool
        self.url = url
        self.origin = secrets.token_hex(6)
        self._channels: dict[str, _Channel] = {}
        self._task: asyncio.Task | None = None
        self._conn = None
        self._closing = False
        self._checked = 0.0  # perf_counter() of the last sign of life of the listening connection
        self.reconnects = 0

    def listen(
        self,
        channel: str,
        on_change: Callable[[str], Awaitable[None]],
        resync: Callable[[], Awaitable[None]] | None = None,
    ) -> None:
        """Call `on_change(payload)` for every notification another process sends on `channel`;
        `resync()` after a reconnection (what was sent meanwhile is lost). Before `start`."""
        self._channels[channel] = _Channel(on_change, resync)

    async def start(self) -> None:
        """Start listening: the first connection now (if PostgreSQL is not reachable, it is
        retried in the background), then a task keeps it open."""
        try:
            await self._open()
        except Exception as exc:
            log.warning("change feed: cannot listen at %s yet (%s); retrying", describe_url(self.url), exc)
        self._task = asyncio.create_task(self._keep(), name="change-feed")

    async def publish(self, channel: str, payload: str) -> None:
        """Tell the other processes; a failure is logged, never raised (they catch up at their
        next start, or the next change)."""
        try:
            await self.db.execute("SELECT pg_notify(?, ?)", (channel, f"{self.origin}:{payload}"))
        except Exception as exc:
            log.warning("could not notify the other processes on %s: %s", channel, exc)

    async def close(self) -> None:
        self._closing = True
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        await self._drop()

    # ------------------------------------------------------------------ the listening connection

    async def _keep(self) -> None:
        """Check the connection every KEEPALIVE seconds; reconnect (with a growing pause) when it
        is gone, then resync. Plain sleeps: nothing here waits on the network for long."""
        pause, behind = RETRY_FIRST, False  # behind: missed notices not yet made up for
        while not self._closing:
            await asyncio.sleep(RETRY_FIRST if behind else KEEPALIVE if self._conn is not None else pause)
            if self._conn is not None:
                if await self._alive():
                    if behind:
                        behind = not await self._resync()
                    continue
                log.warning("change feed: the listening connection was lost; reconnecting")
                await self._drop()
            try:
                await self._open()
            except Exception as exc:
                log.warning(
                    "change feed: cannot reach PostgreSQL at %s (%s); retrying in %.1f s",
                    describe_url(self.url),
                    exc,
                    pause,
                )
                pause = min(pause * 2, RETRY_MAX)
                continue
            pause = RETRY_FIRST
            self.reconnects += 1
            log.info("change feed: listening again; refreshing what may have changed meanwhile")
            behind = not await self._resync()  # tried again shortly if the database is not back yet

    async def _open(self) -> None:
        import asyncpg

        conn = await asyncpg.connect(self.url, timeout=CONNECT_TIMEOUT)
        try:
            for name in self._channels:
                await conn.add_listener(name, self._heard)
        except BaseException:
            conn.terminate()
            raise
        self._conn = conn
        self._checked = time.perf_counter()

    async def _alive(self) -> bool:
        if self._conn.is_closed():
            return False
        # A round trip at most every KEEPALIVE seconds of real time (perf_counter: a simulated
        # clock that races ahead in the tests does not turn this into a flood of pings).
        if time.perf_counter() - self._checked < KEEPALIVE:
            return True
        try:
            await self._conn.fetchval("SELECT 1", timeout=KEEPALIVE)
        except Exception:
            return False
        self._checked = time.perf_counter()
        return True

    async def _drop(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None and not conn.is_closed():
            conn.terminate()  # no goodbye over a connection that may be dead

    def _heard(self, _conn, _pid: int, channel: str, payload: str) -> None:
        origin, _, body = payload.partition(":")
        handler = self._channels.get(channel)
        if handler is None or origin == self.origin:
            return
        asyncio.get_running_loop().create_task(self._apply(channel, handler.on_change(body)))

    async def _apply(self, channel: str, work: Awaitable[None]) -> None:
        try:
            await work
        except Exception:
            log.exception("change feed: applying a change on %s failed", channel)

    async def _resync(self) -> bool:
        """Every channel's resync; False if one failed (it is tried again)."""
        done = True
        for name, handler in self._channels.items():
            if handler.resync is not None:
                try:
                    await handler.resync()
                except Exception as exc:
                    log.warning("change feed: refreshing %s after a reconnection failed (%s)", name, exc)
                    done = False
        return done
