"""/quiz start, /quiz stop and /leaderboard: channel quiz rounds for a whole class.

What members press during a round (answers, team picks, Start now) is in quiz_answers.py; the
round itself runs in quiz_runner.py.
"""

from __future__ import annotations

import dataclasses
import logging
from typing import Literal
from zoneinfo import ZoneInfo

import discord
from discord import app_commands
from discord.ext import commands

from bot.cogs.common import deck_for, resolve_topic, topic_choices
from bot.cogs.quiz_answers import RoundInput, may_run
from bot.cogs.quiz_runner import RoundRunner
from bot.core.budget import Priority
from bot.core.errors import BadInput
from bot.core.missed import DEFAULT_PERIOD, NotEnoughHistory, period_start, pick_missed
from bot.core.questions import Mode, make_questions, questions_about
from bot.core.quiz import QuizRound, RoundSettings, Scoring, period_key
from bot.core.teams import Teams
from bot.permissions import missing_text, missing_to_post
from bot.storage.quiz import AnswerWriter, QuizRepo
from bot.storage.study import StudyRepo
from bot.ui.leaderboard import LeaderboardPage, leaderboard_message
from bot.ui.messages import reply_error, user_errors
from bot.ui.quiz import ChoiceButton, NormalRoundButton, answer_typed_submission, normal_round_view, start_text
from bot.ui.quiz_teams import StartNowButton, TeamButton

log = logging.getLogger(__name__)

ModeOption = Literal["mixed", "multiple_choice", "true_false", "typed"]
PeriodOption = Literal["week", "month", "all"]
SortOption = Literal["points", "accuracy", "rounds_won"]
ScoringOption = Literal["speed", "accuracy"]
RevealOption = Literal["names", "anonymous"]
SourceOption = Literal["deck", "missed"]
#: The dynamic buttons of quiz rounds, registered while the cog is loaded.
BUTTONS = (ChoiceButton, LeaderboardPage, TeamButton, StartNowButton, NormalRoundButton)


def check_can_post(interaction: discord.Interaction) -> None:
    """BadInput when the bot cannot post a round in this channel (every question would fail with 403)."""
    missing = missing_to_post(interaction.app_permissions, thread=isinstance(interaction.channel, discord.Thread))
    if missing:
        them = "that permission" if len(missing) == 1 else "those permissions"
        raise BadInput(
            f"{missing_text(missing, interaction.channel_id)}, so I can't run a quiz here. "
            f"Ask a teacher to give me {them} in this channel, or start the quiz in another one."
        )


