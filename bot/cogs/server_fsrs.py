"""Each server's own FSRS parameters: fitted in the background, adopted only when they predict the
server's latest reviews better (issue 14).

Every `CHECK_HOURS` the loop asks storage for servers with enough reviews (`MIN_FIT_REVIEWS` logged
there) whose last fit is more than a day old, and fits them one at a time. The fit
(`bot.core.fsrs_fit.decide`: fsrs-rs-python on all but the latest fifth of the server's log, both
parameter sets scored on that fifth) is CPU-bound Python for seconds on a large log, so it runs in
a separate process: in a thread it would hold the GIL that quiz answers need. Its outcome is stored
whatever it is, so a server is fitted at most once a day, and one failing server never stops the others.

`parameters_for(guild_id)` gives the parameters a server schedules with (defaults until a fit was
adopted, and in DMs), `retention_for(guild_id)` its desired retention (/settings retention, 0.90
until set), and `scheduler_for(bot, guild_id)` the fsrs scheduler made of both, which every path
that rates a card asks for (/review, /test, channel quizzes, /learn, the daily term's quiz).
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from datetime import datetime
from functools import partial

import discord
import fsrs
from discord.ext import commands, tasks

from bot.core import fsrs_fit, srs
from bot.core.fsrs_fit import FitDecision
from bot.storage.fsrs_params import FsrsParamsRepo, LogRow

log = logging.getLogger(__name__)

CACHED_SERVERS = 1024  # servers whose parameters stay in memory
FIRST_CHECK_AFTER = 600  # seconds after start-up: leave the start to the bot's own work
CHECK_HOURS = 6  # how often the log is scanned for servers due a fit (each is fitted once a day at most)
# A server's parameters and retention are read again after this long (seconds), so a change made by
# another process sharing the database (a fit adopted there, /settings retention) reaches this one.
REFRESH_AFTER = 300.0
Fit = Callable[[Sequence[LogRow], Sequence[float]], Awaitable[FitDecision]]
Scheduling = tuple[tuple[float, ...], float]  # FSRS-6 parameters, desired retention


class ServerParameters:
    """The per-server parameters and their daily fit. `fit` runs `fsrs_fit.decide_rows` (in a
    separate process unless told otherwise, e.g. by tests)."""

    def __init__(
        self, repo: FsrsParamsRepo, fit: Fit | None = None, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.repo = repo
        self._fit = fit or self._fit_in_process
        self._pool: ProcessPoolExecutor | None = None
        self._clock = clock
        self._cache: OrderedDict[int, tuple[Scheduling, float]] = OrderedDict()  # guild -> (what, read at)

    async def scheduling_for(self, guild_id: int | None) -> Scheduling:
        """The server's FSRS-6 parameters and desired retention (the defaults in DMs)."""
        if guild_id is None:
            return fsrs_fit.DEFAULT_PARAMETERS, srs.DESIRED_RETENTION
        cached = self._cache.get(guild_id)
        if cached is not None and self._clock() - cached[1] < REFRESH_AFTER:
            self._cache.move_to_end(guild_id)
            return cached[0]
        found = await self.repo.scheduling(guild_id)
        self._remember(guild_id, found)
        return found

    async def parameters_for(self, guild_id: int | None) -> tuple[float, ...]:
        """The FSRS-6 parameters to schedule this server's reviews with."""
        return (await self.scheduling_for(guild_id))[0]

    async def retention_for(self, guild_id: int | None) -> float:
        """The server's desired retention (0.90 until /settings retention, and in DMs)."""
        return (await self.scheduling_for(guild_id))[1]

    async def scheduler_for(self, guild_id: int | None) -> fsrs.Scheduler:
        """The fsrs scheduler for the server's parameters and retention (built once per pair)."""
        return srs.scheduler(*await self.scheduling_for(guild_id))

    async def set_retention(self, guild_id: int, retention: float, now: datetime) -> None:
        """Store the server's desired retention; this process schedules with it from now on."""
        await self.repo.set_retention(guild_id, retention, now)
        self._cache.pop(guild_id, None)  # read back whole: the parameters may have moved meanwhile

    def _remember(self, guild_id: int, scheduling: Scheduling) -> None:
        self._cache[guild_id] = (scheduling, self._clock())
        self._cache.move_to_end(guild_id)
        while len(self._cache) > CACHED_SERVERS:
            self._cache.popitem(last=False)

    async def run_due(self, now: datetime) -> dict[int, str]:
        """Fit every server that is due at `now`; returns each one's outcome ("failed" on an error)."""
        outcomes = {}
        for guild_id in await self.repo.servers_to_check(now, fsrs_fit.MIN_FIT_REVIEWS):
            try:
                outcomes[guild_id] = (await self.check(guild_id, now)).outcome
            except Exception:
                log.exception("FSRS fit of guild %s failed; the others go on", guild_id)
                outcomes[guild_id] = "failed"
        return outcomes

    async def check(self, guild_id: int, now: datetime) -> FitDecision:
        """Fit one server now and store the outcome (adopting the fitted parameters if they won)."""
        rows = await self.repo.server_log(guild_id)
        current = await self.repo.parameters(guild_id)
        decision = await self._fit(rows, current)
        await self.repo.record(guild_id, decision, now)
        self._cache.pop(guild_id, None)  # the next rating reads the parameters just stored
        log.info(
            "FSRS fit of guild %s: %s (%d reviews, %d held out%s)",
            guild_id,
            decision.outcome,
            decision.reviews,
            decision.held_out,
            "" if decision.fitted is None else
            f"; log loss {decision.current.log_loss:.4f} in use vs {decision.fitted.log_loss:.4f} fitted",
        )  # fmt: skip
        return decision

    async def _fit_in_process(self, rows: Sequence[LogRow], current: Sequence[float]) -> FitDecision:
        if self._pool is None:
            # spawn: a fork of the running bot would copy its threads' locks (aiosqlite's) mid-use.
            self._pool = ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn"))
        loop = asyncio.get_running_loop()
        try:
            return await loop.run_in_executor(
                self._pool, partial(fsrs_fit.decide_rows, list(rows), tuple(current))
            )
        except BrokenProcessPool:  # the process died (killed, out of memory): a new one next time
            self._pool = None
            raise

    def close(self) -> None:
        """Stop the fitting process (a fit under way is abandoned; it runs again another day)."""
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)
            self._pool = None


