"""The scheduler: ONE loop for all of this process's servers that posts daily terms and starts
scheduled quizzes.

Every `TICK_SECONDS` the loop asks storage for the rows whose `next_run_at` has come (two
partial-index probes, so an idle tick costs the same for 10 or 10,000 servers), only those of the
servers whose shards this process runs (`bot.process`: a stopped process's overdue rows never
crowd out the others'), and hands each row to its feature: `QuizSchedules.run_slot` and
`DailyTerm.post_today`. Those take the slot in the database (a compare-and-set advance, or the
daily claim row) and commit BEFORE anything is sent, so a slot is used at most once, even across
restarts.

The rows run concurrently (`bot.outbox.Fanout`): quiz slots before daily terms, a bounded number
at a time, each send taking its turn in the outbox (this process's share of Discord's global
limit), so 2,000 daily terms due at 08:00 go out at the budget's pace and a class quiz's notice
due meanwhile goes first. Each row runs in its own task: a failure (or a send that discord.py
retries) costs only that row, which retries at a later tick (`daily_retry_at`); one broken
server is logged and never stops the loop or the other servers.

A due query reads at most `PAGE` rows. A full page means more are waiting (more servers due at one
minute than a page holds): once the page's rows are done, a background drain reads the next page
at once instead of at the next tick, so the budget never idles between pages. The ticks go on
meanwhile (a quiz notice due during a long fan-out is still read at its tick).

Ticks are aligned to whole half-minutes of UTC (hh:mm:00 and hh:mm:30). Schedule times are whole
minutes, so a 09:00 post or quiz notice goes out at 09:00:00, not up to 30 s late. The loop is a
plain interval loop in UTC (`tasks.loop(seconds=...)`); local times, DST included, are the
business of `bot.core.schedule`, which computes each row's next UTC instant.

The helpers at the bottom decide what a failed send means: 404 (Unknown Channel) and 403 (Missing
Access / Missing Permissions) pause the feature with a reason a teacher can read in /daily show or
/schedule list; anything else is transient (the daily term retries within the day, and after an
answer that is not a refusal, `refused() is False`, only while a resend cannot duplicate it).
"""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime, timedelta

import discord
from discord.ext import commands, tasks

from bot.core.budget import Priority
from bot.outbox import Fanout
from bot.permissions import CHANNEL_POST, missing_text, missing_to_post
from bot.storage.daily_posts import ScheduleChanges
from bot.storage.schedules import ScheduleStore

log = logging.getLogger(__name__)

TICK_SECONDS = 30.0
QUIET_RECHECK = timedelta(minutes=5)
#: What a post needs in its channel (the invite asks for the same, see bot.permissions).
POST_PERMISSIONS = CHANNEL_POST
CHANNEL_GONE = "the channel was deleted, or I can no longer see it"
#: Rows being worked on at once: each claims its slot, waits for its turn and sends. About a second
#: and a half of this process's budget (45 requests/s), so the queue stays full while few rows are
#: ever claimed-but-unsent (a crash leaves those unsent for the day rather than risk a duplicate).
FANOUT_LIMIT = 64
#: Rows one due query reads (see the module notes: a full page is followed by the next at once).
PAGE = 500


