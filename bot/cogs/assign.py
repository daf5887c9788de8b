"""/assign create, list, close and remove: homework a teacher sets for the class.

An assignment exists once its announcement is out: it is stored first (the Start button carries its
id), then announced; a refused announcement deletes it again and tells the teacher why. Progress
is counted by the database's triggers from the students' own /test, /review and /learn work
(bot/storage/homework.py); the reminder goes out from the Homework cog's loop.
"""

from __future__ import annotations

import logging
from typing import Literal

import discord
from discord import app_commands
from discord.ext import commands

from bot.cogs.common import deck_for, resolve_topic, topic_choices
from bot.cogs.scheduler import missing_permissions, post_channel
from bot.cogs.settings import MANAGERS, require_manager
from bot.core.deadlines import parse_due
from bot.core.errors import BadInput
from bot.core.homework import (
    GOALS,
    Assignment,
    Kind,
    check_goal,
    check_questions,
    fit_questions,
    reminder_at,
)
from bot.permissions import missing_text, missing_to_post
from bot.storage.homework import HomeworkStore
from bot.storage.reports import ReportStore
from bot.storage.schedules import ScheduleStore
from bot.ui import homework as ui
from bot.ui.messages import component_errors, user_errors
from bot.ui.times import calendar_date, wall_time
from content.model import Deck

log = logging.getLogger(__name__)

KindOption = Literal["test", "review", "learn"]
GOAL_HELP = ", ".join(
    f"{k.value}: {low}-{high} (default {default})" for k, (default, low, high, _) in GOALS.items()
)


def cards_for(kind: Kind, deck: Deck, topic: str | None) -> list[str]:
    """The cards of a topic that count for an assignment: its review cards, or its terms for learn."""
    if topic is None:
        return []
    if kind is Kind.REVIEW:
        return [card.id for card in deck.study_cards() if card.topic == topic]
    return [term.id for term in deck.terms_in(topic)]


