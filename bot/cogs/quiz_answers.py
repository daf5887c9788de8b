"""What members send during a quiz round: answers (buttons and typed-answer boxes), team picks and
Start now. A mixin of the Quiz cog (bot/cogs/quiz.py), which holds the running rounds.

The answer path reads: parse the custom id, ask the core, write, reply; the count edit and the
early close come after the reply (RoundRunner.answered).
"""

from __future__ import annotations

import asyncio
import functools
import logging
import time

import discord

from bot.cogs.quiz_runner import RoundRunner
from bot.core.answers import judge
from bot.core.quiz import QuizError, period_keys
from bot.core.report import given_text
from bot.core.teams import TeamsClosed, team_label
from bot.storage.quiz import AnswerRow
from bot.ui.messages import failure_text, reply_error, safe
from bot.ui.quiz import TypedAnswerModal, short_choice

log = logging.getLogger(__name__)

QUIZ_ENDED = "This quiz has ended. Start a new one with /quiz start."
QUESTION_CLOSED = "This question has closed. Get ready for the next one!"
#: A write committed within this many seconds is acknowledged with "Locked in" in one REST call;
#: a slower one is acknowledged first ("thinking...") and followed up.
QUICK_WRITE = 1.5
#: Discord refuses an interaction's first response this many seconds after it created the
#: interaction (its id's timestamp); the acknowledgement leaves this margin for its REST call.
ACK_DEADLINE, ACK_MARGIN = 3.0, 0.5
#: An answer older than the deadline plus this (by the bot's clock, which may be a little off
#: Discord's) is not handled at all: its reply would be refused, and an overloaded bot that still
#: stored it and tried would only fall further behind.
CLOCK_SLACK = 0.5
LATE_LOG_EVERY = 10.0  # seconds: answers dropped as too late are logged as one line per period


def can_moderate(interaction: discord.Interaction) -> bool:
    perms = interaction.permissions
    return perms.manage_guild or perms.manage_messages or perms.administrator


def may_run(interaction: discord.Interaction, runner) -> bool:
    """The member who started the round, or a moderator: they may stop it or start it early."""
    return interaction.user.id == runner.round.started_by or can_moderate(interaction)