class Scheduler(commands.Cog):
    def __init__(self, bot) -> None:
        self.bot = bot
        self.store = ScheduleStore(bot.db, shards=bot.process.shards)
        self.fanout = Fanout(FANOUT_LIMIT)
        # Idle ticks skip the database: nothing falls due before `_quiet_until` unless a schedule
        # changed (ScheduleChanges) or QUIET_RECHECK passed (a safety net, e.g. a restored backup).
        self._quiet_until: datetime | None = None
        self._checked_at: datetime | None = None
        self._changes_seen = -1
        self._full_pages: set | None = None  # the keys of the last full page read (None: not full)
        self._drain: asyncio.Task | None = None

    async def cog_load(self) -> None:
        self.tick.start()

    async def cog_unload(self) -> None:
        self.tick.cancel()
        if self._drain is not None:
            self._drain.cancel()
        self.fanout.cancel()

    @tasks.loop(seconds=TICK_SECONDS)
    async def tick(self) -> None:
        try:
            # The work runs in a child task that ends with the tick. Production gains nothing from
            # it, but simcord's settling sees a finished task at once, where it would otherwise poll
            # this long-lived loop task (waiting on the database thread) every 50 ms of real time.
            now = discord.utils.utcnow()
            if not self._quiet(now):
                await asyncio.create_task(self._tick(now), name="scheduler-tick")
        except Exception:  # the loop must survive anything; run_due already guards each row
            log.exception("scheduler tick failed")
        # Whatever was written since the last checkpoint goes into the database file, in the
        # background (see Database.request_checkpoint).
        self.bot.db.request_checkpoint()

    def _quiet(self, now: datetime) -> bool:
        return (
            self._quiet_until is not None
            and self._checked_at is not None
            and now < self._quiet_until
            and now < self._checked_at + QUIET_RECHECK
            and ScheduleChanges.count == self._changes_seen
        )

    async def _tick(self, now: datetime) -> None:
        changes = ScheduleChanges.count  # before the reads: a change made meanwhile wakes the next tick
        await self.run_due(now)
        if self._full_pages is not None and (self._drain is None or self._drain.done()):
            self._drain = asyncio.create_task(self._next_pages(), name="scheduler-pages")
        self._quiet_until = await self.store.next_due_at() or now + QUIET_RECHECK
        self._checked_at, self._changes_seen = now, changes

    async def _next_pages(self) -> None:
        """After a full page: wait until its rows are done, then read the next, while pages stay
        full and bring rows not in the page before (rows that stay due, e.g. failing the same way
        each time, wait for the next tick instead of looping here)."""
        try:
            while self._full_pages is not None:
                before = self._full_pages
                await self.fanout.idle()
                await self.run_due(discord.utils.utcnow())
                if self._full_pages is not None and self._full_pages <= before:
                    break
        except Exception:
            log.exception("reading the next page of due rows failed; the next tick reads it")

    @tick.before_loop
    async def align(self) -> None:
        # Channels must be in the cache before the first tick, or a post would look like it has
        # nowhere to go. Then start on a whole half-minute, so every later tick is on one too.
        await self.bot.wait_until_ready()
        wait = TICK_SECONDS - discord.utils.utcnow().timestamp() % TICK_SECONDS
        if wait < TICK_SECONDS:
            await asyncio.sleep(wait)

    async def run_due(self, now: datetime) -> int:
        """One tick: queue every due quiz slot and daily term at `now` (quiz slots first); returns
        how many rows were queued. Rows still being worked on from an earlier tick are not queued
        again. The rows run in the background: `await self.fanout.idle()` waits for them."""
        queued, full = 0, set()
        quizzes = self.bot.get_cog("QuizSchedules")
        if quizzes is not None:
            rows = await self._due(self.store.due_quiz_schedules, now, "quiz schedules")
            for row in rows:
                what = f"quiz schedule {row.id} of guild {row.guild_id}"
                queued += self._queue(("quiz", row.id), Priority.NOTICE, row, quizzes.run_slot, what)
            if len(rows) >= PAGE:
                full.update(("quiz", row.id) for row in rows)
        daily = self.bot.get_cog("DailyTerm")
        if daily is not None:
            rows = await self._due(self.store.due_daily, now, "daily terms")
            for row in rows:
                what = f"daily term of guild {row.guild_id}"
                queued += self._queue(("daily", row.guild_id), Priority.POST, row, daily.post_today, what)
            if len(rows) >= PAGE:
                full.update(("daily", row.guild_id) for row in rows)
        self._full_pages = full or None
        return queued

    def _queue(self, key, priority: Priority, row, run, what: str) -> int:
        async def job() -> None:
            try:
                # The moment the row's work starts: in a big fan-out, a little after the tick.
                await run(row, discord.utils.utcnow())
            except Exception:
                log.exception("%s failed; the loop goes on", what)

        return int(self.fanout.submit(key, priority, job, row.next_run_at.timestamp()))

    @staticmethod
    async def _due(query, now: datetime, what: str) -> list:
        try:
            return await query(now, PAGE)
        except Exception:
            log.exception("could not read the due %s", what)
            return []

    @commands.Cog.listener()
    async def on_guild_channel_delete(self, channel: discord.abc.GuildChannel) -> None:
        # Pause at once rather than at the next post: /daily show and /schedule list say why.
        paused = await self.store.pause_channel(channel.id, CHANNEL_GONE, discord.utils.utcnow())
        if paused:
            log.warning(
                "channel %s of guild %s deleted: %d schedule(s) paused", channel.id, channel.guild.id, paused
            )


# --- helpers shared by the daily term and the quiz schedules -----------------------------------


def post_channel(bot, guild_id: int, channel_id: int):
    """The channel to post in: the cached one, else a partial one whose send tells us if it is gone."""
    return bot.get_channel(channel_id) or bot.get_partial_messageable(channel_id, guild_id=guild_id)


def missing_permissions(channel) -> str | None:
    """Why the bot cannot post in a cached server channel, or None (also None when not cached)."""
    if not isinstance(channel, discord.abc.GuildChannel) or channel.guild.me is None:
        return None
    missing = missing_to_post(channel.permissions_for(channel.guild.me))
    return missing_text(missing, channel.id) if missing else None


def pause_reason(error: BaseException, channel_id: int) -> str | None:
    """The pause reason for a send that can never work until a teacher acts, else None."""
    if isinstance(error, discord.NotFound):  # 404, code 10003 Unknown Channel
        return CHANNEL_GONE
    if isinstance(error, discord.Forbidden):  # 403, codes 50001 Missing Access / 50013 Missing Permissions
        return f"I'm not allowed to post in <#{channel_id}> (Discord said: {error.text or error.status})"
    return None


def refused(error: BaseException) -> bool:
    """Whether Discord answered a send with a refusal (4xx), so no message was created. A time-out,
    a dropped connection or a 5xx says nothing either way: the message may exist."""
    return isinstance(error, discord.HTTPException) and 400 <= error.status < 500


async def setup(bot) -> None:
    await bot.add_cog(Scheduler(bot))
