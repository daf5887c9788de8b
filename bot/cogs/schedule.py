"""Scheduled class quizzes: /schedule add|list|pause|resume|remove, and running a slot (for the loop).

A slot runs in two durable steps, both taken with the store's compare-and-set before anything is
sent, so each happens at most once even if the bot restarts in between:
1. at the scheduled time T, the "Quiz starts in 1 minute" notice: the schedule's `next_run_at`
   moves from T to the round's start, one minute later (`last_run_at` becomes T);
2. at the start, the round: `next_run_at` moves on to the next weekly slot.
A schedule is in step 2 when its next run is at most `START_DELAY + CATCH_UP_GRACE` after its last
one; real weekly slots are at least 23 hours apart. The slot time shown in /schedule list is the
notice time T.

A slot (or a start) missed by more than `CATCH_UP_GRACE` (the bot was down) is skipped with a log
line, never started late; a busy channel skips the round with a note in the channel.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

import discord
from discord import app_commands
from discord.ext import commands

from bot.cogs.common import deck_for, resolve_topic, topic_choices
from bot.cogs.quiz import ModeOption
from bot.cogs.scheduler import missing_permissions, pause_reason, post_channel
from bot.cogs.settings import MANAGERS, require_manager
from bot.core.budget import Priority
from bot.core.errors import BadInput
from bot.core.questions import Mode
from bot.core.schedule import CATCH_UP_GRACE, QuizSchedule, advance, catch_up, parse_days, parse_time
from bot.storage.schedules import ScheduleStore
from bot.ui.messages import user_errors
from bot.ui.schedule import (
    SchedulePageButton,
    added_text,
    notice_text,
    number_label,
    schedule_list_message,
    skipped_text,
    zoned_when_text,
)
from bot.ui.times import moment

log = logging.getLogger(__name__)

START_DELAY = timedelta(minutes=1)  # between the notice and the first question


def awaiting_start(schedule: QuizSchedule) -> bool:
    """True when the notice of the slot `last_run_at` went out and the round is due at `next_run_at`."""
    last = schedule.last_run_at
    return last is not None and last < schedule.next_run_at <= last + START_DELAY + CATCH_UP_GRACE


class QuizSchedules(commands.Cog):
    schedule = app_commands.Group(
        name="schedule",
        description="Class quizzes that start by themselves on set days",
        guild_only=True,
        default_permissions=MANAGERS,
    )

    def __init__(self, bot) -> None:
        self.bot = bot
        self.store = ScheduleStore(bot.db)

    async def cog_load(self) -> None:
        self.bot.add_dynamic_items(SchedulePageButton)

    async def cog_unload(self) -> None:
        self.bot.remove_dynamic_items(SchedulePageButton)

    # ----------------------------------------------------------------- commands

    @schedule.command(name="add", description="Schedule a class quiz on some weekdays at a local time.")
    @app_commands.describe(
        channel="Where the quiz runs",
        days='Days such as "mon,wed,fri", "weekdays", "mon-fri" or "daily"',
        time="Local time of the notice, e.g. 09:00 or 2:30pm (the quiz starts a minute later)",
        questions="How many questions (1-50)",
        topic="Only terms from this topic",
        mode="Question types",
        seconds="Seconds per question (10-120)",
    )
    async def add(
        self,
        interaction: discord.Interaction,
        channel: discord.TextChannel,
        days: str,
        time: str,
        questions: app_commands.Range[int, 1, 50] = 10,
        topic: str | None = None,
        mode: ModeOption = "mixed",
        seconds: app_commands.Range[int, 10, 120] = 20,
    ) -> None:
        deck = await deck_for(interaction)
        async with user_errors(interaction):
            require_manager(interaction)
            on_days, at = parse_days(days), parse_time(time)
            topic_id = resolve_topic(deck, topic)
            problem = missing_permissions(channel)
            if problem:
                raise BadInput(f"{problem}. Give me those permissions there, or pick another channel.")
            added = await self.store.add_quiz_schedule(
                interaction.guild_id,
                channel.id,
                on_days,
                at,
                questions=questions,
                topic=topic_id,
                mode=mode,
                seconds=seconds,
                created_by=interaction.user.id,
                now=discord.utils.utcnow(),
            )
            log.info(
                "guild %s added quiz schedule #%s (%s)", interaction.guild_id, added.number, zoned_when_text(added)
            )
            await interaction.response.send_message(added_text(added, deck), ephemeral=True)

    @add.autocomplete("topic")
    async def topic_autocomplete(self, interaction: discord.Interaction, current: str):
        return topic_choices(await deck_for(interaction), current)

    @schedule.command(name="list", description="This server's scheduled quizzes and when each runs next.")
    async def list_(self, interaction: discord.Interaction) -> None:
        async with user_errors(interaction):
            require_manager(interaction)
            embed, view = await self._list_page(interaction, 0)
            await interaction.response.send_message(
                embed=embed, ephemeral=True, **({"view": view} if view else {})
            )

    async def turn_list_page(self, interaction: discord.Interaction, page: int) -> None:
        """A page button of /schedule list (its owner is checked by the button)."""
        async with user_errors(interaction):
            require_manager(interaction)
            embed, view = await self._list_page(interaction, page)
            await interaction.response.edit_message(embed=embed, view=view)

    async def _list_page(self, interaction: discord.Interaction, page: int):
        deck = await deck_for(interaction)
        schedules = await self.store.list_quiz_schedules(interaction.guild_id)
        zone = await self.store.get_timezone(interaction.guild_id)
        now = discord.utils.utcnow()
        return schedule_list_message(schedules, deck, now, zone, page=page, owner=interaction.user.id)

    @schedule.command(name="pause", description="Pause a scheduled quiz (it keeps its number).")
    @app_commands.describe(number="The schedule's number in /schedule list")
    async def pause(self, interaction: discord.Interaction, number: int) -> None:
        async with user_errors(interaction):
            require_manager(interaction)
            paused = await self.store.pause_quiz_schedule(interaction.guild_id, number)
            await interaction.response.send_message(
                f"⏸️ Scheduled quiz #{paused.number} ({zoned_when_text(paused)}) is paused. "
                f"`/schedule resume {paused.number}` starts it again.",
                ephemeral=True,
            )

    @schedule.command(name="resume", description="Resume a paused scheduled quiz from its next slot.")
    @app_commands.describe(number="The schedule's number in /schedule list")
    async def resume(self, interaction: discord.Interaction, number: int) -> None:
        async with user_errors(interaction):
            require_manager(interaction)
            current = await self.store.get_quiz_schedule(interaction.guild_id, number)
            problem = missing_permissions(post_channel(self.bot, interaction.guild_id, current.channel_id))
            if problem:
                raise BadInput(f"{problem}. Fix that first, then resume the quiz.")
            resumed = await self.store.resume_quiz_schedule(interaction.guild_id, number, discord.utils.utcnow())
            await interaction.response.send_message(
                f"▶️ Scheduled quiz #{resumed.number} is back on. Next: {moment(resumed.next_run_at)}.",
                ephemeral=True,
            )

    @schedule.command(name="remove", description="Delete a scheduled quiz.")
    @app_commands.describe(number="The schedule's number in /schedule list")
    async def remove(self, interaction: discord.Interaction, number: int) -> None:
        async with user_errors(interaction):
            require_manager(interaction)
            removed = await self.store.remove_quiz_schedule(interaction.guild_id, number)
            log.info("guild %s removed quiz schedule #%s", interaction.guild_id, removed.number)
            await interaction.response.send_message(
                f"🗑️ Removed scheduled quiz #{removed.number} ({zoned_when_text(removed)} in <#{removed.channel_id}>).",
                ephemeral=True,
            )

    @pause.autocomplete("number")
    @resume.autocomplete("number")
    @remove.autocomplete("number")
    async def number_autocomplete(self, interaction: discord.Interaction, current: str):
        schedules = await self.store.list_quiz_schedules(interaction.guild_id)
        guild = interaction.guild
        choices = []
        for s in schedules:
            channel = guild.get_channel(s.channel_id) if guild else None
            label = number_label(s, channel.name if channel else None)
            if str(current).strip() in label:
                choices.append(app_commands.Choice(name=label, value=s.number))
        return choices[:25]

    # ----------------------------------------------------------------- running a slot

    async def run_slot(self, schedule: QuizSchedule, now: datetime) -> None:
        """Run one due schedule at `now` (the scheduler loop calls this): the notice or the round."""
        if awaiting_start(schedule):
            await self._start(schedule, now)
        else:
            await self._announce(schedule, now)

    async def _announce(self, schedule: QuizSchedule, now: datetime) -> None:
        deck = (await self.bot.decks.for_guild(schedule.guild_id)).deck
        slot = schedule.next_run_at
        if catch_up(slot, now) == "skip":
            if await self.store.advance_quiz_schedule(schedule.id, slot, advance(schedule, now)):
                log.warning(
                    "scheduled quiz #%s of guild %s at %s missed by %s (bot offline): skipped",
                    schedule.number, schedule.guild_id, slot.isoformat(), now - slot,
                )  # fmt: skip
            return
        starts_at = max(slot, now) + START_DELAY
        if not await self.store.advance_quiz_schedule(schedule.id, slot, starts_at):
            return  # another tick took it, or a teacher changed the schedule meanwhile
        channel = post_channel(self.bot, schedule.guild_id, schedule.channel_id)
        problem = missing_permissions(channel)
        if problem:
            await self._pause(schedule, problem, now)
            return
        try:
            await self.bot.process.outbox.turn(Priority.NOTICE, schedule.channel_id)
            await channel.send(notice_text(schedule, deck, starts_at))
        except Exception as exc:
            reason = pause_reason(exc, schedule.channel_id)
            if reason:
                await self._pause(schedule, reason, now)
            else:  # the round is still stored for its start; it may well get through
                log.warning("notice of scheduled quiz %s not sent: %s", schedule.id, exc)

    async def _start(self, schedule: QuizSchedule, now: datetime) -> None:
        starts_at = schedule.next_run_at
        if not await self.store.advance_quiz_schedule(schedule.id, starts_at, advance(schedule, now)):
            return
        if catch_up(starts_at, now) == "skip":
            log.warning(
                "scheduled quiz %s of guild %s should have started at %s (bot offline): skipped",
                schedule.id, schedule.guild_id, starts_at.isoformat(),
            )  # fmt: skip
            return
        quiz = self.bot.get_cog("Quiz")
        if quiz is None:
            log.error("scheduled quiz %s skipped: the quiz feature is not loaded", schedule.id)
            return
        channel = post_channel(self.bot, schedule.guild_id, schedule.channel_id)
        problem = missing_permissions(channel)
        if problem:
            await self._pause(schedule, problem, now)
            return
        if not isinstance(channel, discord.abc.GuildChannel):
            try:  # not cached: ask Discord whether it still exists
                channel = await self.bot.fetch_channel(schedule.channel_id)
            except discord.HTTPException as exc:
                await self._pause(schedule, pause_reason(exc, schedule.channel_id) or str(exc), now)
                return
        if quiz.runners.get(channel.id) is not None:
            await self._say(channel, skipped_text(schedule, "a quiz is already running in this channel."))
            log.info("scheduled quiz %s skipped: channel %s busy", schedule.id, channel.id)
            return
        try:
            runner = await quiz.start_round(
                guild_id=schedule.guild_id,
                channel=channel,
                started_by=self.bot.user.id,
                count=schedule.questions,
                topic=schedule.topic,
                mode=Mode(schedule.mode),
                seconds=schedule.seconds,
                schedule_id=schedule.id,
            )
        except BadInput as exc:
            await self._say(channel, skipped_text(schedule, str(exc)))
            log.info("scheduled quiz %s skipped: %s", schedule.id, exc)
            return
        log.info("scheduled quiz %s started in channel %s", schedule.id, channel.id)

        async def refused(error: discord.HTTPException) -> None:
            # Discord refused a post the permission check above let through (a stale cache, a
            # permission removed mid-round): pause like a refused notice, with Discord's reason.
            reason = pause_reason(error, channel.id)
            if reason:
                await self._pause(schedule, reason, discord.utils.utcnow())

        runner.launch(on_refused=refused)

    async def _pause(self, schedule: QuizSchedule, reason: str, now: datetime) -> None:
        count = await self.store.pause_channel(schedule.channel_id, reason, now)
        log.warning(
            "channel %s of guild %s: %s; %d schedule(s) paused",
            schedule.channel_id,
            schedule.guild_id,
            reason,
            count,
        )

    async def _say(self, channel, text: str) -> None:
        try:
            await self.bot.process.outbox.turn(Priority.NOTICE, channel.id)
            await channel.send(text)
        except discord.HTTPException as exc:
            log.warning("could not post in channel %s: %s", channel.id, exc)


async def setup(bot) -> None:
    await bot.add_cog(QuizSchedules(bot))
