"""/homework, the Start buttons, and the reminder loop.

- /homework: a student's open assignments here, how far they are with each (from the progress the
  database's triggers keep) and the time left, with a Start button each.
- Start (on the announcement and in /homework): the member's own private session, through the
  same commands they would type: /test with the topic and questions, /review or /learn on the topic.
- The reminder loop: every `TICK_SECONDS` it asks storage for reminders whose time has come (a
  partial-index probe) and posts each in its assignment's channel, with how many have finished (a
  count, never names). A reminder is claimed in the database before it is sent, so it goes out at
  most once; one that fails is recorded with the reason (/assign list shows it) and stops nothing
  else. Its own small loop: the scheduler cog is not involved.
- The class list keeps each member's display name for the CSV export (the bot sees no member list,
  only the members who use it): refreshed at most every `NAME_REFRESH` per member, for members
  already in the class.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime, timedelta

import discord
from discord import app_commands
from discord.ext import commands, tasks

from bot.cogs.common import deck_for
from bot.cogs.scheduler import missing_permissions, post_channel
from bot.core.expiring import Expiring
from bot.core.homework import Assignment, Kind
from bot.storage.homework import HomeworkChanges, HomeworkStore, progress_from
from bot.storage.reports import ReportStore
from bot.ui import homework as ui
from bot.ui.messages import component_errors, member_name, reply_error

log = logging.getLogger(__name__)

TICK_SECONDS = 60.0  # reminders are due 24 h ahead: a minute late is on time
QUIET_RECHECK = timedelta(hours=1)  # reminders are 24 h ahead; changes made here wake the loop at once
NAME_REFRESH = timedelta(hours=12)
STRANGER_RECHECK = timedelta(minutes=10)  # someone not (yet) in the class: look again this soon
#: The cog and command each kind of assignment starts (the member's own private session).
START = {Kind.TEST: ("Practice", "test"), Kind.REVIEW: ("Review", "review"), Kind.LEARN: ("Learn", "learn")}


class Homework(commands.Cog):
    def __init__(self, bot) -> None:
        self.bot = bot
        # Reminders of this process's servers only (see bot.process): a stopped process's are its own.
        self.store = HomeworkStore(bot.db, shards=bot.process.shards)
        self.reports = ReportStore(bot.db)
        self._quiet_until: datetime | None = None
        self._checked_at: datetime | None = None
        self._changes_seen = -1
        # user id -> {guild id: when the name was last written}; idle members drop out.
        self.named: Expiring[int, dict[int, datetime]] = Expiring(NAME_REFRESH, discord.utils.utcnow)

    async def cog_load(self) -> None:
        self.bot.add_dynamic_items(ui.StartButton)
        self.remind.start()

    async def cog_unload(self) -> None:
        self.bot.remove_dynamic_items(ui.StartButton)
        self.remind.cancel()

    def forget_member(self, user_id: int) -> None:
        self.named.pop(user_id)

    # ----------------------------------------------------------------- /homework

    @app_commands.command(
        name="homework", description="Your open assignments here, how far you are, and the time left."
    )
    @app_commands.guild_only()
    async def homework(self, interaction: discord.Interaction) -> None:
        deck = await deck_for(interaction)
        now, user = discord.utils.utcnow(), interaction.user
        await self.reports.seen(interaction.guild_id, user.id, user.display_name, now)
        assignments = await self.store.open_in(interaction.guild_id)
        work = await self.store.work([a.id for a in assignments], user.id)
        items = [(a, progress_from(a, work.get((a.id, user.id)), now)) for a in assignments]
        embed, view = ui.homework_message(items, deck, now, member_name(user.display_name))
        await interaction.response.send_message(embed=embed, ephemeral=True, **({"view": view} if view else {}))

    # ----------------------------------------------------------------- Start

    async def start(self, interaction: discord.Interaction, assignment_id: int) -> None:
        """A Start button: open the member's own session for the assignment."""
        async with component_errors(interaction, "homework start"):
            assignment = await self.store.by_id(assignment_id)
            if assignment is None or assignment.guild_id != interaction.guild_id:
                await reply_error(interaction, ui.GONE)
                return
            if assignment.closed_at is not None:
                await reply_error(interaction, ui.CLOSED.format(number=assignment.number))
                return
            user = interaction.user
            await self.reports.seen(interaction.guild_id, user.id, user.display_name, discord.utils.utcnow())
            cog_name, command = START[assignment.kind]
            cog = self.bot.get_cog(cog_name)
            if cog is None:
                await reply_error(interaction, f"/{command} is not available right now.")
                return
            callback = getattr(cog, command).callback
            if assignment.kind is Kind.TEST:
                await callback(cog, interaction, questions=assignment.questions, topic=assignment.topic)
            else:
                await callback(cog, interaction, topic=assignment.topic)

    # ----------------------------------------------------------------- names for the export

    @commands.Cog.listener()
    async def on_interaction(self, interaction: discord.Interaction) -> None:
        if interaction.guild_id is None or not isinstance(interaction.user, discord.Member):
            return
        now, user = discord.utils.utcnow(), interaction.user
        seen = self.named.get(user.id) or {}
        last = seen.get(interaction.guild_id)
        if last is not None and now - last < NAME_REFRESH:
            return
        seen[interaction.guild_id] = now  # before the write: one refresh at a time per member
        self.named[user.id] = seen
        try:
            member = await self.reports.refresh_name(interaction.guild_id, user.id, user.display_name)
        except Exception:  # a name is not worth a failure anywhere; the next interaction tries again
            log.debug("display name of a class member not refreshed", exc_info=True)
            seen.pop(interaction.guild_id, None)
            return
        if not member:
            seen[interaction.guild_id] = now - NAME_REFRESH + STRANGER_RECHECK

    # ----------------------------------------------------------------- the reminder loop

    @tasks.loop(seconds=TICK_SECONDS)
    async def remind(self) -> None:
        try:
            now = discord.utils.utcnow()
            if not self._quiet(now):
                # In a child task that ends with the tick, as the scheduler does (simcord settles it at once).
                await asyncio.create_task(self._tick(now), name="homework-reminders")
        except Exception:
            log.exception("homework reminder tick failed")

    def _quiet(self, now: datetime) -> bool:
        """Nothing can be due: before the next reminder last read, with no assignment changed since
        (QUIET_RECHECK is the safety net, e.g. for a restored backup or another process's change)."""
        return (
            self._quiet_until is not None
            and self._checked_at is not None
            and now < self._quiet_until
            and now < self._checked_at + QUIET_RECHECK
            and HomeworkChanges.count == self._changes_seen
        )

    async def _tick(self, now: datetime) -> None:
        changes = HomeworkChanges.count  # before the reads: a change made meanwhile wakes the next tick
        await self.send_due(now)
        self._quiet_until = await self.store.next_reminder_at() or now + QUIET_RECHECK
        self._checked_at, self._changes_seen = now, changes

    @remind.before_loop
    async def ready(self) -> None:
        await self.bot.wait_until_ready()  # channels must be cached before the first post

    async def send_due(self, now: datetime) -> int:
        """Send every reminder due at `now`; returns how many were handled. One failing reminder
        is logged and recorded; the others still go out."""
        try:
            due = await self.store.due_reminders(now)
        except Exception:
            log.exception("could not read the due homework reminders")
            return 0
        for assignment in due:
            try:
                await self.send_reminder(assignment, now)
            except Exception:
                log.exception("reminder of assignment %s failed; the loop goes on", assignment.id)
        return len(due)

    async def send_reminder(self, assignment: Assignment, now: datetime) -> str:
        """Claim, then post one reminder; returns how it ended ('sent', 'failed', 'skipped', 'taken')."""
        if not await self.store.claim_reminder(assignment.id):
            return "taken"
        if assignment.is_due(now):  # the bot was offline from the reminder time until past the due time
            await self.store.reminder_done(assignment.id, "skipped", "the bot was offline until the due time")
            return "skipped"
        channel = post_channel(self.bot, assignment.guild_id, assignment.channel_id)
        problem = missing_permissions(channel)
        if problem:
            await self.store.reminder_done(assignment.id, "failed", problem)
            log.warning("reminder of assignment %s not sent: %s", assignment.id, problem)
            return "failed"
        deck = (await self.bot.decks.for_guild(assignment.guild_id)).deck
        finished = await self.store.finished(assignment.id)
        size = await self.reports.class_size(assignment.guild_id)
        try:
            await channel.send(ui.reminder_text(assignment, deck, finished, size))
        except Exception as exc:
            # At most once: a time-out or 5xx may have posted it, so it is never sent again.
            said = exc.text or exc.status if isinstance(exc, discord.HTTPException) else type(exc).__name__
            await self.store.reminder_done(assignment.id, "failed", f"Discord said: {said}")
            log.warning("reminder of assignment %s not sent: %s", assignment.id, exc)
            return "failed"
        await self.store.reminder_done(assignment.id, "sent")
        log.info("reminder of assignment %s posted in guild %s", assignment.id, assignment.guild_id)
        return "sent"


async def setup(bot) -> None:
    await bot.add_cog(Homework(bot))
