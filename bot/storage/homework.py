"""Assignments, each student's progress on them, and their reminders (migration 0011).

Progress is kept by triggers (see the migration): a review, a finished practice test or a term
learned in /learn adds to `assignment_work` in the same transaction, for the server's open
assignments it counts for. So reading a class's progress reads one row per student who started.

Reminders are claimed before they are sent (`claim_reminder`), as the daily term's post is: a
reminder goes out at most once, even across a crash or two processes. Times are aware datetimes,
stored as epoch milliseconds.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from bot.core.errors import BadInput
from bot.core.homework import Assignment, Kind, Progress, check_open_limit, standing
from bot.core.shards import ShardPlan
from bot.storage.database import Database
from bot.storage.shards import only_shards, shard_condition

_COLUMNS = (
    "id, guild_id, kind, goal, topic, questions, created_at, due_at, channel_id, created_by, closed_at,"
    " number, message_id, reminder, reminder_note"
)


def _ms(at: datetime) -> int:
    if at.tzinfo is None:
        raise ValueError("times must be timezone-aware")
    return int(at.timestamp() * 1000)


def _at(ms: int | None) -> datetime | None:
    return None if ms is None else datetime.fromtimestamp(ms / 1000, UTC)


def _assignment(row) -> Assignment:
    (aid, guild_id, kind, goal, topic, questions, created, due, channel_id, created_by, closed,
     number, message_id, reminder, note) = row  # fmt: skip
    return Assignment(
        aid, guild_id, Kind(kind), goal, topic, questions, _at(created), _at(due), channel_id, created_by,
        _at(closed), number, message_id, reminder, note,
    )  # fmt: skip


class HomeworkChanges:
    """How many times this process created, closed or removed an assignment. The reminder loop
    reads it to skip idle ticks without asking the database: no reminder falls due before the
    earliest one it last read unless an assignment changed since (and a server's commands reach the
    process that looks after it, as the scheduler's `ScheduleChanges` explains)."""

    count = 0


@dataclass(frozen=True, slots=True)
class Tally:
    """A student's figures on one assignment, as the triggers keep them."""

    value: int
    first_at: datetime
    done_at: datetime | None


def progress_from(assignment: Assignment, tally: Tally | None, now: datetime) -> Progress:
    """A student's progress on `assignment` from their stored figures (None: nothing counted yet)."""
    if tally is None:
        return standing(assignment, 0, None, False, now)
    return standing(assignment, tally.value, tally.done_at, True, now)


class HomeworkStore:
    """The assignment tables of one `Database`. Every method is a coroutine.

    `shards` limits what the reminder loop's queries (`due_reminders`, `next_reminder_at`) see to
    the servers of those shards: the process that runs them. None: all.
    """

    def __init__(self, db: Database, shards: ShardPlan | None = None) -> None:
        self.db = db
        self._due = only_shards(self.DUE_REMINDERS_SQL, "guild_id", shards)
        only, params = shard_condition("guild_id", shards)
        self._next = (f"SELECT MIN(remind_at) FROM assignments WHERE reminder IS NULL{only}", params)

    # -- assignments ---------------------------------------------------------------------

    async def create(
        self,
        guild_id: int,
        *,
        kind: Kind,
        goal: int,
        topic: str | None,
        questions: int | None,
        channel_id: int,
        created_by: int,
        now: datetime,
        due_at: datetime,
        remind_at: datetime | None,
        cards: Collection[str] = (),
    ) -> Assignment:
        """Store a new open assignment with the server's next number; `cards` are the cards of its
        topic that count (review and learn assignments on a topic). Raises `BadInput` when the
        server already has the most open assignments it may have."""
        async with self.db.transaction() as tx:
            await tx.lock(f"assignments:{guild_id}")  # the count and the number, one at a time
            row = await tx.fetchone(
                "SELECT COUNT(*) FROM assignments WHERE guild_id = ? AND closed_at IS NULL", (guild_id,)
            )
            check_open_limit(int(row[0]))
            row = await tx.fetchone(
                "INSERT INTO assignment_numbers (guild_id, last_number) VALUES (?, 1) ON CONFLICT (guild_id)"
                " DO UPDATE SET last_number = assignment_numbers.last_number + 1 RETURNING last_number",
                (guild_id,),
            )
            number = int(row[0])
            aid = await tx.insert(
                "INSERT INTO assignments (guild_id, number, kind, goal, topic, questions, channel_id, created_by,"
                " created_at, due_at, remind_at, reminder) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (guild_id, number, kind.value, goal, topic, questions, channel_id, created_by, _ms(now),
                 _ms(due_at), None if remind_at is None else _ms(remind_at), None if remind_at else "none"),
            )  # fmt: skip
            if topic is not None and cards:
                await tx.executemany(
                    "INSERT INTO assignment_terms (assignment_id, term_id) VALUES (?, ?)",
                    [(aid, card) for card in dict.fromkeys(cards)],
                )
            row = await tx.fetchone(f"SELECT {_COLUMNS} FROM assignments WHERE id = ?", (aid,))
        HomeworkChanges.count += 1
        return _assignment(row)

    async def set_message(self, assignment_id: int, message_id: int) -> None:
        """Remember the announcement (to mark it closed or removed later)."""
        await self.db.execute("UPDATE assignments SET message_id = ? WHERE id = ?", (message_id, assignment_id))

    async def drop(self, assignment_id: int) -> None:
        """Delete an assignment whose announcement never went out: nobody was told about it."""
        await self.db.execute("DELETE FROM assignments WHERE id = ?", (assignment_id,))

    async def by_id(self, assignment_id: int) -> Assignment | None:
        row = await self.db.fetchone(f"SELECT {_COLUMNS} FROM assignments WHERE id = ?", (assignment_id,))
        return None if row is None else _assignment(row)

    async def get(self, guild_id: int, number: int) -> Assignment:
        """Assignment #`number` of the server; BadInput when there is none."""
        row = await self.db.fetchone(
            f"SELECT {_COLUMNS} FROM assignments WHERE guild_id = ? AND number = ?", (guild_id, number)
        )
        if row is None:
            raise BadInput(f"This server has no assignment #{number}. `/assign list` shows them.")
        return _assignment(row)

    async def open_in(self, guild_id: int) -> list[Assignment]:
        """The server's open assignments, soonest due first."""
        rows = await self.db.fetchall(
            f"SELECT {_COLUMNS} FROM assignments WHERE guild_id = ? AND closed_at IS NULL ORDER BY due_at, number",
            (guild_id,),
        )
        return [_assignment(r) for r in rows]

    async def all_in(self, guild_id: int, *, due_since: datetime | None = None) -> list[Assignment]:
        """The server's assignments in number order: all, or those due since `due_since` plus every
        open one (what a report of a period covers)."""
        since = 0 if due_since is None else _ms(due_since)
        rows = await self.db.fetchall(
            f"SELECT {_COLUMNS} FROM assignments WHERE guild_id = ? AND (due_at >= ? OR closed_at IS NULL)"
            " ORDER BY number",
            (guild_id, since),
        )
        return [_assignment(r) for r in rows]

    async def close(self, guild_id: int, number: int, now: datetime) -> Assignment:
        """Close an open assignment (work stops counting; a reminder not yet sent is dropped).
        BadInput when there is no such assignment or it is closed already."""
        async with self.db.transaction() as tx:
            rows = await tx.fetchall(
                "UPDATE assignments SET closed_at = ?, reminder = CASE WHEN reminder IS NULL THEN 'skipped'"
                " ELSE reminder END, reminder_note = CASE WHEN reminder IS NULL THEN 'closed before the reminder'"
                " ELSE reminder_note END WHERE guild_id = ? AND number = ? AND closed_at IS NULL RETURNING id",
                (_ms(now), guild_id, number),
            )
            if not rows:
                exists = await tx.fetchone(
                    "SELECT 1 FROM assignments WHERE guild_id = ? AND number = ?", (guild_id, number)
                )
                raise BadInput(
                    f"Assignment #{number} is closed already."
                    if exists
                    else f"This server has no assignment #{number}."
                )
            row = await tx.fetchone(f"SELECT {_COLUMNS} FROM assignments WHERE id = ?", (rows[0][0],))
        HomeworkChanges.count += 1
        return _assignment(row)

    async def remove(self, guild_id: int, assignment_id: int) -> bool:
        """Delete an assignment with its students' progress; False when it was gone already."""
        removed = await self.db.execute(
            "DELETE FROM assignments WHERE guild_id = ? AND id = ?", (guild_id, assignment_id)
        )
        HomeworkChanges.count += 1
        return bool(removed)

    # -- progress ------------------------------------------------------------------------

    async def work(
        self, assignment_ids: Sequence[int], user_id: int | None = None
    ) -> dict[tuple[int, int], Tally]:
        """(assignment id, user id) -> figures, for the students who have work counted on these
        assignments (only `user_id`'s when given)."""
        if not assignment_ids:
            return {}
        marks = ", ".join("?" * len(assignment_ids))
        only = "" if user_id is None else " AND user_id = ?"
        rows = await self.db.fetchall(
            f"SELECT assignment_id, user_id, value, first_at, done_at FROM assignment_work"
            f" WHERE assignment_id IN ({marks}){only}",
            (*assignment_ids, *(() if user_id is None else (user_id,))),
        )
        return {(aid, uid): Tally(value, _at(first), _at(done)) for aid, uid, value, first, done in rows}

    async def finished(self, assignment_id: int) -> int:
        """How many students have reached the goal (a count, never who)."""
        row = await self.db.fetchone(
            "SELECT COUNT(*) FROM assignment_work WHERE assignment_id = ? AND done_at IS NOT NULL",
            (assignment_id,),
        )
        return int(row[0])

    # -- reminders -----------------------------------------------------------------------

    #: The loop's query: reminders still to send whose time has come (the partial index only).
    DUE_REMINDERS_SQL = (
        f"SELECT {_COLUMNS} FROM assignments WHERE reminder IS NULL AND remind_at <= ? ORDER BY remind_at LIMIT ?"
    )

    async def due_reminders(self, now: datetime, limit: int = 50) -> list[Assignment]:
        """Reminders to send now (oldest first), at most `limit`."""
        sql, shards = self._due
        rows = await self.db.fetchall(sql, (_ms(now), *shards, limit))
        return [_assignment(r) for r in rows]

    async def next_reminder_at(self) -> datetime | None:
        """When the next reminder of this store's shards falls due (None: none waiting)."""
        row = await self.db.fetchone(*self._next)
        return _at(row[0]) if row and row[0] is not None else None

    async def claim_reminder(self, assignment_id: int) -> bool:
        """Take a reminder before sending it: True once, for one caller; False when it was taken,
        sent, skipped, or the assignment closed or removed meanwhile."""
        return bool(
            await self.db.execute(
                "UPDATE assignments SET reminder = 'pending' WHERE id = ? AND reminder IS NULL AND closed_at IS NULL",
                (assignment_id,),
            )
        )

    async def reminder_done(self, assignment_id: int, status: str, note: str | None = None) -> None:
        """Record how a claimed (or skipped) reminder ended: 'sent', 'failed' or 'skipped', with why."""
        if status not in ("sent", "failed", "skipped"):
            raise ValueError(f"unknown reminder status {status!r}")
        await self.db.execute(
            "UPDATE assignments SET reminder = ?, reminder_note = ? WHERE id = ?",
            (status, None if note is None else note[:300], assignment_id),
        )
