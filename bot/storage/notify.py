"""Telling the bot's other processes what changed: LISTEN/NOTIFY on PostgreSQL.

Several processes share one PostgreSQL database, and each keeps some of it in memory (which decks a
server uses, `bot.decks.DeckLibrary`). When one process changes such a thing, it `publish`es the
change on a channel; every other process hears it on its own dedicated connection (LISTEN cannot
use a pooled connection: the pool hands it to other work) and refreshes what it holds.

The listening connection is kept open: when it drops (the server restarted, the network went
away), it reconnects with a growing pause, and each channel's `resync` runs once it is back,
because notifications sent meanwhile are lost. A quiet connection is checked every
`KEEPALIVE` seconds, so a silently dead one is noticed too.

SQLite needs none of this: one process owns the file.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
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
        self.connected = asyncio.Event()
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

    async def start(self, within: float = CONNECT_TIMEOUT) -> None:
        """Start listening; waits (up to `within` seconds) for the first connection, and keeps
        trying in the background if it is not there yet."""
        self._task = asyncio.create_task(self._run(), name="change-feed")
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(asyncio.shield(self.connected.wait()), within)

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

    async def _run(self) -> None:
        pause, first = RETRY_FIRST, True
        while not self._closing:
            try:
                lost = await self._connect()
            except Exception as exc:
                log.warning(
                    "change feed: cannot reach PostgreSQL at %s (%s); retrying in %.0f s",
                    describe_url(self.url),
                    exc,
                    pause,
                )
                await asyncio.sleep(pause)
                pause = min(pause * 2, RETRY_MAX)
                continue
            pause = RETRY_FIRST
            if not first:
                self.reconnects += 1
                log.info("change feed: listening again; refreshing what may have changed meanwhile")
                await self._resync()
            first = False
            self.connected.set()
            await self._watch(lost)
            self.connected.clear()
            await self._drop()
            if not self._closing:
                log.warning("change feed: the listening connection was lost; reconnecting")

    async def _connect(self) -> asyncio.Event:
        import asyncpg

        conn = await asyncpg.connect(self.url, timeout=CONNECT_TIMEOUT)
        lost = asyncio.Event()
        conn.add_termination_listener(lambda _conn: lost.set())
        try:
            for name in self._channels:
                await conn.add_listener(name, self._heard)
        except BaseException:
            await conn.close()
            raise
        self._conn = conn
        return lost

    async def _watch(self, lost: asyncio.Event) -> None:
        """Return when the connection is gone (closed by the server, or not answering a check)."""
        while not lost.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(lost.wait(), KEEPALIVE)
                return
            try:
                await asyncio.wait_for(self._conn.execute("SELECT 1"), KEEPALIVE)
            except Exception:
                return

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

    async def _resync(self) -> None:
        for name, handler in self._channels.items():
            if handler.resync is not None:
                try:
                    await handler.resync()
                except Exception:
                    log.exception("change feed: refreshing %s after a reconnection failed", name)