class RoundInput:
    """Answers, team picks and Start now for the rounds in `self.by_round` (see Quiz)."""

    @functools.cached_property
    def late_answers(self) -> LateAnswers:
        return LateAnswers()

    async def on_team(self, interaction: discord.Interaction, round_id: int, team: int) -> None:
        """Join (or switch to) a team during a team round's joining phase. Anyone in the channel may."""
        runner = self.by_round.get(round_id)
        if runner is None or runner.round.teams is None:
            await reply_error(interaction, QUIZ_ENDED)
            return
        if not runner.joining:
            await reply_error(interaction, str(TeamsClosed()))
            return
        teams = runner.round.teams
        previous = teams.join(interaction.user.id, team, interaction.user.display_name)
        if previous == team:
            text = f"You're already on team {team_label(team)}."
        elif previous is None:
            text = f"You're on team {team_label(team)}. Good luck!"
        else:
            text = f"You moved from team {team_label(previous)} to team {team_label(team)}."
        try:
            await interaction.response.send_message(text, ephemeral=True)
        except discord.HTTPException:
            # The member was never told: take it back, so what they see is what counts. They may click again.
            teams.undo_join(interaction.user.id, previous)
            log.warning("team pick of user %s in round %s not confirmed: undone", interaction.user.id, round_id)
            return
        runner.teams_changed()

    async def on_start_now(self, interaction: discord.Interaction, round_id: int) -> None:
        """End a team round's joining phase early: the starter or a moderator (checked here too)."""
        runner = self.by_round.get(round_id)
        if runner is None:
            await reply_error(interaction, QUIZ_ENDED)
            return
        if not runner.joining:
            await reply_error(interaction, "The quiz has already started.")
            return
        if not may_run(interaction, runner):
            ts = int(runner.joining_until.timestamp())
            await reply_error(
                interaction,
                "Only the person who started this quiz, or someone with Manage Server or Manage Messages, can "
                f"start it early. It starts by itself <t:{ts}:R>.",
            )
            return
        await interaction.response.send_message("▶️ Starting the quiz now.", ephemeral=True)
        runner.start_now()

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
        label = short_choice(question, choice)
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
        """Store an answer, tell the member, then count it. Nothing counts until it is stored and the
        member was told (or at least saw the bot acknowledge the click); otherwise the member may
        try again."""
        now = discord.utils.utcnow()
        age = (now - interaction.created_at).total_seconds()
        if age > ACK_DEADLINE + CLOCK_SLACK:
            self.late_answers.drop(runner.round.round_id)
            return
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
            row = self.answer_row(runner, answer, choice, label, now)
            counted = await self._store(interaction, runner, row, label, ACK_DEADLINE - ACK_MARGIN - age)
        finally:
            runner.round.release(user_id)  # a no-op once confirmed; otherwise the member may retry
            runner.settled()
        if counted:
            runner.answered()

    @staticmethod
    def answer_row(runner: RoundRunner, answer, choice: str, label: str, now) -> AnswerRow:
        """The row stored for an answer."""
        q = runner.round.questions[answer.question_no - 1]
        return AnswerRow(
            round_id=runner.round.round_id,
            question_no=answer.question_no,
            user_id=answer.user_id,
            guild_id=runner.guild_id,
            card_id=q.term_id,
            choice=choice if choice != "typed" else label[:100],
            given=given_text(q, choice) if choice != "typed" else label[:100],
            correct=answer.correct,
            points=answer.points,
            elapsed_ms=answer.elapsed_ms,
            answered_at_ms=int(now.timestamp() * 1000),
            periods=period_keys(now, runner.zone),
        )

    async def _store(self, interaction, runner: RoundRunner, row: AnswerRow, label: str, left: float) -> bool:
        """Write, then acknowledge with "Locked in" in one REST call; when the write takes longer than
        QUICK_WRITE (or than the `left` seconds Discord still allows), acknowledge first
        ("thinking...") and follow up. True when the answer counts."""
        written = self.writer.submit(row)
        if left > 0:
            await asyncio.wait((written,), timeout=min(QUICK_WRITE, left))
        if not written.done():
            return await self._store_deferred(interaction, runner, row, label, written)
        if (failure := written.exception()) is not None:
            await self._not_saved(interaction, row, failure)
            return False
        teams = runner.round.teams
        placed = teams is not None and teams.team_of(row.user_id) is None
        if placed:  # the answer puts them on the smallest team: the reply says which
            teams.place(row.user_id)
        try:
            await interaction.response.send_message(locked_in(label, teams, row.user_id, placed), ephemeral=True)
        except discord.HTTPException as exc:
            if placed:
                teams.undo_join(row.user_id, None)
            log.warning(
                "answer of user %s in round %s stored but not acknowledged (%s): taking it back",
                row.user_id,
                row.round_id,
                exc,
            )
            return await self._take_back(runner, row)
        runner.round.confirm(row.user_id)
        return True

    async def _store_deferred(self, interaction, runner: RoundRunner, row: AnswerRow, label: str, written) -> bool:
        """The write is slow (a busy lock, a large batch): acknowledge now, answer when it is done."""
        try:
            await interaction.response.defer(ephemeral=True, thinking=True)
        except discord.HTTPException as exc:
            log.warning(
                "answer of user %s in round %s dropped: the click could not be acknowledged (%s)",
                row.user_id,
                row.round_id,
                exc,
            )
            try:
                await asyncio.shield(written)  # the batch is shared: this click going away must not cancel it
            except Exception:
                return False  # nothing was stored
            return await self._take_back(runner, row)
        try:
            await asyncio.shield(written)  # the batch is shared: this click going away must not cancel it
        except Exception as exc:
            await self._not_saved(interaction, row, exc)
            return False
        teams = runner.round.teams
        placed = teams is not None and teams.team_of(row.user_id) is None
        runner.round.confirm(row.user_id)  # places a member without a team on the smallest one
        try:
            await interaction.followup.send(locked_in(label, teams, row.user_id, placed), ephemeral=True)
        except discord.HTTPException as exc:
            # Stored, acknowledged and counted (the podium matches the leaderboard); a second click says which.
            log.warning(
                "answer of user %s in round %s stored but not confirmed (%s)", row.user_id, row.round_id, exc
            )
        return True

    async def _take_back(self, runner: RoundRunner, row: AnswerRow) -> bool:
        """Remove a stored answer the member was never told about, so they may give it again. When
        that fails too, the answer stays and counts, as in the database (a second click says which):
        then True."""
        try:
            await self.writer.withdraw(row)
        except Exception:
            log.exception("answer of user %s in round %s could not be taken back", row.user_id, row.round_id)
            runner.round.confirm(row.user_id)
            return True
        return False

    async def _not_saved(self, interaction, row: AnswerRow, exc: BaseException) -> None:
        log.error("answer of user %s in round %s not saved", row.user_id, row.round_id, exc_info=exc)
        await reply_error(interaction, f"I couldn't save your answer. {failure_text(exc)}")


def locked_in(label: str, teams, user_id: int, placed: bool) -> str:
    """The private acknowledgement; `placed` when the answer put the member on a team."""
    note = f" · you play for team {team_label(teams.team_of(user_id))} (the smallest team)" if placed else ""
    return f"🔒 Locked in: {label}{note}"


class LateAnswers:
    """Answers dropped because they reached the bot after Discord's deadline (a stall, an
    overload). Logged as one line at most every LATE_LOG_EVERY seconds, with the count since the
    previous line: one line per answer would add to the load that made them late."""

    def __init__(self) -> None:
        self.dropped = 0
        self._rounds: set[int] = set()
        self._logged_at = -LATE_LOG_EVERY

    def drop(self, round_id: int) -> None:
        self.dropped += 1
        self._rounds.add(round_id)
        now = time.monotonic()
        if now - self._logged_at >= LATE_LOG_EVERY:
            log.warning(
                "%d quiz answer(s) reached the bot more than %.1f s after the click and were not handled "
                "(Discord refuses a reply after %.0f s; rounds %s)",
                self.dropped,
                ACK_DEADLINE + CLOCK_SLACK,
                ACK_DEADLINE,
                ", ".join(map(str, sorted(self._rounds))),
            )
            self.dropped, self._logged_at = 0, now
            self._rounds.clear()
