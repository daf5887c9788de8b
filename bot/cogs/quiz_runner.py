"""Runs one channel round: post each question, wait for its deadline (or everyone), reveal, podium."""

from __future__ import annotations

import asyncio
import logging
import time
from zoneinfo import ZoneInfo

import discord

from bot.core.quiz import QuizRound, period_keys
from bot.ui.quiz import podium_embed, question_embed, question_view, reveal_embed

log = logging.getLogger(__name__)

REVEAL_PAUSE = 5.0  # seconds between a reveal and the next question
COUNT_EDIT_INTERVAL = 2.0  # the "answers" counter is edited at most this often (rate limits)
FAILED_NOTE = (
    "⚠️ This quiz stopped because of a problem on my side. Points already earned are kept; "
    "start a new one with /quiz start."
)


class RoundRunner:
    def __init__(self, cog, state: QuizRound, guild_id: int, channel, zone: ZoneInfo, deck) -> None:
        self.cog = cog
        self.round = state
        self.deck = deck  # the server's deck when the round started
        self.guild_id = guild_id
        self.channel = channel
        self.zone = zone
        self.message: discord.Message | None = None
        self._sleeper: asyncio.Future | None = None
        self._stopped = False
        self._task: asyncio.Task | None = None
        self._count_task: asyncio.Task | None = None
        self._last_count_edit = 0.0

    def launch(self) -> None:
        self._task = asyncio.create_task(self._run(), name=f"quiz-round-{self.round.round_id}")

    def stop(self) -> None:
        self._stopped = True
        self._wake()

    def _wake(self) -> None:
        """End the current question's wait now (everyone answered, or the quiz was stopped)."""
        if self._sleeper is not None and not self._sleeper.done():
            self._sleeper.cancel()

    def cancel(self) -> None:
        if self._task is not None:
            self._task.cancel()

    def answered(self) -> None:
        """An answer was stored: refresh the counter soon, and close early if everyone has answered."""
        if self.round.everyone_answered():
            self._wake()
        elif self._count_task is None or self._count_task.done():
            self._count_task = asyncio.create_task(self._update_count())

    async def _update_count(self) -> None:
        wait = self._last_count_edit + COUNT_EDIT_INTERVAL - time.monotonic()
        if wait > 0:
            await asyncio.sleep(wait)
        if self.round.closed or self.message is None:
            return
        self._last_count_edit = time.monotonic()
        embed = question_embed(
            self.round.question,
            self.round.number,
            len(self.round.questions),
            self.round.deadline,
            len(self.round.answers),
        )
        try:
            await self.message.edit(embed=embed)
        except discord.HTTPException:
            log.warning("could not update the answer count of round %s", self.round.round_id)

    async def _run(self) -> None:
        status = "finished"
        try:
            while self.round.has_next and not self._stopped:
                await self._ask()
                if self.round.abandoned:
                    status = "abandoned"
                    break
                if self.round.has_next and not self._stopped:
                    await asyncio.sleep(REVEAL_PAUSE)
            if self._stopped:
                status = "stopped"
            await self._finish(status)
        except asyncio.CancelledError:
            raise
        except discord.HTTPException as exc:
            # The channel is gone or the bot lost its permission to post: end cleanly, keep the points.
            log.warning(
                "quiz round %s in channel %s ended by a Discord error: %s",
                self.round.round_id,
                self.channel.id,
                exc,
            )
            await self._save_result("interrupted")
        except Exception:
            log.exception("quiz round %s failed", self.round.round_id)
            await self._save_result("interrupted")
            await self._say_failed()
        finally:
            self.cog.forget(self)

    async def _ask(self) -> None:
        now = discord.utils.utcnow()
        question = self.round.open_question(now)
        total = len(self.round.questions)
        self.message = await self.channel.send(
            embed=question_embed(question, self.round.number, total, self.round.deadline, 0),
            view=question_view(self.round.round_id, self.round.number, question),
        )
        await self.cog.repo.set_message(self.round.round_id, self.message.id)
        # A plain sleep that _wake() can cancel: asyncio.wait does not raise when it is cancelled,
        # while a cancellation of this runner itself still propagates.
        self._sleeper = asyncio.ensure_future(asyncio.sleep(self.round.seconds))
        if self._stopped:
            self._sleeper.cancel()
        await asyncio.wait({self._sleeper})
        reveal = self.round.close_question()
        names = {uid: p.name for uid, p in self.round.players.items()}
        await self.message.edit(embed=reveal_embed(reveal, total, self.deck, names), view=None)
        await self._update_reviews(reveal)

    async def _update_reviews(self, reveal) -> None:
        """The question's answers update the flashcards of members who study that term (after the
        reveal: nobody waits for it). A failure here costs only that, never the round."""
        answers = [(a.user_id, a.correct) for a in reveal.answers]
        try:
            await self.cog.study.record_quiz_question(
                reveal.question.term_id, answers, self.guild_id, discord.utils.utcnow()
            )
        except Exception:
            log.warning(
                "quiz round %s: reviews of question %s not updated",
                self.round.round_id,
                reveal.question_no,
                exc_info=True,
            )

    async def _finish(self, status: str) -> None:
        table = self.round.standings()
        if status == "abandoned":
            note = "Nobody answered two questions in a row, so I ended the quiz. Start a new one any time!"
            title = "Quiz ended"
        elif status == "stopped":
            note, title = "The quiz was stopped. Standings so far:", "Quiz stopped"
        else:
            note, title = "", "🏆 Quiz complete!"
        await self._save_result(status)
        await self.channel.send(embed=podium_embed(table, title=title, note=note))

    async def _save_result(self, status: str) -> None:
        winners = self.round.winners() if status in ("finished", "stopped") else set()
        now = discord.utils.utcnow()
        try:
            await self.cog.repo.finish_round(
                self.round.round_id,
                status,
                int(now.timestamp() * 1000),
                self.guild_id,
                [(uid, uid in winners) for uid in self.round.players],
                period_keys(now, self.zone),
            )
        except Exception:
            log.exception("could not save the result of round %s", self.round.round_id)
            self.cog.unsaved.add(self.round.round_id)  # a new /quiz start in the channel closes it

    async def _say_failed(self) -> None:
        """After a failure on the bot's side (not Discord's): take the buttons away and say so."""
        try:
            if self.message is not None:
                await self.message.edit(view=None)
            await self.channel.send(FAILED_NOTE)
        except discord.HTTPException:
            log.warning("could not announce the end of failed round %s", self.round.round_id)
