"""/quiz start, /quiz stop and /leaderboard: channel quiz rounds for a whole class."""

from __future__ import annotations

import logging
from typing import Literal
from zoneinfo import ZoneInfo

import discord
from discord import app_commands
from discord.ext import commands

from bot.cogs.common import deck_for, resolve_topic, topic_choices
from bot.cogs.quiz_runner import RoundRunner
from bot.core.answers import judge
from bot.core.errors import BadInput
from bot.core.questions import Mode, make_questions
from bot.core.quiz import QuizError, QuizRound, period_key, period_keys
from bot.permissions import missing_text, missing_to_post
from bot.storage.quiz import AnswerRow, AnswerWriter, QuizRepo
from bot.storage.study import StudyRepo
from bot.ui.leaderboard import LeaderboardPage, leaderboard_message
from bot.ui.messages import failure_text, reply_error, safe, user_errors
from bot.ui.quiz import ChoiceButton, TypedAnswerModal, answer_typed_submission

log = logging.getLogger(__name__)

ModeOption = Literal["mixed", "multiple_choice", "true_false", "typed"]
PeriodOption = Literal["week", "month", "all"]
QUIZ_ENDED = "This quiz has ended. Start a new one with /quiz start."
QUESTION_CLOSED = "This question has closed. Get ready for the next one!"
SortOption = Literal["points", "accuracy", "rounds_won"]


def can_moderate(interaction: discord.Interaction) -> bool:
    perms = interaction.permissions
    return perms.manage_guild or perms.manage_messages or perms.administrator


