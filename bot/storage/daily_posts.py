"""The daily term's posts: one row per server and local date (table `daily_posts`, migration 0004).

The row is the promise "never twice a day". It is inserted (claimed) and committed BEFORE the
send, and only a claim lets a send go out:
- a new date, or a 'failed' row (Discord refused the send: nothing was posted), is claimed with
  `attempts + 1`, up to `DAILY_MAX_ATTEMPTS`;
- a 'pending' row without `last_error` is a send in flight, or one a crash interrupted: it is
  never claimed again (a missed day is better than a duplicate);
- a 'pending' row WITH `last_error` is an unconfirmed send (a time-out or 5xx: the message may
  exist). It is claimed again only while `claimed_at`, the start of the first unconfirmed send,
  is within `NONCE_WINDOW`: the resend carries the day's nonce and Discord drops a copy only for
  a few minutes. Its `claimed_at` is kept, so the window never slides.
Times in and out are aware datetimes, stored as integer epoch seconds.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, date, datetime

from bot.core.schedule import DAILY_MAX_ATTEMPTS, NONCE_WINDOW, DailyPost, TermPick
from bot.storage.database import Database


class ScheduleChanges:
    """How many times this process changed a schedule row (a daily term, a quiz schedule, a zone).

    The scheduler reads it to skip idle ticks without asking the database: nothing can fall due
    before the earliest `next_run_at` it last read unless a schedule changed since. Every process
    acts only for its own servers, whose commands reach it, so its own count is the one to watch.
    """

    count = 0


@asynccontextmanager
async def schedule_write(db: Database) -> AsyncIterator:
    """A transaction that changes schedule rows; counted in `ScheduleChanges` once committed."""
    async with db.transaction() as tx:
        yield tx
    ScheduleChanges.count += 1


def epoch(moment: datetime) -> int:
    """Whole epoch seconds of an aware datetime, as the schedule tables store times."""
    if moment.tzinfo is None:
        raise ValueError("times must be timezone-aware (UTC)")
    return int(moment.timestamp())


def from_epoch(seconds: int | None) -> datetime | None:
    """The aware UTC datetime of stored epoch seconds (None stays None)."""
    return None if seconds is None else datetime.fromtimestamp(seconds, UTC)


# The ON CONFLICT branch of a claim: which existing rows may be sent again (see the module notes).
_RECLAIM = (
    " ON CONFLICT (guild_id, local_date) DO UPDATE SET term_id = excluded.term_id,"
    " claimed_at = CASE WHEN daily_posts.status = 'pending' THEN daily_posts.claimed_at"
    " ELSE excluded.claimed_at END,"
    " status = 'pending', attempts = daily_posts.attempts + 1, last_error = NULL"
    " WHERE daily_posts.attempts < ? AND (daily_posts.status = 'failed'"
    " OR (daily_posts.status = 'pending' AND daily_posts.last_error IS NOT NULL AND daily_posts.claimed_at >= ?))"
)


class DailyPosts:
    """SQL for the daily term's posts over the bot's `Database`."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def claim_daily_post(
        self, guild_id: int, local_date: date, term_id: str, now: datetime, *, rotation: TermPick | None = None
    ) -> bool:
        """Take today's post before sending it. True: send `term_id` now. False: this local date is sent, being sent, given up after
        `DAILY_MAX_ATTEMPTS`, or unconfirmed for longer than `NONCE_WINDOW`.

        A 'failed' or recently unconfirmed row is claimed again (attempts + 1), so the caller
        retries within the same local day; pass the earlier post's term (see `unsent_today`).
        `rotation`, if given, is stored in the same transaction, so the rotation advances exactly
        when a term is claimed.
        """
        stamp = epoch(now)
        async with schedule_write(self.db) as tx:
            claimed = bool(
                await tx.fetchall(
                    "INSERT INTO daily_posts (guild_id, local_date, term_id, status, created_at, claimed_at)"
                    " VALUES (?, ?, ?, 'pending', ?, ?)" + _RECLAIM + " RETURNING attempts",
                    (
                        guild_id,
                        local_date.isoformat(),
                        term_id,
                        stamp,
                        stamp,
                        DAILY_MAX_ATTEMPTS,
                        epoch(now - NONCE_WINDOW),
                    ),
                )
            )
            if claimed and rotation is not None:
                await tx.execute(
                    "UPDATE daily_settings SET rotation_order = ?, rotation_pos = ?, updated_at = ? WHERE guild_id = ?",
                    (json.dumps(rotation.order), rotation.position, stamp, guild_id),
                )
        return claimed

    async def mark_sent(
        self, guild_id: int, local_date: date, message_id: int, now: datetime, next_run_at: datetime
    ) -> None:
        """Record the sent message, and that this date is posted; the loop looks again at
        `next_run_at` (tomorrow's slot: `next_daily_run(now, zone, post_time, local_date)`)."""
        async with schedule_write(self.db) as tx:
            await tx.execute(
                "UPDATE daily_posts SET status = 'sent', message_id = ?, sent_at = ?, last_error = NULL"
                " WHERE guild_id = ? AND local_date = ?",
                (message_id, epoch(now), guild_id, local_date.isoformat()),
            )
            await tx.execute(
                "UPDATE daily_settings SET last_posted_date = CASE WHEN last_posted_date IS NULL"
                " OR last_posted_date < ? THEN ? ELSE last_posted_date END,"
                " next_run_at = ?, updated_at = ? WHERE guild_id = ?",
                (local_date.isoformat(), local_date.isoformat(), epoch(next_run_at), epoch(now), guild_id),
            )

    async def mark_failed(
        self,
        guild_id: int,
        local_date: date,
        error: str,
        now: datetime,
        retry_at: datetime,
        pause_reason: str | None = None,
        *,
        unsure: bool = False,
    ) -> None:
        """Record a failed send. The loop looks again at `retry_at` (`daily_retry_at(...)`: later
        today, or tomorrow once today is given up); `pause_reason` also pauses the daily term
        (e.g. "channel deleted") until a teacher resumes it. `unsure`: the message may have been
        posted (a time-out or 5xx, or any failure of a resend of such a post): the row stays
        'pending' with the error, resendable only within `NONCE_WINDOW` of its first send."""
        async with schedule_write(self.db) as tx:
            await tx.execute(
                "UPDATE daily_posts SET status = ?, last_error = ? WHERE guild_id = ? AND local_date = ?",
                ("pending" if unsure else "failed", error[:500], guild_id, local_date.isoformat()),
            )
            await tx.execute(
                "UPDATE daily_settings SET next_run_at = ?, paused_reason = COALESCE(?, paused_reason),"
                " updated_at = ? WHERE guild_id = ?",
                (epoch(retry_at), pause_reason, epoch(now), guild_id),
            )

    async def unsent_today(self, guild_id: int, local_date: date) -> DailyPost | None:
        """The server's post for `local_date` if it exists and is not sent (pending or failed),
        e.g. to resend the same term, or to show a teacher why today's post is missing."""
        row = await self.db.fetchone(
            "SELECT guild_id, local_date, term_id, status, message_id, created_at, sent_at, attempts, last_error,"
            " claimed_at FROM daily_posts WHERE guild_id = ? AND local_date = ? AND status != 'sent'",
            (guild_id, local_date.isoformat()),
        )
        if row is None:
            return None
        day, created, sent, claimed = (
            date.fromisoformat(row[1]),
            from_epoch(row[5]),
            from_epoch(row[6]),
            from_epoch(row[9]),
        )
        return DailyPost(row[0], day, row[2], row[3], row[4], created, sent, row[7], row[8], claimed)
