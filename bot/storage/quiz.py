"""Quiz rounds, answers and leaderboard totals.

Answers go through AnswerWriter: every answer waits for the commit that contains it before the
member is told "Locked in", and answers arriving together share one transaction (group commit),
so a class of hundreds clicking at once costs a few commits, not hundreds. The first answer of a
transaction waits COMMIT_WINDOW for others to join it.
"""

from __future__ import annotations

import asyncio
import functools
import logging
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass

from bot.core.missed import TermRecord
from bot.core.shards import ShardPlan
from bot.storage.database import Database
from bot.storage.shards import shard_condition
from bot.storage.study import class_locks

log = logging.getLogger(__name__)

#: Seconds the first answer of a transaction waits for others to share its commit. A commit costs
#: the bot far more CPU than the wait: at 100 answers/s (20 rounds) one commit per answer put a
#: click at about 1.6x the CPU of a bot that only replies, and this window at about 1.2x, with
#: "Locked in" at 16 ms p50 / 27 ms p99 instead of 2-3 / 5 ms (see the README's benchmarks). A
#: member cannot tell 20 ms from none.
COMMIT_WINDOW = 0.02

#: A member's share of right answers (0 when none): one expression both engines accept.
_ACCURACY = "CAST(correct AS DOUBLE PRECISION) / CASE WHEN answered > 1 THEN answered ELSE 1 END"
SORTS = {
    "points": "points DESC, correct DESC, user_id",
    "accuracy": f"{_ACCURACY} DESC, answered DESC, user_id",
    "rounds_won": "rounds_won DESC, points DESC, user_id",
}


@dataclass(frozen=True, slots=True)
class AnswerRow:
    round_id: int
    question_no: int
    user_id: int
    guild_id: int
    card_id: str
    choice: str
    correct: bool
    points: int
    elapsed_ms: int
    answered_at_ms: int
    periods: tuple[str, ...]  # leaderboard buckets this answer counts in
    given: str | None = None  # the option's text or the typed answer (reports: the wrong answers given)


@dataclass(frozen=True, slots=True)
class TotalsRow:
    user_id: int
    points: int
    correct: int
    answered: int
    rounds_played: int
    rounds_won: int

    @property
    def accuracy(self) -> float:
        return self.correct / self.answered if self.answered else 0.0


@dataclass(frozen=True, slots=True)
class ActiveRound:
    id: int
    guild_id: int
    channel_id: int
    message_id: int | None