class Quiz(RoundInput, commands.Cog):
    quiz = app_commands.Group(name="quiz", description="Quiz rounds for the whole channel", guild_only=True)

    def __init__(self, bot) -> None:
        self.bot = bot
        self.repo = QuizRepo(bot.db)
        self.study = StudyRepo(bot.db)
        self.writer = AnswerWriter(bot.db)
        self.runners: dict[int, RoundRunner] = {}  # channel id -> running round
        self.by_round: dict[int, RoundRunner] = {}
        self.unsaved: set[int] = set()  # rounds that ended while their end could not be stored

    async def cog_load(self) -> None:
        self.bot.add_dynamic_items(*BUTTONS)
        # Rounds left active by a crash or restart end here; their answers already count. Only this
        # process's servers' rounds: those of other processes (other shards) are running there.
        self.interrupted = await self.repo.interrupt_active_rounds(
            int(discord.utils.utcnow().timestamp() * 1000), shards=self.bot.process.shards
        )
        if self.interrupted:
            self.bot.loop.create_task(self._announce_interrupted(self.interrupted))

    async def cog_unload(self) -> None:
        self.bot.remove_dynamic_items(*BUTTONS)
        for runner in list(self.runners.values()):
            runner.cancel()
        await self.writer.close()

    @commands.Cog.listener()
    async def on_interaction(self, interaction: discord.Interaction) -> None:
        # Typed-answer boxes (of quizzes and /test) keep their state in their custom_id and are
        # answered here, not by a modal kept in memory: a box submitted after a restart, or after
        # any time, still gets a reply.
        await answer_typed_submission(interaction)

    async def _announce_interrupted(self, rounds) -> None:
        await self.bot.wait_until_ready()
        for active in rounds:
            if active.message_id is None:
                continue
            channel = self.bot.get_partial_messageable(active.channel_id, guild_id=active.guild_id)
            message = channel.get_partial_message(active.message_id)
            try:
                await self.bot.process.outbox.turn(Priority.POST, active.channel_id)
                await message.edit(
                    content="⏹️ This quiz was interrupted because the bot restarted. Points already earned are "
                    "kept on /leaderboard.",
                    embed=None,
                    view=None,
                )
            except discord.HTTPException:
                log.warning("could not mark interrupted round %s in channel %s", active.id, active.channel_id)

    async def zone_of(self, guild_id: int) -> ZoneInfo:
        try:
            return ZoneInfo(await self.repo.guild_timezone(guild_id))
        except (KeyError, ValueError):
            return ZoneInfo("UTC")

    # ----------------------------------------------------------------- commands

    @quiz.command(name="start", description="Start a quiz round in this channel.")
    @app_commands.describe(
        questions="How many questions (1-50)",
        topic="Only terms from this topic",
        mode="Question types",
        seconds="Seconds per question: 10-120, or up to 300 with scoring:accuracy",
        scoring="speed: faster right answers earn more (default); accuracy: 1,000 points per right answer",
        teams="Play in 2-4 teams; members pick one before the first question",
        reveal="names: show who was right (default); anonymous: counts only, no names",
        source="deck: any term (default); missed: the terms this server missed most",
        period="With source:missed: misses of the last 7 days, 30 days (default) or all time",
    )
    async def start(
        self,
        interaction: discord.Interaction,
        questions: app_commands.Range[int, 1, 50] = 10,
        topic: str | None = None,
        mode: ModeOption = "mixed",
        seconds: app_commands.Range[int, 10, 300] = 20,
        scoring: ScoringOption = "speed",
        teams: app_commands.Range[int, 2, 4] | None = None,
        reveal: RevealOption = "names",
        source: SourceOption = "deck",
        period: PeriodOption | None = None,
    ) -> None:
        async with user_errors(interaction):
            settings = RoundSettings(
                questions=questions,
                mode=Mode(mode),
                seconds=seconds,
                scoring=Scoring(scoring),
                teams=teams or 0,
                anonymous=reveal == "anonymous",
            )
            settings.check()
            if period is not None and source != "missed":
                raise BadInput(
                    "period: says which misses count, so it goes with source:missed. Leave it out for a "
                    "round from the whole deck."
                )
            check_can_post(interaction)  # checked before anything is posted
            deck = await deck_for(interaction)
            settings = dataclasses.replace(settings, topic=resolve_topic(deck, topic))
            terms = None
            if source == "missed":
                period = period or DEFAULT_PERIOD
                terms = await self._missed_terms(interaction, deck, settings, period)
                if terms is None:
                    return
            await self._open_round(interaction, settings, terms=terms, period=period)

    async def on_normal_round(self, interaction: discord.Interaction, settings: RoundSettings) -> None:
        """The "Start a normal round" button under a missed-terms round that lacked history."""
        async with user_errors(interaction):
            settings.check()
            check_can_post(interaction)
            deck = await deck_for(interaction)
            if settings.topic is not None and deck.topic(settings.topic) is None:
                raise BadInput("That topic is no longer in this server's decks. Run /quiz start to pick another.")
            await self._open_round(interaction, settings)

    async def _missed_terms(self, interaction, deck, settings: RoundSettings, period: str) -> list[str] | None:
        """The terms of a missed-terms round, or None after telling the member there is too little
        history (with a button for a normal round)."""
        since = period_start(period, discord.utils.utcnow())
        records = await self.repo.missed_terms(
            interaction.guild_id, None if since is None else int(since.timestamp() * 1000)
        )
        allowed = {term.id for term in deck.terms_in(settings.topic)}
        try:
            return pick_missed(records, allowed, settings.questions, self.bot.rng, period)
        except NotEnoughHistory as exc:
            view = normal_round_view(settings)
            offer = (
                "Press the button for a normal round with the same options, or run /quiz start without source."
                if view is not None
                else "Run /quiz start without source for a normal round."
            )
            try:
                await interaction.response.send_message(
                    f"📭 {exc}\n{offer}", ephemeral=True, **({"view": view} if view is not None else {})
                )
            except discord.HTTPException:
                log.warning("could not tell user %s about too little history", interaction.user.id)
            return None

    async def _open_round(self, interaction, settings: RoundSettings, *, terms=None, period=None) -> None:
        """Create the round, announce it (the reply to the command or button), then run it. A round
        whose announcement fails is dropped: nobody was told it started."""
        runner = await self.start_round(
            guild_id=interaction.guild_id,
            channel=interaction.channel,
            started_by=interaction.user.id,
            count=settings.questions,
            topic=settings.topic,
            mode=settings.mode,
            seconds=settings.seconds,
            scoring=settings.scoring,
            teams=settings.teams,
            anonymous=settings.anonymous,
            terms=terms,
        )
        text = start_text(interaction.user, settings, len(runner.round.questions), runner.deck, missed=period)
        try:
            await interaction.response.send_message(text)
        except discord.HTTPException as exc:
            # Unknown interaction after a stall, or a 5xx: nobody was told a quiz started, so
            # none did. Nothing may stay behind to block the channel.
            log.warning(
                "quiz start in channel %s not announced (%s): round %s dropped",
                interaction.channel_id,
                exc,
                runner.round.round_id,
            )
            await self.drop_round(runner)
            return
        runner.launch()

    async def start_round(
        self,
        *,
        guild_id,
        channel,
        started_by,
        count,
        topic,
        mode,
        seconds,
        schedule_id=None,
        scoring: Scoring = Scoring.SPEED,
        teams: int = 0,
        anonymous: bool = False,
        terms: list[str] | None = None,
    ):
        """Create and register a round (the caller launches it). Raises BadInput when the channel is busy.

        `terms` (term ids) fixes what the round asks, in order (a missed-terms round); otherwise
        `count` terms of `topic` are drawn.
        """
        busy = self.runners.get(channel.id)
        if busy is not None:
            link = f" ({busy.message.jump_url})" if busy.message else ""
            raise BadInput(f"A quiz is already running here{link}. Wait for it to finish or use /quiz stop.")
        deck = (await self.bot.decks.for_guild(guild_id)).deck
        if terms is not None:
            picked = [term for term in map(deck.get, terms) if term is not None]
            questions = questions_about(deck, picked, mode, self.bot.rng)
        else:
            questions = make_questions(deck, count, mode, self.bot.rng, topic)
        if not questions:
            raise BadInput("There are no terms to ask about in that topic.")
        now_ms = int(discord.utils.utcnow().timestamp() * 1000)
        new_round = dict(
            guild_id=guild_id,
            channel_id=channel.id,
            started_by=started_by,
            topic=topic,
            mode=mode.value,
            question_count=len(questions),
            seconds=seconds,
            started_at_ms=now_ms,
            schedule_id=schedule_id,
        )
        round_id = await self.repo.create_round(**new_round)
        if round_id is None and await self._close_unsaved(channel.id, now_ms):
            round_id = await self.repo.create_round(**new_round)
        if round_id is None:
            raise BadInput("A quiz is already running here. Wait for it to finish or use /quiz stop.")
        state = QuizRound(
            questions,
            seconds,
            started_by,
            round_id=round_id,
            scoring=scoring,
            teams=Teams(teams) if teams else None,
            anonymous=anonymous,
        )
        runner = RoundRunner(self, state, guild_id, channel, await self.zone_of(guild_id), deck)
        self.runners[channel.id] = runner
        self.by_round[round_id] = runner
        return runner

    async def _close_unsaved(self, channel_id: int, now_ms: int) -> bool:
        """Close the channel's round if it is still active only because its end failed to save
        (e.g. the database was locked then); True if the channel is free now."""
        stale = await self.repo.active_round_in(channel_id)
        if stale is None or stale.id not in self.unsaved:
            return False
        await self.repo.interrupt_active_rounds(now_ms, channel_id=channel_id)
        self.unsaved.discard(stale.id)
        return True

    async def drop_round(self, runner: RoundRunner) -> None:
        """Undo start_round for a round that never launched: out of memory and out of the database."""
        self.forget(runner)
        try:
            await self.repo.delete_round(runner.round.round_id)
        except Exception:
            log.exception("could not delete the unannounced round %s", runner.round.round_id)
            self.unsaved.add(runner.round.round_id)  # the next /quiz start in the channel closes it

    def forget(self, runner: RoundRunner) -> None:
        self.runners.pop(runner.channel.id, None)
        self.by_round.pop(runner.round.round_id, None)

    def forget_member(self, user_id: int) -> None:
        """Drop a member from every running round (answers, points, streaks, an answer being saved),
        so nothing about them is shown or stored from those rounds afterwards (/privacy forget)."""
        for runner in list(self.runners.values()):
            runner.round.forget(user_id)
            if runner.joining:
                runner.teams_changed()  # their name leaves the team message too

    @start.autocomplete("topic")
    async def start_topic_autocomplete(self, interaction: discord.Interaction, current: str):
        return topic_choices(await deck_for(interaction), current)

    @quiz.command(name="stop", description="Stop the quiz in this channel and show the standings so far.")
    async def stop(self, interaction: discord.Interaction) -> None:
        runner = self.runners.get(interaction.channel_id)
        if runner is None:
            await reply_error(interaction, "There is no quiz running in this channel.")
            return
        # Checked here, not only by Discord's command permissions: a server can override those.
        if not may_run(interaction, runner):
            await reply_error(
                interaction,
                "Only the person who started this quiz, or someone with Manage Server or Manage Messages, can stop it.",
            )
            return
        await interaction.response.send_message(f"⏹️ {interaction.user.mention} stopped the quiz.")
        runner.stop()

    @app_commands.command(name="leaderboard", description="Quiz points in this server.")
    @app_commands.guild_only()
    @app_commands.describe(period="Which period (weeks start on Monday)", sort="How to rank")
    async def leaderboard(
        self, interaction: discord.Interaction, period: PeriodOption = "week", sort: SortOption = "points"
    ) -> None:
        content, embed, view = await self.leaderboard_page(
            interaction, period, sort, page=0, owner=interaction.user.id
        )
        extra = {"view": view} if view is not None else {}
        await interaction.response.send_message(content, embed=embed, **extra)

    async def leaderboard_page(self, interaction, period: str, sort: str, *, page: int, owner: int):
        zone = await self.zone_of(interaction.guild_id)
        key = period_key(period, discord.utils.utcnow(), zone)
        total = await self.repo.count_players(interaction.guild_id, key)
        rows = await self.repo.leaderboard(interaction.guild_id, key, sort, offset=page * 10, limit=10)
        mine = await self.repo.standing_of(interaction.guild_id, key, sort, owner)
        return leaderboard_message(
            interaction.guild,
            period=period,
            sort=sort,
            key=key,
            zone=zone,
            page=page,
            total=total,
            rows=rows,
            mine=mine,
            owner=owner,
        )


async def setup(bot) -> None:
    await bot.add_cog(Quiz(bot))
