"""Runs one channel round: (a team round: let members pick teams,) post each question, wait for its
deadline (or everyone), reveal, podium."""

from __future__ import annotations

import asyncio
import logging
import time
from datetime import timedelta
from zoneinfo import ZoneInfo

import discord

from bot.cogs.server_fsrs import scheduler_for
from bot.core.budget import Priority
from bot.core.quiz import QuizRound, period_keys
from bot.ui.quiz import podium_embed, question_embed, question_view, reveal_embed
from bot.ui.quiz_teams import teams_embed, teams_view

log = logging.getLogger(__name__)

REVEAL_PAUSE = 5.0  # seconds between a reveal and the next question
#: A team round's joining phase: long enough for a class to pick, short enough not to drag; the
#: starter (or a moderator) can end it early with Start now.
JOIN_SECONDS = 30.0
COUNT_EDIT_INTERVAL = 2.0  # the "answers" counter and the team rosters are edited at most this often
#: How long a reveal waits for answers still being stored (a write waits up to 5 s for a lock).
SETTLE_LIMIT = 15.0
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
        self._on_refused = None
        self._refused: discord.HTTPException | None = None
        # Every edit of the round's message goes through _edit, one at a time and in order: discord.py
        # sends requests of one bucket concurrently and retries a 429 later, so a count edit sent
        # before the reveal could otherwise land after it and bring the question back. Each post and
        # edit takes its turn in the bot's outbox: questions, reveals and the podium as LIVE, the
        # "answers" counter as COUNTER, so many rounds' counters never hold up a question.
        self._last_edit: asyncio.Task | None = None
        self._count_task: asyncio.Task | None = None  # a throttled refresh: the count, or team rosters
        self._count_waiting = False  # the count task is in its pause or waits for its turn, not editing yet
        self._last_count_edit = 0.0
        self.joining_until = None  # a team round's joining phase ends then (or at Start now)
        self._storing: set[asyncio.Task] = set()  # clicks whose answer is being stored

    def launch(self, on_refused=None) -> None:
        """Run the round. `on_refused(error)` is awaited when Discord refuses one of its posts
        (403, 404): a scheduled round pauses its schedule with it."""
        self._on_refused = on_refused
        self._task = asyncio.create_task(self._run(), name=f"quiz-round-{self.round.round_id}")

    def stop(self) -> None:
        self._stopped = True
        self._wake()

    def start_now(self) -> None:
        """End a team round's joining phase now (Start now)."""
        self._wake()

    @property
    def joining(self) -> bool:
        """True while members pick teams (before the first question of a team round)."""
        return self.round.teams is not None and self.round.teams.joining and self.round.index < 0

    def _wake(self) -> None:
        """End the current question's wait now (everyone answered, or the quiz was stopped)."""
        if self._sleeper is not None and not self._sleeper.done():
            self._sleeper.cancel()

    def cancel(self) -> None:
        if self._task is not None:
            self._task.cancel()

    def storing(self) -> None:
        """The current task stores an answer of this round: the reveal waits for it (see settled)."""
        task = asyncio.current_task()
        if task is not None:
            self._storing.add(task)

    def settled(self) -> None:
        """The current task's answer was stored (and counted) or given up."""
        self._storing.discard(asyncio.current_task())

    def answered(self) -> None:
        """An answer was stored: refresh the counter soon, and close early if everyone has answered."""
        if self.round.everyone_answered():
            self._wake()
        else:
            number = self.round.number

            def count():
                if self.round.closed or self.round.number != number:
                    return None  # the reveal came first: the count must not land on top of it
                total = len(self.round.questions)
                answered = len(self.round.answers)
                q = self.round.question
                return {
                    "embed": question_embed(q, number, total, self.round.deadline, answered, self.round.scoring)
                }

            self._refresh(count, "answer count")

    def teams_changed(self) -> None:
        """A member joined or switched teams: refresh the rosters soon."""

        def rosters():
            if not self.joining:
                return None  # the teams are set: that edit has been made
            return {"embed": teams_embed(self.round.teams, self.joining_until, anonymous=self.round.anonymous)}

        self._refresh(rosters, "team rosters")

    def _refresh(self, fields, what: str) -> None:
        """Edit the message soon with `fields` (see _edit), at most every COUNT_EDIT_INTERVAL seconds;
        while one refresh waits, later ones ride on it (it reads the state when it edits)."""
        if self._count_task is None or self._count_task.done():
            self._count_task = asyncio.create_task(self._throttled(fields, what))

    async def _throttled(self, fields, what: str) -> None:
        self._count_waiting = True  # until its edit's turn comes (see _edit_after)
        try:
            wait = self._last_count_edit + COUNT_EDIT_INTERVAL - time.monotonic()
            if wait > 0:
                await asyncio.sleep(wait)

            def stamped():
                wanted = fields()
                if wanted is not None:
                    self._last_count_edit = time.monotonic()
                return wanted

            await self._edit(stamped, Priority.COUNTER)
        except discord.HTTPException:
            log.warning("could not update the %s of round %s", what, self.round.round_id)
        finally:
            self._count_waiting = False

    def _drop_waiting_refresh(self) -> None:
        if self._count_task is not None and self._count_waiting:
            # Still in its pause or waiting for its turn: it would find its screen gone anyway, and
            # the reveal behind it on the one edit path must not wait for a counter's turn.
            self._count_task.cancel()

    async def _edit(self, fields, priority: Priority = Priority.LIVE) -> None:
        """Edit the round's message once every earlier edit is done (the one ordered path).

        `fields` is a function called when the edit's turn comes, returning the edit's fields, or
        None when the edit is no longer wanted. Each edit is a task that waits for the previous one,
        then for its turn in the outbox at `priority`.
        """
        previous = self._last_edit
        self._last_edit = asyncio.create_task(self._edit_after(previous, fields, priority))
        await self._last_edit

    async def _edit_after(self, previous: asyncio.Task | None, fields, priority: Priority) -> None:
        if previous is not None and not previous.done():
            await asyncio.wait({previous})
        if self.message is None or fields() is None:
            return  # no longer wanted: no turn taken
        await self._turn(priority)
        if priority is Priority.COUNTER:
            self._count_waiting = False  # its turn came: from here on it is being sent, never cancelled
        wanted = fields()  # what the message should say now, after the wait
        if wanted is not None and self.message is not None:
            await self.message.edit(**wanted)

    async def _turn(self, priority: Priority) -> None:
        await self.cog.bot.process.outbox.turn(priority, self.channel.id)

    async def _run(self) -> None:
        status = "finished"
        try:
            if self.round.teams is not None:
                await self._pick_teams()
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
            if exc is self._refused and self._on_refused is not None:
                try:
                    await self._on_refused(exc)
                except Exception:
                    log.exception("quiz round %s: reacting to the refused post failed", self.round.round_id)
        except Exception:
            log.exception("quiz round %s failed", self.round.round_id)
            await self._save_result("interrupted")
            await self._say_failed()
        finally:
            self.cog.forget(self)

    async def _post(self, **fields) -> None:
        """Post the round's next message (the team picker, a question): it becomes the one edited."""
        try:
            await self._turn(Priority.LIVE)
            self.message = await self.channel.send(**fields)
        except discord.HTTPException as exc:
            self._refused = exc  # Discord refused the post: _run may pause a schedule with it
            raise
        await self.cog.repo.set_message(self.round.round_id, self.message.id)

    async def _wait(self, seconds: float) -> None:
        """Wait `seconds`, or less when _wake() is called (everyone answered, Start now, stop)."""
        # A plain sleep that _wake() can cancel: asyncio.wait does not raise when it is cancelled,
        # while a cancellation of this runner itself still propagates.
        self._sleeper = asyncio.ensure_future(asyncio.sleep(seconds))
        if self._stopped:
            self._sleeper.cancel()
        await asyncio.wait({self._sleeper})

    async def _pick_teams(self) -> None:
        """The joining phase of a team round: members pick a team on one message, until JOIN_SECONDS
        have passed or the starter presses Start now (or the round is stopped)."""
        teams = self.round.teams
        self.joining_until = discord.utils.utcnow() + timedelta(seconds=JOIN_SECONDS)
        await self._post(
            embed=teams_embed(teams, self.joining_until, anonymous=self.round.anonymous),
            view=teams_view(self.round.round_id, teams.count),
        )
        await self._wait(JOIN_SECONDS)
        teams.close_joining()
        self._drop_waiting_refresh()
        final = teams_embed(teams, self.joining_until, anonymous=self.round.anonymous)
        try:
            await self._edit(lambda: {"embed": final, "view": None})
        except discord.HTTPException as exc:
            # Only the rosters are stale: a late team button says the teams are set. If the channel
            # is gone, the first question's post fails and ends the round.
            log.warning("round %s: the team message could not be closed: %s", self.round.round_id, exc)

    async def _ask(self) -> None:
        now = discord.utils.utcnow()
        question = self.round.open_question(now)
        total = len(self.round.questions)
        await self._post(
            embed=question_embed(question, self.round.number, total, self.round.deadline, 0, self.round.scoring),
            view=question_view(self.round.round_id, self.round.number, question),
        )
        await self._wait(self.round.seconds)
        self.round.stop_answers()
        await self._settle()
        self._drop_waiting_refresh()
        reveal = self.round.close_question()
        names = {uid: p.name for uid, p in self.round.players.items()}
        embed = reveal_embed(
            reveal, total, self.deck, names, anonymous=self.round.anonymous, teams=self.round.team_standings()
        )
        await self._edit(lambda: {"embed": embed, "view": None})
        await self._update_reviews(reveal)

    async def _settle(self) -> None:
        """Wait (a little) for answers still being stored, so the reveal counts what was saved."""
        storing = {task for task in self._storing if not task.done()}
        if storing:
            _done, late = await asyncio.wait(storing, timeout=SETTLE_LIMIT)
            if late:
                log.warning(
                    "round %s: %d answers still being stored at the reveal", self.round.round_id, len(late)
                )

    async def _update_reviews(self, reveal) -> None:
        """The question's answers update the flashcards of members who study that term (after the
        reveal: nobody waits for it). A failure here costs only that, never the round."""
        answers = [(a.user_id, a.correct) for a in reveal.answers]
        try:
            await self.cog.study.record_quiz_question(
                reveal.question.term_id, answers, self.guild_id, discord.utils.utcnow(),
                scheduler=await scheduler_for(self.cog.bot, self.guild_id),
            )  # fmt: skip
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
            title = "Quiz stopped"
            note = (
                "The quiz was stopped. Standings so far:"
                if table
                else "The quiz was stopped before anyone answered."
            )
        else:
            note, title = "", "🏆 Quiz complete!"
        await self._save_result(status)
        podium = podium_embed(
            table,
            title=title,
            note=note,
            teams=self.round.team_standings(),
            team_of=self.round.teams.members if self.round.teams else None,
            anonymous=self.round.anonymous,
        )
        try:
            await self._turn(Priority.LIVE)
            await self.channel.send(embed=podium)
        except discord.HTTPException as exc:  # the result is saved; only the podium is lost
            log.warning("podium of round %s not posted: %s", self.round.round_id, exc)

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
                await self._edit(lambda: {"view": None})
            await self._turn(Priority.LIVE)
            await self.channel.send(FAILED_NOTE)
        except discord.HTTPException:
            log.warning("could not announce the end of failed round %s", self.round.round_id)