_INSERT_ANSWER = (
    "INSERT INTO quiz_answers (round_id, question_no, user_id, guild_id, card_id, choice, correct, points,"
    " elapsed_ms, answered_at, given) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)
_ADD_TOTALS = (
    "INSERT INTO quiz_totals (guild_id, period, user_id, points, correct, answered) VALUES (?, ?, ?, ?, ?, 1)"
    " ON CONFLICT (guild_id, period, user_id) DO UPDATE SET points = quiz_totals.points + excluded.points,"
    " correct = quiz_totals.correct + excluded.correct, answered = quiz_totals.answered + 1"
)


_DELETE_ANSWER = "DELETE FROM quiz_answers WHERE round_id = ? AND question_no = ? AND user_id = ?"
_TAKE_FROM_TOTALS = (
    "UPDATE quiz_totals SET points = quiz_totals.points - ?, correct = quiz_totals.correct - ?,"
    " answered = quiz_totals.answered - 1 WHERE guild_id = ? AND period = ? AND user_id = ?"
)


def _answer_params(r: AnswerRow) -> tuple:
    """The values of _INSERT_ANSWER, in its column order."""
    return (
        r.round_id,
        r.question_no,
        r.user_id,
        r.guild_id,
        r.card_id,
        r.choice,
        int(r.correct),
        r.points,
        r.elapsed_ms,
        r.answered_at_ms,
        r.given,
    )


async def write_answers(db: Database, rows: list[AnswerRow]) -> None:
    """Store answers and add them to the running totals, all in one transaction."""
    async with db.transaction() as tx:
        await tx.lock(*class_locks(r.guild_id for r in rows))
        await tx.executemany(_INSERT_ANSWER, [_answer_params(r) for r in rows])
        # Totals rows in one order everywhere (round ends too): on PostgreSQL two writers of one
        # server's totals then wait for each other instead of deadlocking.
        await tx.executemany(
            _ADD_TOTALS,
            sorted((r.guild_id, p, r.user_id, r.points, int(r.correct)) for r in rows for p in r.periods),
        )


async def withdraw_answer(db: Database, row: AnswerRow) -> bool:
    """Take back a stored answer whose member was never told it counted: the row goes, and its
    points come off the running totals. False when it was not there (nothing changed)."""
    async with db.transaction() as tx:
        await tx.lock(*class_locks((row.guild_id,)))
        if not await tx.execute(_DELETE_ANSWER, (row.round_id, row.question_no, row.user_id)):
            return False
        await tx.executemany(
            _TAKE_FROM_TOTALS,
            [(row.points, int(row.correct), row.guild_id, p, row.user_id) for p in row.periods],
        )
    return True


class AnswerWriter:
    """Group commit for quiz answers. `await record(row)` returns once the row is committed.

    Answers gather in a batch, and each batch is one task that commits it in one transaction. The
    first answer of a batch starts its task, which waits `pause` (COMMIT_WINDOW by default) while
    later answers join. A batch that starts while the one before it commits waits for that commit
    instead of pausing: its answers have waited long enough. A batch is closed when its commit
    begins, or at `max_batch` answers. No task is left behind once the answers are stored.
    """

    def __init__(
        self, db: Database, *, max_batch: int = 2000, pause: Callable[[], Awaitable[object]] | None = None
    ) -> None:
        self.db = db
        self.max_batch = max_batch
        self._pause = pause or functools.partial(asyncio.sleep, COMMIT_WINDOW)
        self._open: list[AnswerRow] | None = None  # the batch answers still join
        self._task: asyncio.Task[None] | None = None  # the open batch's task, else the last one

    async def record(self, row: AnswerRow) -> None:
        """Durably store one answer (raises if the write failed; nothing of it was stored then)."""
        await asyncio.shield(self.submit(row))  # cancelling this caller leaves the batch to the others

    def submit(self, row: AnswerRow) -> asyncio.Task[None]:
        """Add one answer to the open batch. The returned task (the batch's) is done once the answer
        is committed, or failed: then nothing of it was stored. The caller may wait for it with a
        time limit, and must not cancel it (other answers ride on it)."""
        if self._open is None or len(self._open) >= self.max_batch or self._task is None or self._task.done():
            self._open = []
            behind = self._task if self._task is not None and not self._task.done() else None
            self._task = asyncio.create_task(self._commit(self._open, behind), name="quiz-answer-batch")
            self._task.add_done_callback(_retrieved)
        self._open.append(row)
        assert self._task is not None
        return self._task

    async def withdraw(self, row: AnswerRow) -> bool:
        """Take back a committed answer (see `withdraw_answer`)."""
        return await withdraw_answer(self.db, row)

    async def _commit(self, rows: list[AnswerRow], behind: asyncio.Task[None] | None) -> None:
        """Commit `rows` once the window has passed, or, when the batch began behind another one
        (the writer was busy), once that one is done: one commit at a time, in answer order."""
        if behind is None:
            await self._pause()
        else:
            await asyncio.wait((behind,))
        if self._open is rows:
            self._open = None  # later answers start the next batch
        try:
            await write_answers(self.db, rows)
        except Exception:
            log.exception("could not store %d quiz answers", len(rows))
            raise

    async def close(self) -> None:
        """Let the last batch finish (nothing acknowledged may be lost)."""
        if self._task is not None:
            await asyncio.gather(self._task, return_exceptions=True)


def _retrieved(task: asyncio.Task[None]) -> None:
    """A failed batch was logged by its task; its waiters may all have gone (a dropped click)."""
    if not task.cancelled():
        task.exception()


class QuizRepo:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def guild_timezone(self, guild_id: int) -> str:
        row = await self.db.fetchone("SELECT timezone FROM guild_settings WHERE guild_id = ?", (guild_id,))
        return row[0] if row else "UTC"

    async def create_round(
        self,
        *,
        guild_id: int,
        channel_id: int,
        started_by: int,
        topic: str | None,
        mode: str,
        question_count: int,
        seconds: int,
        started_at_ms: int,
        schedule_id: int | None = None,
    ) -> int | None:
        """Insert an active round; None when the channel already has one (the unique index says so)."""
        async with self.db.transaction() as tx:
            row = await tx.fetchone(
                "INSERT INTO quiz_rounds (guild_id, channel_id, started_by, topic, mode, question_count, seconds,"
                " started_at, schedule_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
                " ON CONFLICT DO NOTHING RETURNING id",
                (
                    guild_id,
                    channel_id,
                    started_by,
                    topic,
                    mode,
                    question_count,
                    seconds,
                    started_at_ms,
                    schedule_id,
                ),
            )
        return row[0] if row else None

    async def delete_round(self, round_id: int) -> None:
        """Delete a round that never started (its announcement failed): it has no answers yet."""
        await self.db.execute("DELETE FROM quiz_rounds WHERE id = ? AND status = 'active'", (round_id,))

    async def set_message(self, round_id: int, message_id: int) -> None:
        await self.db.execute("UPDATE quiz_rounds SET message_id = ? WHERE id = ?", (message_id, round_id))

    async def active_round_in(self, channel_id: int) -> ActiveRound | None:
        row = await self.db.fetchone(
            "SELECT id, guild_id, channel_id, message_id FROM quiz_rounds WHERE channel_id = ? AND status = 'active'",
            (channel_id,),
        )
        return ActiveRound(*row) if row else None

    async def finish_round(
        self,
        round_id: int,
        status: str,
        ended_at_ms: int,
        guild_id: int,
        players: Iterable[tuple[int, bool]],
        periods: tuple[str, ...],
    ) -> None:
        """Close the round and count it as played (and won) for each player, in one transaction."""
        players = list(players)
        async with self.db.transaction() as tx:
            await tx.execute(
                "UPDATE quiz_rounds SET status = ?, ended_at = ? WHERE id = ?", (status, ended_at_ms, round_id)
            )
            await tx.executemany(
                "INSERT INTO quiz_totals (guild_id, period, user_id, rounds_played, rounds_won) VALUES (?, ?, ?, 1, ?)"
                " ON CONFLICT (guild_id, period, user_id) DO UPDATE SET rounds_played = quiz_totals.rounds_played + 1,"
                " rounds_won = quiz_totals.rounds_won + excluded.rounds_won",
                sorted((guild_id, p, uid, int(won)) for uid, won in players for p in periods),  # see write_answers
            )

    async def interrupt_active_rounds(
        self, ended_at_ms: int, channel_id: int | None = None, *, shards: ShardPlan | None = None
    ) -> list[ActiveRound]:
        """Close rounds left active by a crash or restart (or only the one in `channel_id`, whose
        end could not be saved); their points stay on the leaderboard. `shards`: only the rounds
        of those shards' servers (the restarted process's own; other processes' rounds run on)."""
        only, params = shard_condition("guild_id", shards)
        async with self.db.transaction() as tx:
            rows = await tx.fetchall(
                "UPDATE quiz_rounds SET status = 'interrupted', ended_at = ? WHERE status = 'active'"
                f" AND (CAST(? AS BIGINT) IS NULL OR channel_id = ?){only}"
                " RETURNING id, guild_id, channel_id, message_id",
                (ended_at_ms, channel_id, channel_id, *params),
            )
        return [ActiveRound(*r) for r in rows]

    async def leaderboard(
        self, guild_id: int, period: str, sort: str, *, offset: int = 0, limit: int = 10
    ) -> list[TotalsRow]:
        """One page of a server's leaderboard for a period bucket; members with no answers are left out."""
        order = SORTS[sort]
        rows = await self.db.fetchall(
            "SELECT user_id, points, correct, answered, rounds_played, rounds_won FROM quiz_totals"
            f" WHERE guild_id = ? AND period = ? AND answered > 0 ORDER BY {order} LIMIT ? OFFSET ?",
            (guild_id, period, limit, offset),
        )
        return [TotalsRow(*r) for r in rows]

    async def standing_of(
        self, guild_id: int, period: str, sort: str, user_id: int
    ) -> tuple[int, TotalsRow] | None:
        """(rank, totals) of one member in a period, or None when they have not played in it."""
        row = await self.db.fetchone(
            "SELECT user_id, points, correct, answered, rounds_played, rounds_won FROM quiz_totals"
            " WHERE guild_id = ? AND period = ? AND user_id = ? AND answered > 0",
            (guild_id, period, user_id),
        )
        if row is None:
            return None
        mine = TotalsRow(*row)
        better = {
            "points": (
                "points > ? OR (points = ? AND (correct > ? OR (correct = ? AND user_id < ?)))",
                (mine.points, mine.points, mine.correct, mine.correct, user_id),
            ),
            "accuracy": (
                f"{_ACCURACY} > ? OR ({_ACCURACY} = ? AND (answered > ? OR (answered = ? AND user_id < ?)))",
                (mine.accuracy, mine.accuracy, mine.answered, mine.answered, user_id),
            ),
            "rounds_won": (
                "rounds_won > ? OR (rounds_won = ? AND (points > ? OR (points = ? AND user_id < ?)))",
                (mine.rounds_won, mine.rounds_won, mine.points, mine.points, user_id),
            ),
        }[sort]
        count = await self.db.fetchone(
            f"SELECT COUNT(*) FROM quiz_totals WHERE guild_id = ? AND period = ? AND answered > 0 AND ({better[0]})",
            (guild_id, period, *better[1]),
        )
        return count[0] + 1, mine

    async def count_players(self, guild_id: int, period: str) -> int:
        row = await self.db.fetchone(
            "SELECT COUNT(*) FROM quiz_totals WHERE guild_id = ? AND period = ? AND answered > 0",
            (guild_id, period),
        )
        return row[0]

    #: Per term: answers and misses of one server since an instant, in quizzes and practice tests.
    MISSED_TERMS_SQL = (
        "SELECT card_id, SUM(answers), SUM(misses) FROM ("
        " SELECT card_id, COUNT(*) AS answers, SUM(1 - correct) AS misses FROM quiz_answers"
        "  WHERE guild_id = ? AND answered_at >= ? GROUP BY card_id"
        " UNION ALL"
        " SELECT card_id, COUNT(*), SUM(CASE WHEN rating = 1 THEN 1 ELSE 0 END) FROM study_reviews"
        "  WHERE guild_id = ? AND source = 'test' AND reviewed_at >= ? GROUP BY card_id"
        ") AS both_sources GROUP BY card_id ORDER BY card_id"
    )

    async def missed_terms(self, guild_id: int, since_ms: int | None) -> list[TermRecord]:
        """Per term: the answers this server's members gave since `since_ms` (None = ever) in quiz
        rounds and practice tests (review-log rows of source 'test'; rating 1 = wrong) and how many
        were wrong. Served by quiz_answers_guild_time and the partial study_reviews_test_guild_time
        (migration 0008), which cover every column read: neither table is scanned."""
        since = 0 if since_ms is None else since_ms
        rows = await self.db.fetchall(self.MISSED_TERMS_SQL, (guild_id, since, guild_id, since))
        return [TermRecord(card_id, int(answers), int(misses)) for card_id, answers, misses in rows]

    async def member_totals(self, user_id: int) -> tuple[int, int]:
        """(answered, correct) of one member's quiz answers across every server."""
        row = await self.db.fetchone(
            "SELECT COALESCE(SUM(answered), 0), COALESCE(SUM(correct), 0) FROM quiz_totals"
            " WHERE user_id = ? AND period = 'all'",
            (user_id,),
        )
        return row[0], row[1]
