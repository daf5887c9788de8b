"""What members send during a quiz round: answers (buttons and typed-answer boxes), team picks and
Start now. A mixin of the Quiz cog (bot/cogs/quiz.py), which holds the running rounds.

The answer path reads: parse the custom id, ask the core, write, reply; the count edit and the
early close come after the reply (RoundRunner.answered).
"""

from __future__ import annotations

import logging

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


def can_moderate(interaction: discord.Interaction) -> bool:
    perms = interaction.permissions
    return perms.manage_guild or perms.manage_messages or perms.administrator


def may_run(interaction: discord.Interaction, runner) -> bool:
    """The member who started the round, or a moderator: they may stop it or start it early."""
    return interaction.user.id == runner.round.started_by or can_moderate(interaction)


class RoundInput:
    """Answers, team picks and Start now for the rounds in `self.by_round` (see Quiz)."""

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
        """Store an answer, then count it, then confirm it. Nothing counts until it is stored; an
        answer that could not be acknowledged or stored is dropped, and the member may try again."""
        now = discord.utils.utcnow()
        user_id = interaction.user.id
        teams = runner.round.teams
        placed = teams is not None and teams.team_of(user_id) is None  # the answer puts them on a team
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
        note = ""
        if placed and teams.team_of(user_id) is not None:
            note = f" · you play for team {team_label(teams.team_of(user_id))} (the smallest team)"
        try:
            await interaction.followup.send(f"🔒 Locked in: {label}{note}", ephemeral=True)
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
            given=given_text(q, choice) if choice != "typed" else label[:100],
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