class Assign(commands.Cog):
    assign = app_commands.Group(
        name="assign",
        description="Homework for the class: set it, list it, close or remove it",
        guild_only=True,
        default_permissions=MANAGERS,
    )

    def __init__(self, bot) -> None:
        self.bot = bot
        self.store = HomeworkStore(bot.db)
        self.reports = ReportStore(bot.db)
        self.settings = ScheduleStore(bot.db)

    async def cog_load(self) -> None:
        self.bot.add_dynamic_items(ui.RemoveAssignmentButton)

    async def cog_unload(self) -> None:
        self.bot.remove_dynamic_items(ui.RemoveAssignmentButton)

    # ----------------------------------------------------------------- create

    @assign.command(
        name="create", description="Set homework: a practice test, flashcard reviews or /learn, due at a time."
    )
    @app_commands.describe(
        kind="test: a practice test score · review: flashcard reviews · learn: terms learned in /learn",
        due='Local date and time, e.g. "fri 17:00", "tomorrow 9am", "dec 4 5pm" or "2026-12-04 17:00"',
        goal=f"What counts as done ({GOAL_HELP})",
        topic="Only this topic (default: every topic)",
        questions="Test assignments: questions in the test (5-30, default 10)",
        channel="Where to announce it (default: here)",
    )
    async def create(
        self,
        interaction: discord.Interaction,
        kind: KindOption,
        due: str,
        goal: app_commands.Range[int, 1, 500] | None = None,
        topic: str | None = None,
        questions: app_commands.Range[int, 5, 30] | None = None,
        channel: discord.TextChannel | None = None,
    ) -> None:
        deck = await deck_for(interaction)
        async with user_errors(interaction):
            require_manager(interaction)
            kind = Kind(kind)
            goal = check_goal(kind, goal)
            questions = check_questions(kind, questions)
            topic_id = resolve_topic(deck, topic)
            now = discord.utils.utcnow()
            zone = await self.settings.get_timezone(interaction.guild_id)
            due_at = parse_due(due, now, zone)
            note = ""
            if kind is Kind.TEST:
                available = len(deck.terms_in(topic_id))
                fitted = fit_questions(questions, available)
                if fitted < questions:
                    note = f"\n{deck.topic_name(topic_id)} has {fitted} terms, so the test has {fitted} questions."
                questions = fitted
            cards = cards_for(kind, deck, topic_id)
            if topic_id is not None and kind is not Kind.TEST and not cards:
                raise BadInput(f"**{deck.topic_name(topic_id)}** has nothing to {kind.value}. Pick another topic.")
            target = channel or interaction.channel
            self._check_can_post(interaction, channel)  # before anything is stored or posted
            await interaction.response.defer(ephemeral=True, thinking=True)
            draft = Assignment(0, interaction.guild_id, kind, goal, topic_id, questions, now, due_at)
            assignment = await self.store.create(
                interaction.guild_id, kind=kind, goal=goal, topic=topic_id, questions=questions,
                channel_id=target.id, created_by=interaction.user.id, now=now, due_at=due_at,
                remind_at=reminder_at(draft), cards=cards,
            )  # fmt: skip
            await self._announce(assignment, deck, target)
            local = f"{calendar_date(due_at.astimezone(zone).date())} {wall_time(due_at.astimezone(zone).time(), zone)}"
            log.info("guild %s: assignment #%s (%s) created", interaction.guild_id, assignment.number, kind.value)
            await interaction.followup.send(
                ui.created_text(assignment, deck, target.id, local, note), ephemeral=True
            )

    @staticmethod
    def _check_can_post(interaction: discord.Interaction, channel: discord.TextChannel | None) -> None:
        """BadInput when the bot cannot post the announcement there (it would fail with 403)."""
        if channel is None:
            thread = isinstance(interaction.channel, discord.Thread)
            missing = missing_to_post(interaction.app_permissions, thread=thread)
            problem = missing_text(missing, interaction.channel_id) if missing else None
        else:
            problem = missing_permissions(channel)
        if problem:
            raise BadInput(f"{problem}, so I can't announce the assignment there. Give me those permissions "
                           "there, or pick another channel.")  # fmt: skip

    async def _announce(self, assignment: Assignment, deck: Deck, channel) -> None:
        """Post the announcement; if Discord refuses it (or does not answer), the assignment is
        deleted again and the teacher told: an assignment nobody heard of must not be missing."""
        embed, view = ui.announcement(assignment, deck)
        try:
            message = await channel.send(embed=embed, view=view)
        except discord.HTTPException as exc:
            await self.store.drop(assignment.id)
            log.warning("announcement of assignment %s not posted: %s", assignment.id, exc)
            said = exc.text or exc.status
            raise BadInput(
                f"I couldn't post the announcement in <#{channel.id}> (Discord said: {said}), so no assignment "
                "was created. Check my permissions there, or try again in a moment."
            ) from None
        await self.store.set_message(assignment.id, message.id)

    @create.autocomplete("topic")
    async def topic_autocomplete(self, interaction: discord.Interaction, current: str):
        return topic_choices(await deck_for(interaction), current)

    # ----------------------------------------------------------------- list

    @assign.command(name="list", description="This server's open assignments and how many have finished each.")
    async def list_(self, interaction: discord.Interaction) -> None:
        deck = await deck_for(interaction)
        async with user_errors(interaction):
            require_manager(interaction)
            assignments = await self.store.open_in(interaction.guild_id)
            finished = {a.id: await self.store.finished(a.id) for a in assignments}
            size = await self.reports.class_size(interaction.guild_id)
            embed = ui.list_embed(assignments, finished, size, deck, discord.utils.utcnow())
            await interaction.response.send_message(embed=embed, ephemeral=True)

    # ----------------------------------------------------------------- close and remove

    @assign.command(name="close", description="Close an assignment: work on it stops counting.")
    @app_commands.describe(number="The assignment's number in /assign list")
    @app_commands.rename(number="id")
    async def close(self, interaction: discord.Interaction, number: app_commands.Range[int, 1, 10**9]) -> None:
        deck = await deck_for(interaction)
        async with user_errors(interaction):
            require_manager(interaction)
            closed = await self.store.close(interaction.guild_id, number, discord.utils.utcnow())
            await self._end_announcement(closed, deck, "closed")
            finished = await self.store.finished(closed.id)
            log.info("guild %s: assignment #%s closed", interaction.guild_id, closed.number)
            await interaction.response.send_message(
                f"🔒 Closed assignment **{ui.title_of(closed, deck)}**: {finished} finished. It stays in "
                "`/report`; work on it no longer counts.",
                ephemeral=True,
            )

    @assign.command(name="remove", description="Delete an assignment and its progress (asks to confirm).")
    @app_commands.describe(number="The assignment's number in /assign list")
    @app_commands.rename(number="id")
    async def remove(self, interaction: discord.Interaction, number: app_commands.Range[int, 1, 10**9]) -> None:
        deck = await deck_for(interaction)
        async with user_errors(interaction):
            require_manager(interaction)
            assignment = await self.store.get(interaction.guild_id, number)
            started = len(await self.store.work([assignment.id]))
            text, view = ui.remove_confirm(interaction.user.id, assignment, deck, started)
            await interaction.response.send_message(text, view=view, ephemeral=True)

    async def on_remove_answer(self, interaction: discord.Interaction, assignment_id: int, confirm: bool) -> None:
        """A click on the confirmation by the teacher who asked (the button checked that)."""
        async with component_errors(interaction, "assign remove"):
            require_manager(interaction)  # checked again: permissions can change in between
            if not confirm:
                await interaction.response.edit_message(content="Kept. Nothing was removed.", view=None)
                return
            assignment = await self.store.by_id(assignment_id)
            if assignment is None or not await self.store.remove(interaction.guild_id, assignment_id):
                await interaction.response.edit_message(content="That assignment was already removed.", view=None)
                return
            deck = await deck_for(interaction)
            log.info("guild %s: assignment #%s removed", interaction.guild_id, assignment.number)
            await interaction.response.edit_message(
                content=f"🗑️ Removed assignment **{ui.title_of(assignment, deck)}** and its progress.", view=None
            )
            await self._end_announcement(assignment, deck, "removed")

    async def _end_announcement(self, assignment: Assignment, deck: Deck, why: str) -> None:
        """Take the Start button off the announcement. Best effort: the button refuses anyway."""
        if assignment.message_id is None:
            return
        channel = post_channel(self.bot, assignment.guild_id, assignment.channel_id)
        try:
            await channel.get_partial_message(assignment.message_id).edit(
                embed=ui.ended_announcement(assignment, deck, why), view=None
            )
        except discord.HTTPException as exc:
            log.info("announcement of assignment %s not updated: %s", assignment.id, exc)

    @close.autocomplete("number")
    async def open_numbers(self, interaction: discord.Interaction, current: str):
        return await self._numbers(interaction, current, closed=False)

    @remove.autocomplete("number")
    async def any_numbers(self, interaction: discord.Interaction, current: str):
        return await self._numbers(interaction, current, closed=True)

    async def _numbers(self, interaction: discord.Interaction, current: str, *, closed: bool):
        deck = await deck_for(interaction)
        assignments = await self.store.open_in(interaction.guild_id)
        if closed:
            done = [a for a in await self.store.all_in(interaction.guild_id) if a.closed_at is not None]
            assignments += sorted(done, key=lambda a: -a.number)
        needle = str(current).strip().lstrip("#").casefold()
        if needle.isdigit():  # a number typed: the assignments whose number starts with it
            assignments = [a for a in assignments if str(a.number).startswith(needle)]
        else:
            assignments = [a for a in assignments if needle in ui.number_label(a, deck).casefold()]
        return [app_commands.Choice(name=ui.number_label(a, deck), value=a.number) for a in assignments][:25]


async def setup(bot) -> None:
    await bot.add_cog(Assign(bot))
