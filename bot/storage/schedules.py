"""Schedule storage: server time zones, the daily term and scheduled quizzes (migration 0004); the
daily term's posts, one per server and local date, are in `bot.storage.daily_posts`.

Built for one scheduler loop for all servers that ticks every ~30 s: each row keeps the UTC epoch
second of its next slot (`next_run_at`) in a partial index that holds active rows only, so
`due_daily(now)` and `due_quiz_schedules(now)` cost one index probe plus the due rows, however many
servers exist. Every write that decides "this slot is taken" commits BEFORE anything is posted:
- the daily term inserts the (server, local date) row first (`claim_daily_post`), so a day can
  never be posted twice, even across a crash (see `bot.storage.daily_posts`);
- a quiz slot is taken with a compare-and-set on the old `next_run_at` (`advance_quiz_schedule`),
  so two overlapping ticks cannot both start it.

Quiz schedules carry a per-server `number` (#1, #2 ...) that teachers see and type; it is
max + 1 within the server, so a number is not reused while a higher one exists. The global `id`
is internal (the loop, quiz_rounds.schedule_id). Times in and out are aware datetimes; they are
stored as integer epoch seconds.
"""

from __future__ import annotations

import json
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from bot.core.schedule import (
    DailySettings,
    QuizSchedule,
    UnknownSchedule,
    check_schedule_limit,
    days_to_mask,
    format_time,
    load_zone,
    mask_to_days,
    next_daily_run,
    next_run,
)
from bot.core.shards import ShardPlan
from bot.storage.daily_posts import DailyPosts, epoch, from_epoch, schedule_write
from bot.storage.shards import only_shards, shard_condition


def _hm(text: str) -> time:
    return time.fromisoformat(text)


_DAILY_COLS = (
    "d.guild_id, d.channel_id, d.post_time, d.topic, d.enabled, d.paused_reason, d.next_run_at,"
    " d.last_posted_date, d.rotation_order, d.rotation_pos, COALESCE(g.timezone, 'UTC')"
)
_DAILY_FROM = "FROM daily_settings d LEFT JOIN guild_settings g ON g.guild_id = d.guild_id"
_QUIZ_COLS = (
    "q.id, q.guild_id, q.number, q.channel_id, q.days, q.time, q.questions, q.topic, q.mode, q.seconds,"
    " q.paused, q.paused_reason, q.created_by, q.next_run_at, q.last_run_at, COALESCE(g.timezone, 'UTC')"
)
_QUIZ_FROM = "FROM quiz_schedules q LEFT JOIN guild_settings g ON g.guild_id = q.guild_id"
# The due queries repeat the partial indexes' WHERE terms word for word: SQLite uses a partial
# index only when the query's WHERE implies the index's.
DUE_DAILY_SQL = (
    f"SELECT {_DAILY_COLS} {_DAILY_FROM}"
    " WHERE d.enabled = 1 AND d.paused_reason IS NULL AND d.next_run_at <= ? ORDER BY d.next_run_at LIMIT ?"
)
_INSERT_QUIZ = (
    "INSERT INTO quiz_schedules (guild_id, number, channel_id, days, time, questions, topic, mode, seconds,"
    " created_by, created_at, next_run_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id"
)
DUE_QUIZ_SQL = (
    f"SELECT {_QUIZ_COLS} {_QUIZ_FROM} WHERE q.paused = 0 AND q.next_run_at <= ? ORDER BY q.next_run_at LIMIT ?"
)
_NEXT_DUE_SQL = (
    "SELECT MIN(t) FROM (SELECT MIN(next_run_at) AS t FROM quiz_schedules WHERE paused = 0{quiz}"
    " UNION ALL SELECT MIN(next_run_at) FROM daily_settings WHERE enabled = 1 AND paused_reason IS NULL{daily})"
    " AS due"
)


def _daily(row) -> DailySettings:
    last = date.fromisoformat(row[7]) if row[7] else None
    order = list(json.loads(row[8]))
    return DailySettings(
        row[0], row[1], _hm(row[2]), row[3], bool(row[4]), row[5], from_epoch(row[6]), last, order, *row[9:]
    )


def _quiz(row) -> QuizSchedule:
    days, at, paused = mask_to_days(row[4]), _hm(row[5]), bool(row[10])
    return QuizSchedule(
        *row[:4], days, at, *row[6:10], paused, *row[11:13], from_epoch(row[13]), from_epoch(row[14]), row[15]
    )