class ServerFsrs(commands.Cog):
    def __init__(self, bot) -> None:
        self.bot = bot
        self.params = ServerParameters(FsrsParamsRepo(bot.db))

    async def parameters_for(self, guild_id: int | None) -> tuple[float, ...]:
        """The FSRS-6 parameters to schedule this server's reviews with (defaults in DMs)."""
        return await self.params.parameters_for(guild_id)

    async def retention_for(self, guild_id: int | None) -> float:
        """The server's desired retention (0.90 until set, and in DMs)."""
        return await self.params.retention_for(guild_id)

    async def cog_load(self) -> None:
        self.fit.start()

    async def cog_unload(self) -> None:
        self.fit.cancel()
        self.params.close()

    @tasks.loop(hours=CHECK_HOURS)
    async def fit(self) -> None:
        try:
            # In a child task that ends with the round, as the scheduler's tick does: simcord's
            # settling sees a finished task at once instead of polling this long-lived loop task.
            await asyncio.create_task(self.params.run_due(discord.utils.utcnow()), name="fsrs-fit")
        except Exception:  # the loop must survive anything (e.g. the log scan failing)
            log.exception("FSRS fitting round failed")

    @fit.before_loop
    async def wait_a_little(self) -> None:
        await self.bot.wait_until_ready()
        await asyncio.sleep(FIRST_CHECK_AFTER)


async def scheduler_for(bot, guild_id: int | None) -> fsrs.Scheduler:
    """The fsrs scheduler a rating made in this server (None = a DM) schedules with: the server's
    own parameters and desired retention. Every path that rates a card asks this first."""
    cog: ServerFsrs | None = bot.get_cog("ServerFsrs")
    if cog is None:  # only when the cog is not loaded (a bot built for its commands alone)
        return srs.DEFAULT_SCHEDULER
    return await cog.params.scheduler_for(guild_id)


async def setup(bot) -> None:
    await bot.add_cog(ServerFsrs(bot))
