"""Scheduler tick: the two due queries over 1,000 / 10,000 servers and 0 .. 1,000 due schedules.

Each server has a time zone, a daily term and 3 quiz schedules, in a real SQLite file (WAL), read
through `ScheduleStore` exactly as the loop does. The same queries forced to scan the table
(`NOT INDEXED`) show what the partial indexes save: a scan grows with the servers, the indexed
tick only with the due rows.
"""

from __future__ import annotations

import asyncio
import random
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from bot.storage.database import Database
from bot.storage.schedules import DUE_DAILY_SQL, DUE_QUIZ_SQL, ScheduleStore
from tests.bench.common import Row, percentiles

NOW = datetime(2026, 6, 1, 12, tzinfo=UTC)
QUIZZES_PER_SERVER = 3
ZONES = ("America/New_York", "America/Chicago", "Europe/London", "Asia/Kolkata", "Australia/Adelaide", "UTC")


async def _close(statement) -> None:
    await statement  # a storage transaction's call leaves no cursor open


async def _seed(db: Database, servers: int) -> None:
    """Servers whose every schedule is 1 minute .. 7 days in the future (nothing due)."""
    rng = random.Random(servers)
    now = int(NOW.timestamp())
    future = lambda: now + rng.randrange(60, 7 * 86400)  # noqa: E731
    async with db.transaction() as conn:
        await _close(
            conn.executemany(
                "INSERT INTO guild_settings (guild_id, timezone, updated_at) VALUES (?, ?, ?)",
                [(g, rng.choice(ZONES), now) for g in range(servers)],
            )
        )
        await _close(
            conn.executemany(
                "INSERT INTO daily_settings (guild_id, channel_id, post_time, next_run_at, updated_at)"
                " VALUES (?, ?, '09:00', ?, ?)",
                [(g, g, future(), now) for g in range(servers)],
            )
        )
        await _close(
            conn.executemany(
                "INSERT INTO quiz_schedules (guild_id, number, channel_id, days, time, questions, mode, seconds,"
                " created_by, created_at, next_run_at) VALUES (?, ?, ?, 31, '10:00', 5, 'mc', 20, 1, ?, ?)",
                [(g, n, g, now, future()) for g in range(servers) for n in range(1, QUIZZES_PER_SERVER + 1)],
            )
        )
        # A few paused and disabled rows, which the partial indexes leave out.
        await _close(conn.execute("UPDATE daily_settings SET enabled = 0 WHERE guild_id % 50 = 0"))
        await _close(conn.execute("UPDATE quiz_schedules SET paused = 1 WHERE id % 40 = 0"))
    await db.execute("ANALYZE")


async def _make_due(db: Database, count: int) -> None:
    """Exactly `count` due schedules (half daily terms, half quizzes), 0 .. 10 minutes late."""
    now = int(NOW.timestamp())
    async with db.transaction() as conn:
        await _close(
            conn.execute("UPDATE daily_settings SET next_run_at = ? WHERE next_run_at <= ?", (now + 3600, now))
        )
        await _close(
            conn.execute("UPDATE quiz_schedules SET next_run_at = ? WHERE next_run_at <= ?", (now + 3600, now))
        )
        await _close(
            conn.execute(
                "UPDATE daily_settings SET next_run_at = ? - guild_id % 600 WHERE guild_id IN"
                " (SELECT guild_id FROM daily_settings WHERE enabled = 1 ORDER BY guild_id LIMIT ?)",
                (now, count // 2),
            )
        )
        await _close(
            conn.execute(
                "UPDATE quiz_schedules SET next_run_at = ? - id % 600 WHERE id IN"
                " (SELECT id FROM quiz_schedules WHERE paused = 0 ORDER BY id LIMIT ?)",
                (now, count - count // 2),
            )
        )


async def _time_tick(store: ScheduleStore, samples: int, expect: int) -> tuple[float, float]:
    for _ in range(20):  # warm the page cache and the statement cache
        await store.due_daily(NOW, limit=5000)
    times = []
    for _ in range(samples):
        start = time.perf_counter()
        due = len(await store.due_daily(NOW, limit=5000)) + len(await store.due_quiz_schedules(NOW, limit=5000))
        times.append((time.perf_counter() - start) * 1000)
        if due != expect:
            raise AssertionError(f"expected {expect} due schedules, the tick found {due}")
    return percentiles(times)


async def _time_scan(db: Database, samples: int) -> tuple[float, float]:
    daily = DUE_DAILY_SQL.replace("FROM daily_settings d", "FROM daily_settings d NOT INDEXED")
    quiz = DUE_QUIZ_SQL.replace("FROM quiz_schedules q", "FROM quiz_schedules q NOT INDEXED")
    stamp = int(NOW.timestamp())
    times = []
    for _ in range(samples):
        start = time.perf_counter()
        await db.fetchall(daily, (stamp, 5000))
        await db.fetchall(quiz, (stamp, 5000))
        times.append((time.perf_counter() - start) * 1000)
    return percentiles(times)


async def _run(quick: bool) -> list[Row]:
    samples = 100 if quick else 500
    rows: list[Row] = []
    idle: dict[int, float] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for servers in (1_000, 10_000):
            db = await Database.open(Path(tmp) / f"bench_{servers}.sqlite3")
            await db.migrate()
            await _seed(db, servers)
            store = ScheduleStore(db)
            p50, p99 = await _time_tick(store, samples, 0)
            idle[servers] = p50
            row = Row(
                f"(internal) scheduler tick's due queries only (no post made), {servers:,} servers, 0 due: p50 / p99",
                f"{p50:.3f} / {p99:.3f} ms",
            )
            if servers == 10_000:
                row.target, row.ok = "p99 <= 5 ms", p99 <= 5.0
            rows.append(row)
            s50, s99 = await _time_scan(db, max(20, samples // 10))
            rows.append(
                Row(
                    f"(internal) same queries without the indexes (scan), {servers:,} servers",
                    f"{s50:.3f} / {s99:.3f} ms",
                )
            )
            if servers == 10_000:
                for due in (10, 100, 1000):
                    await _make_due(db, due)
                    p50, p99 = await _time_tick(store, max(20, samples // (1 + due // 100)), due)
                    rows.append(
                        Row(
                            f"(internal) due queries only, 10,000 servers, {due:,} due (the posts not made): p50 / p99",
                            f"{p50:.3f} / {p99:.3f} ms",
                        )
                    )
            await db.close()
    ratio = idle[10_000] / idle[1_000]
    rows.append(
        Row(
            "(internal) idle tick queries, 10,000 vs 1,000 servers (p50 ratio)",
            f"{ratio:.2f}x",
            "<= 2x",
            ratio <= 2,
        )
    )
    return rows


def run(quick: bool = False) -> list[Row]:
    return asyncio.run(_run(quick))