class ScheduleStore(DailyPosts):
    """SQL for schedules over the bot's `Database` (the daily term's posts: `DailyPosts`).
    Methods never touch Discord.

    `shards` limits what the scheduler's queries (`due_daily`, `due_quiz_schedules`,
    `next_due_at`) see to the servers of those shards: the process that runs them. None: all.
    """

    def __init__(self, db, shards: ShardPlan | None = None) -> None:
        super().__init__(db)
        self._due_daily = only_shards(DUE_DAILY_SQL, "d.guild_id", shards)
        self._due_quiz = only_shards(DUE_QUIZ_SQL, "q.guild_id", shards)
        quiz, quiz_params = shard_condition("guild_id", shards)
        daily, daily_params = shard_condition("guild_id", shards)
        self._next_due = (_NEXT_DUE_SQL.format(quiz=quiz, daily=daily), quiz_params + daily_params)

    # --- server time zone -------------------------------------------------------------------

    async def get_timezone(self, guild_id: int) -> ZoneInfo:
        """The server's zone (UTC until a teacher sets one)."""
        row = await self.db.fetchone("SELECT timezone FROM guild_settings WHERE guild_id = ?", (guild_id,))
        return load_zone(row[0] if row else None)

    async def set_timezone(self, guild_id: int, zone: ZoneInfo, now: datetime) -> None:
        """Set the server's zone and move its daily term and quiz schedules to their next local
        slots in the new zone, all in one transaction (no immediate catch-up post)."""
        stamp = epoch(now)
        async with schedule_write(self.db) as tx:
            await tx.execute(
                "INSERT INTO guild_settings (guild_id, timezone, updated_at) VALUES (?, ?, ?)"
                " ON CONFLICT (guild_id) DO UPDATE SET timezone = excluded.timezone, updated_at = excluded.updated_at",
                (guild_id, zone.key, stamp),
            )
            daily = await tx.fetchone(
                "SELECT post_time, last_posted_date FROM daily_settings WHERE guild_id = ?", (guild_id,)
            )
            if daily:
                last = date.fromisoformat(daily[1]) if daily[1] else None
                nxt = next_daily_run(now, zone, _hm(daily[0]), last, catch_up=False)
                await tx.execute(
                    "UPDATE daily_settings SET next_run_at = ?, updated_at = ? WHERE guild_id = ?",
                    (epoch(nxt), stamp, guild_id),
                )
            quizzes = await tx.fetchall(
                "SELECT id, days, time FROM quiz_schedules WHERE guild_id = ?", (guild_id,)
            )
            for schedule_id, mask, at in quizzes:
                nxt = next_run(mask_to_days(mask), _hm(at), zone, now)
                await tx.execute(
                    "UPDATE quiz_schedules SET next_run_at = ? WHERE id = ?", (epoch(nxt), schedule_id)
                )

    # --- daily term: settings ---------------------------------------------------------------

    async def get_daily(self, guild_id: int) -> DailySettings | None:
        """The server's daily-term settings, or None if it never set one up."""
        row = await self.db.fetchone(f"SELECT {_DAILY_COLS} {_DAILY_FROM} WHERE d.guild_id = ?", (guild_id,))
        return _daily(row) if row else None

    async def set_daily(
        self, guild_id: int, channel_id: int, post_time: time, topic: str | None, now: datetime
    ) -> DailySettings:
        """Turn the daily term on (or change it). The first post goes out at the next local
        `post_time`, not at once; a new topic starts a new rotation. Clears any pause."""
        zone = await self.get_timezone(guild_id)
        current = await self.get_daily(guild_id)
        last = current.last_posted_date if current else None
        nxt = epoch(next_daily_run(now, zone, post_time, last, catch_up=False))
        async with schedule_write(self.db) as tx:
            await tx.execute(
                "INSERT INTO daily_settings (guild_id, channel_id, post_time, topic, enabled, paused_reason,"
                " next_run_at, updated_at) VALUES (?, ?, ?, ?, 1, NULL, ?, ?)"
                " ON CONFLICT (guild_id) DO UPDATE SET channel_id = excluded.channel_id,"
                " post_time = excluded.post_time, enabled = 1, paused_reason = NULL,"
                " next_run_at = excluded.next_run_at, updated_at = excluded.updated_at,"
                " rotation_order = CASE WHEN daily_settings.topic IS NOT DISTINCT FROM excluded.topic"
                " THEN daily_settings.rotation_order ELSE '[]' END,"
                " rotation_pos = CASE WHEN daily_settings.topic IS NOT DISTINCT FROM excluded.topic"
                " THEN daily_settings.rotation_pos ELSE 0 END,"
                " topic = excluded.topic",
                (guild_id, channel_id, format_time(post_time), topic, nxt, epoch(now)),
            )
        return await self.get_daily(guild_id)

    async def disable_daily(self, guild_id: int, now: datetime) -> bool:
        """A teacher turns the daily term off; False if it was not set up."""
        return await self._update_daily(guild_id, "enabled = 0", (), now)

    async def pause_daily(self, guild_id: int, reason: str, now: datetime) -> bool:
        """The bot stops posting until a teacher fixes things (`reason` says what, e.g.
        "missing permission to post"); False if the server has no daily term."""
        return await self._update_daily(guild_id, "paused_reason = ?", (reason,), now)

    async def resume_daily(self, guild_id: int, now: datetime) -> bool:
        """Clear a pause and turn the daily term on; it posts next at the next local post time."""
        settings = await self.get_daily(guild_id)
        if settings is None:
            return False
        nxt = next_daily_run(now, settings.zone, settings.post_time, settings.last_posted_date, catch_up=False)
        return await self._update_daily(
            guild_id, "enabled = 1, paused_reason = NULL, next_run_at = ?", (epoch(nxt),), now
        )

    async def reschedule_daily(self, guild_id: int, next_run_at: datetime, now: datetime) -> bool:
        """Store when the loop should look at this server again (e.g. `next_daily_run(...)`)."""
        return await self._update_daily(guild_id, "next_run_at = ?", (epoch(next_run_at),), now)

    async def _update_daily(self, guild_id: int, assignments: str, params: tuple, now: datetime) -> bool:
        async with schedule_write(self.db) as tx:
            changed = await tx.execute(
                f"UPDATE daily_settings SET {assignments}, updated_at = ? WHERE guild_id = ?",
                (*params, epoch(now), guild_id),
            )
        return bool(changed)

    async def due_daily(self, now: datetime, limit: int = 500) -> list[DailySettings]:
        """Active servers whose `next_run_at` has come, oldest first (at most `limit`).
        Check each with `daily_due`: a due row is a reason to look, not proof a post is owed."""
        sql, shards = self._due_daily
        rows = await self.db.fetchall(sql, (epoch(now), *shards, limit))
        return [_daily(r) for r in rows]

    # --- scheduled quizzes ------------------------------------------------------------------

    async def add_quiz_schedule(
        self,
        guild_id: int,
        channel_id: int,
        days: frozenset[int],
        local_time: time,
        *,
        questions: int,
        topic: str | None,
        mode: str,
        seconds: int,
        created_by: int,
        now: datetime,
    ) -> QuizSchedule:
        """Add a weekly quiz; its first slot is the next one after `now`. Raises `BadInput` when
        the server already has `MAX_QUIZ_SCHEDULES` (checked inside the write transaction)."""
        zone = await self.get_timezone(guild_id)
        first = epoch(next_run(days, local_time, zone, now))
        async with schedule_write(self.db) as tx:
            # The count and the next number hold across processes sharing a PostgreSQL database.
            await tx.lock(f"quiz-schedules:{guild_id}")
            count, highest = await tx.fetchone(
                "SELECT COUNT(*), COALESCE(MAX(number), 0) FROM quiz_schedules WHERE guild_id = ?", (guild_id,)
            )
            check_schedule_limit(count)
            place = (guild_id, highest + 1, channel_id, days_to_mask(days), format_time(local_time))
            rest = (questions, topic, mode, seconds, created_by, epoch(now), first)
            (new_id,) = await tx.fetchone(_INSERT_QUIZ, place + rest)
        return await self._quiz_by_id(new_id)

    async def list_quiz_schedules(self, guild_id: int) -> list[QuizSchedule]:
        """The server's quiz schedules (at most 25), by number."""
        rows = await self.db.fetchall(
            f"SELECT {_QUIZ_COLS} {_QUIZ_FROM} WHERE q.guild_id = ? ORDER BY q.number", (guild_id,)
        )
        return [_quiz(r) for r in rows]

    async def get_quiz_schedule(self, guild_id: int, number: int) -> QuizSchedule:
        """Schedule #`number` of the server; raises `UnknownSchedule` (a `BadInput`)."""
        row = await self.db.fetchone(
            f"SELECT {_QUIZ_COLS} {_QUIZ_FROM} WHERE q.guild_id = ? AND q.number = ?", (guild_id, number)
        )
        if row is None:
            raise UnknownSchedule(number)
        return _quiz(row)

    async def _quiz_by_id(self, schedule_id: int) -> QuizSchedule:
        row = await self.db.fetchone(f"SELECT {_QUIZ_COLS} {_QUIZ_FROM} WHERE q.id = ?", (schedule_id,))
        return _quiz(row)

    async def pause_quiz_schedule(self, guild_id: int, number: int, reason: str | None = None) -> QuizSchedule:
        """Pause schedule #`number` (a teacher: no reason; the bot: e.g. "channel deleted")."""
        await self._update_quiz(guild_id, number, "paused = 1, paused_reason = ?", (reason,))
        return await self.get_quiz_schedule(guild_id, number)

    async def resume_quiz_schedule(self, guild_id: int, number: int, now: datetime) -> QuizSchedule:
        """Resume schedule #`number` from its next slot after `now` (missed slots are not run)."""
        schedule = await self.get_quiz_schedule(guild_id, number)
        nxt = epoch(next_run(schedule.days, schedule.local_time, schedule.zone, now))
        await self._update_quiz(guild_id, number, "paused = 0, paused_reason = NULL, next_run_at = ?", (nxt,))
        return await self.get_quiz_schedule(guild_id, number)

    async def remove_quiz_schedule(self, guild_id: int, number: int) -> QuizSchedule:
        """Delete schedule #`number`, returning what was removed (for the confirmation)."""
        schedule = await self.get_quiz_schedule(guild_id, number)
        await self._update_quiz(guild_id, number, None, ())
        return schedule

    async def _update_quiz(self, guild_id: int, number: int, assignments: str | None, params: tuple) -> None:
        sql = (
            f"UPDATE quiz_schedules SET {assignments} WHERE guild_id = ? AND number = ?"
            if assignments
            else "DELETE FROM quiz_schedules WHERE guild_id = ? AND number = ?"
        )
        async with schedule_write(self.db) as tx:
            if not await tx.execute(sql, (*params, guild_id, number)):
                raise UnknownSchedule(number)

    async def pause_channel(self, channel_id: int, reason: str, now: datetime) -> int:
        """Pause the daily term and every quiz schedule posting in `channel_id` (e.g. the
        channel was deleted); returns how many were paused."""
        async with schedule_write(self.db) as tx:
            count = await tx.execute(
                "UPDATE daily_settings SET paused_reason = ?, updated_at = ? WHERE channel_id = ?",
                (reason, epoch(now), channel_id),
            )
            count += await tx.execute(
                "UPDATE quiz_schedules SET paused = 1, paused_reason = ? WHERE channel_id = ? AND paused = 0",
                (reason, channel_id),
            )
        return count

    async def next_due_at(self) -> datetime | None:
        """The earliest `next_run_at` of any active daily term or quiz schedule of this store's
        shards (None: none at all). Two probes of the partial indexes the due queries use."""
        row = await self.db.fetchone(*self._next_due)
        return from_epoch(row[0])

    async def due_quiz_schedules(self, now: datetime, limit: int = 500) -> list[QuizSchedule]:
        """Unpaused quiz schedules whose slot has come, oldest first (at most `limit`)."""
        sql, shards = self._due_quiz
        rows = await self.db.fetchall(sql, (epoch(now), *shards, limit))
        return [_quiz(r) for r in rows]

    async def advance_quiz_schedule(
        self, schedule_id: int, expected_next_run_at: datetime, next_run_at: datetime
    ) -> bool:
        """Take the slot `expected_next_run_at` and move the schedule to `next_run_at`; commit
        before the quiz starts. A compare-and-set: False if the stored slot is no longer the
        expected one (another tick took it, or a teacher changed the schedule): then do nothing."""
        expected = epoch(expected_next_run_at)
        async with schedule_write(self.db) as tx:
            taken = await tx.execute(
                "UPDATE quiz_schedules SET next_run_at = ?, last_run_at = ? WHERE id = ? AND next_run_at = ?",
                (epoch(next_run_at), expected, schedule_id, expected),
            )
        return bool(taken)