class Quiz(commands.Cog):
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
        self.bot.add_dynamic_items(ChoiceButton, LeaderboardPage)
        # Rounds left active by a crash or restart end here; their answers already count.
        self.interrupted = await self.repo.interrupt_active_rounds(int(discord.utils.utcnow().timestamp() * 1000))
        if self.interrupted:
            self.bot.loop.create_task(self._announce_interrupted(self.interrupted))

    async def cog_unload(self) -> None:
        self.bot.remove_dynamic_items(ChoiceButton, LeaderboardPage)
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
            message = self.bot.get_partial_messageable(active.channel_id).get_partial_message(active.message_id)
            try:
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
        seconds="Seconds per question (10-120)",
    )
    async def start(
        self,
        interaction: discord.Interaction,
        questions: app_commands.Range[int, 1, 50] = 10,
        topic: str | None = None,
        mode: ModeOption = "mixed",
        seconds: app_commands.Range[int, 10, 120] = 20,
    ) -> None:
        async with user_errors(interaction):
            # Checked before anything is posted: without these every question would fail with 403.
            missing = missing_to_post(
                interaction.app_permissions, thread=isinstance(interaction.channel, discord.Thread)
            )
            if missing:
                them = "that permission" if len(missing) == 1 else "those permissions"
                raise BadInput(
                    f"{missing_text(missing, interaction.channel_id)}, so I can't run a quiz here. "
                    f"Ask a teacher to give me {them} in this channel, or start the quiz in another one."
                )
            deck = await deck_for(interaction)
            topic_id = resolve_topic(deck, topic)
            runner = await self.start_round(
                guild_id=interaction.guild_id,
                channel=interaction.channel,
                started_by=interaction.user.id,
                count=questions,
                topic=topic_id,
                mode=Mode(mode),
                seconds=seconds,
            )
            where = f" on **{deck.topic_name(topic_id)}**" if topic_id else ""
            try:
                await interaction.response.send_message(
                    f"🎯 {interaction.user.mention} started a quiz{where}: {questions} question"
                    f"{'s' if questions != 1 else ''}, {seconds} seconds each. Answer with the buttons; "
                    "the faster you are, the more points you get!"
                )
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

    async def start_round(self, *, guild_id, channel, started_by, count, topic, mode, seconds, schedule_id=None):
        """Create and register a round (the caller launches it). Raises BadInput when the channel is busy."""
        busy = self.runners.get(channel.id)
        if busy is not None:
            link = f" ({busy.message.jump_url})" if busy.message else ""
            raise BadInput(f"A quiz is already running here{link}. Wait for it to finish or use /quiz stop.")
        deck = (await self.bot.decks.for_guild(guild_id)).deck
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
        state = QuizRound(questions, seconds, started_by, round_id=round_id)
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
        if interaction.user.id != runner.round.started_by and not can_moderate(interaction):
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

    # ----------------------------------------------------------------- answers

    async def on_choice(self, interaction: discord.Interaction, round_id: int, number: int, choice: str) -> None:
        runner = self.by_round.get(round_id)
        if runner is None:
            await reply_error(interaction, QUIZ_ENDED)
            return
        if runner.round.number != number or runner.round.closed:
            await reply_error(interaction, QUESTION_CLOSED)
            return
        question = runner.round.question
        if choice == "typed":
            if interaction.user.id in runner.round.answers:
                await reply_error(interaction, "You already answered this question. One answer per question!")
                return
            await interaction.response.send_modal(TypedAnswerModal("quiz", f"{round_id}:{number}", number))
            return
        if choice not in question.choice_keys:
            await reply_error(interaction, "That button belongs to an older question.")
            return
        label = question.option_label(choice)
        await self.record(interaction, runner, choice, choice == question.answer, label=label)

    async def on_typed_answer(self, interaction: discord.Interaction, state: str, text: str) -> None:
        """A typed-answer box was submitted; `state` is "<round id>:<question number>"."""
        round_id, number = (int(part) for part in state.split(":"))
        runner = self.by_round.get(round_id)
        if runner is None:  # it ended, or the bot restarted since the box was opened
            await reply_error(interaction, QUIZ_ENDED)
            return
        await self.submit_typed(interaction, runner, number, text)

    async def submit_typed(self, interaction: discord.Interaction, runner: RoundRunner, number: int, text: str):
        if runner.round.number != number or runner.round.closed:
            await reply_error(interaction, QUESTION_CLOSED)
            return
        text = text.strip()
        if not text:
            await reply_error(interaction, "Your answer was empty. Click ✏️ Answer again and type the term.")
            return
        verdict = judge(text, runner.deck.get(runner.round.question.term_id), runner.deck)
        await self.record(
            interaction, runner, "typed", verdict.correct, label=f"“{safe(text, 100)}”", verdict=verdict.reason
        )

    async def record(
        self, interaction, runner: RoundRunner, choice: str, correct: bool, *, label: str, verdict=""
    ):
        """Store an answer, then count it, then confirm it. Nothing counts until it is stored; an
        answer that could not be acknowledged or stored is dropped, and the member may try again."""
        now = discord.utils.utcnow()
        user_id = interaction.user.id
        try:
            answer = runner.round.prepare(
                user_id, interaction.user.display_name, choice, correct, now, label=label, verdict=verdict
            )
        except QuizError as exc:
            await reply_error(interaction, str(exc))
            return
        runner.storing()
        try:
            stored = await self._store(interaction, runner, answer, choice, label, now)
        finally:
            runner.round.release(user_id)  # a no-op once confirmed; otherwise the member may retry
            runner.settled()
        if not stored:
            return
        try:
            await interaction.followup.send(f"🔒 Locked in: {label}", ephemeral=True)
        except discord.HTTPException:
            # Stored and counted (the podium matches the leaderboard); a second click says which.
            log.warning("answer of user %s in round %s stored but not confirmed", user_id, runner.round.round_id)
        runner.answered()

    async def _store(self, interaction, runner: RoundRunner, answer, choice: str, label: str, now) -> bool:
        """Acknowledge, write, count. False (with the member told when possible) when it failed."""
        try:
            # Deferred first: the write may queue behind a group commit or a busy lock.
            await interaction.response.defer(ephemeral=True, thinking=True)
        except discord.HTTPException as exc:
            log.warning(
                "answer of user %s in round %s dropped: the click could not be acknowledged (%s)",
                answer.user_id,
                runner.round.round_id,
                exc,
            )
            return False
        q = runner.round.questions[answer.question_no - 1]
        row = AnswerRow(
            round_id=runner.round.round_id,
            question_no=answer.question_no,
            user_id=answer.user_id,
            guild_id=runner.guild_id,
            card_id=q.term_id,
            choice=choice if choice != "typed" else label[:100],
            correct=answer.correct,
            points=answer.points,
            elapsed_ms=answer.elapsed_ms,
            answered_at_ms=int(now.timestamp() * 1000),
            periods=period_keys(now, runner.zone),
        )
        try:
            await self.writer.record(row)
        except Exception as exc:
            log.exception("answer of user %s in round %s not saved", answer.user_id, row.round_id)
            await reply_error(interaction, f"I couldn't save your answer. {failure_text(exc)}")
            return False
        runner.round.confirm(answer.user_id)
        return True


async def setup(bot) -> None:
    await bot.add_cog(Quiz(bot))
