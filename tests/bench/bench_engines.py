"""Storage on both engines, side by side in one run: SQLite (the default) and PostgreSQL (a bot
many schools share), each through the bot's own storage code.

- quiz answers: judge + record + acknowledge latency of 1,000 players at ~1,000 answers/s, and
  the group-commit throughput of 1,000 answers arriving at once;
- the weekly leaderboard (top 10, the member's own rank, the player count) over 1,000,000 answers;
- the scheduler's due queries (daily terms and quiz schedules) over 100,000 servers, with 0 and
  100 rows due.

PostgreSQL is a throwaway server started from the machine's package (tests/pg_server.py) on
loopback, with its default durability (fsync on, each commit waits for its WAL flush), so the
figures include what a real server pays; over a network each statement adds the round trip.
Without PostgreSQL on the machine its half is skipped and the table says so.
"""

from __future__ import annotations

import asyncio
import random
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import content
from bot.core.questions import Mode, make_questions
from bot.core.quiz import QuizRound, period_key, period_keys
from bot.storage.database import Database
from bot.storage.postgres import PostgresDatabase
from bot.storage.quiz import COMMIT_WINDOW, AnswerRow, AnswerWriter, QuizRepo
from bot.storage.schedules import ScheduleStore
from tests import pg_server
from tests.bench.common import Row, percentiles

UTC_ZONE = ZoneInfo("UTC")
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
NOW = datetime(2026, 6, 1, 12, tzinfo=UTC)
CHUNK = 50_000


class Engines:
    """Opens a fresh, migrated database of either engine for each measurement."""

    def __init__(self, folder: Path, server: pg_server.PgServer | None) -> None:
        self.folder = folder
        self.server = server
        self.count = 0

    async def open(self, engine: str):
        self.count += 1
        if engine == "SQLite":
            db = await Database.open(self.folder / f"bench_{self.count}.sqlite3")
        else:
            name = f"bench_{self.count}"
            admin = await pg_server_connect(self.server.url)
            try:
                await admin.execute(f"CREATE DATABASE {name}")
            finally:
                await admin.close()
            db = await PostgresDatabase.open(self.server.database_url(name), max_size=10)
        await db.migrate()
        return db


async def pg_server_connect(url: str):
    import asyncpg

    return await asyncpg.connect(url)


async def bulk_insert(db, table: str, columns: tuple[str, ...], rows) -> None:
    """Many rows at once, as each engine does it fastest (COPY on PostgreSQL)."""
    if db.engine == "postgres":
        async with db.pool.acquire() as conn:
            batch = []
            for row in rows:
                batch.append(row)
                if len(batch) == CHUNK:
                    await conn.copy_records_to_table(table, records=batch, columns=columns)
                    batch = []
            if batch:
                await conn.copy_records_to_table(table, records=batch, columns=columns)
        return
    sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"
    batch = []
    for row in rows:
        batch.append(row)
        if len(batch) == CHUNK:
            async with db.transaction() as tx:
                await tx.executemany(sql, batch)
            batch = []
    async with db.transaction() as tx:
        await tx.executemany(sql, batch)


# --- quiz answers --------------------------------------------------------------------------------


async def _round(repo: QuizRepo, channel_id: int) -> QuizRound:
    """A one-question round in its own channel (one active round per channel), question open."""
    round_id = await repo.create_round(
        guild_id=1, channel_id=channel_id, started_by=1, topic=None, mode="mixed", question_count=1,
        seconds=20, started_at_ms=0,
    )  # fmt: skip
    questions = make_questions(content.load_deck(), 1, Mode.TRUE_FALSE, random.Random(1))
    state = QuizRound(questions, 20, 1, round_id=round_id)
    state.open_question(T0)
    return state


def _stored(state: QuizRound, user_id: int, correct: bool, now: datetime) -> AnswerRow:
    """Score a judged answer in the core and make the row the cog stores."""
    a = state.prepare(user_id, f"p{user_id}", "true", correct, now)
    return AnswerRow(
        state.round_id, a.question_no, user_id, 1, "customer-loyalty", a.choice, a.correct, a.points,
        a.elapsed_ms, int(now.timestamp() * 1000), period_keys(now, UTC_ZONE),
    )  # fmt: skip


async def _spread(writer: AnswerWriter, state: QuizRound, players: int, rate: float) -> list[float]:
    """`players` answers arriving at ~`rate` per second; ms from judging to committed, each."""
    rng = random.Random(2)
    latencies: list[float] = []

    async def play(user_id: int, delay: float) -> None:
        await asyncio.sleep(delay)
        start = time.perf_counter()
        row = _stored(state, user_id, rng.random() < 0.7, T0 + timedelta(seconds=delay))
        await writer.record(row)
        state.confirm(user_id)  # counted once stored: the member would be told now
        latencies.append((time.perf_counter() - start) * 1000)

    delays, at = [], 0.0
    for _ in range(players):
        at += rng.expovariate(rate)
        delays.append(at)
    await asyncio.gather(*(play(1000 + i, d) for i, d in enumerate(delays)))
    return latencies


async def answers(engines: Engines, engine: str, players: int) -> dict[str, float]:
    db = await engines.open(engine)
    try:
        repo = QuizRepo(db)
        writer = AnswerWriter(db)
        await _spread(writer, await _round(repo, 1), 100, 1000.0)  # warm up: a running bot is warm
        p50, p99 = percentiles(await _spread(writer, await _round(repo, 2), players, 1000.0))
        burst = await _round(repo, 3)
        rows = [_stored(burst, 1000 + i, i % 3 > 0, T0 + timedelta(seconds=3)) for i in range(players)]
        started = time.perf_counter()
        await asyncio.gather(*(writer.record(row) for row in rows))
        grouped = players / (time.perf_counter() - started)
        stored = (await db.fetchone("SELECT COUNT(*) FROM quiz_answers WHERE round_id = ?", (burst.round_id,)))[0]
        if stored != players:
            raise AssertionError(f"{engine}: {stored} of {players} answers stored")
    finally:
        await db.close()
    return {"p50": p50, "p99": p99, "grouped": grouped}


# --- the leaderboard -----------------------------------------------------------------------------


def answer_rows(count: int, totals: dict, servers: int = 100, members: int = 300):
    """`count` answers over servers, members and 8 weeks (the same on every call); their running
    totals are added to `totals`."""
    rng = random.Random(3)
    for i in range(count):
        guild = rng.randint(1, servers)
        user = guild * 10_000 + rng.randrange(members)
        when = T0 - timedelta(days=rng.randrange(56), seconds=rng.randrange(86400))
        correct = rng.random() < 0.6
        points = rng.randint(500, 1500) if correct else 0
        for key in period_keys(when, UTC_ZONE):
            t = totals.setdefault((guild, key, user), [0, 0, 0])
            t[0] += points
            t[1] += correct
            t[2] += 1
        yield (guild, i, user, guild, "t", "A", int(correct), points, 5000, int(when.timestamp() * 1000))


async def leaderboard(engines: Engines, engine: str, count: int, samples: int) -> tuple[float, float]:
    db = await engines.open(engine)
    try:
        return await _leaderboard(db, count, samples)
    finally:
        await db.close()


async def _leaderboard(db, count: int, samples: int) -> tuple[float, float]:
    await bulk_insert(
        db,
        "quiz_rounds",
        (
            "id",
            "guild_id",
            "channel_id",
            "started_by",
            "mode",
            "question_count",
            "seconds",
            "status",
            "started_at",
        ),
        [(g, g, g, 1, "mixed", 50, 20, "finished", 0) for g in range(1, 101)],
    )
    totals: dict = {}
    columns = ("round_id", "question_no", "user_id", "guild_id", "card_id", "choice", "correct", "points")
    await bulk_insert(db, "quiz_answers", (*columns, "elapsed_ms", "answered_at"), answer_rows(count, totals))
    await bulk_insert(
        db,
        "quiz_totals",
        ("guild_id", "period", "user_id", "points", "correct", "answered"),
        ((g, p, u, *v) for (g, p, u), v in totals.items()),
    )
    await db.execute("ANALYZE")
    repo = QuizRepo(db)
    week = period_key("week", T0, UTC_ZONE)
    rng = random.Random(4)
    times = []
    for i in range(samples + 50):
        guild = rng.randint(1, 100)
        start = time.perf_counter()
        await repo.leaderboard(guild, week, "points")
        await repo.standing_of(guild, week, "points", guild * 10_000 + rng.randrange(300))
        await repo.count_players(guild, week)
        if i >= 50:  # the first ones warm the caches
            times.append((time.perf_counter() - start) * 1000)
    return percentiles(times)


# --- the scheduler's due queries -----------------------------------------------------------------


async def due_queries(engines: Engines, engine: str, servers: int, samples: int) -> dict[int, tuple[float, float]]:
    """Each server: a time zone, a daily term and 3 quiz schedules, all in the future; then 100 due."""
    db = await engines.open(engine)
    try:
        return await _due_queries(db, engine, servers, samples)
    finally:
        await db.close()


async def _due_queries(db, engine: str, servers: int, samples: int) -> dict[int, tuple[float, float]]:
    rng = random.Random(servers)
    now = int(NOW.timestamp())
    zones = ("America/New_York", "Europe/London", "Asia/Kolkata", "UTC")
    await bulk_insert(
        db,
        "guild_settings",
        ("guild_id", "timezone", "updated_at"),
        ((g, rng.choice(zones), now) for g in range(servers)),
    )
    await bulk_insert(
        db,
        "daily_settings",
        ("guild_id", "channel_id", "post_time", "next_run_at", "updated_at", "enabled"),
        ((g, g, "09:00", now + rng.randrange(60, 7 * 86400), now, int(g % 50 != 0)) for g in range(servers)),
    )
    columns = ("guild_id", "number", "channel_id", "days", "time", "questions", "mode", "seconds", "created_by")
    await bulk_insert(
        db,
        "quiz_schedules",
        (*columns, "created_at", "next_run_at", "paused"),
        (
            (
                g,
                n,
                g,
                31,
                "10:00",
                5,
                "mixed",
                20,
                1,
                now,
                now + rng.randrange(60, 7 * 86400),
                int((g + n) % 40 == 0),
            )
            for g in range(servers)
            for n in (1, 2, 3)
        ),
    )
    if engine == "PostgreSQL":  # the identity counter continues after the ids COPY gave
        await db.execute("SELECT setval(pg_get_serial_sequence('quiz_schedules', 'id'), ?)", (servers * 3,))
    await db.execute("ANALYZE")
    store = ScheduleStore(db)
    results = {}
    for due in (0, 100):
        if due:
            await db.execute(
                "UPDATE daily_settings SET next_run_at = ? WHERE guild_id IN"
                " (SELECT guild_id FROM daily_settings WHERE enabled = 1 ORDER BY guild_id LIMIT ?)",
                (now - 60, due // 2),
            )
            await db.execute(
                "UPDATE quiz_schedules SET next_run_at = ? WHERE id IN"
                " (SELECT id FROM quiz_schedules WHERE paused = 0 ORDER BY id LIMIT ?)",
                (now - 60, due - due // 2),
            )
        times = []
        for i in range(samples + 20):
            start = time.perf_counter()
            found = len(await store.due_daily(NOW, limit=5000)) + len(
                await store.due_quiz_schedules(NOW, limit=5000)
            )
            if i >= 20:
                times.append((time.perf_counter() - start) * 1000)
            if found != due:
                raise AssertionError(f"{engine}: expected {due} due schedules, found {found}")
        results[due] = percentiles(times)
    return results


# --- the table -----------------------------------------------------------------------------------


def _side_by_side(figures: dict[str, str]) -> str:
    return "; ".join(f"{engine} {value}" for engine, value in figures.items())


async def _run(quick: bool, server: pg_server.PgServer | None) -> list[Row]:
    engines_list = ["SQLite"] + (["PostgreSQL"] if server else [])
    players, board_answers, servers = 1000, (100_000 if quick else 1_000_000), (20_000 if quick else 100_000)
    with tempfile.TemporaryDirectory() as tmp:
        engines = Engines(Path(tmp), server)
        answer = {e: await answers(engines, e, players) for e in engines_list}
        board = {e: await leaderboard(engines, e, board_answers, 200 if quick else 1000) for e in engines_list}
        due = {e: await due_queries(engines, e, servers, 100 if quick else 500) for e in engines_list}
    rows = [
        Row(
            f"both engines: answer scored in the core + group-commit write with its "
            f"{COMMIT_WINDOW * 1000:.0f} ms window, committed; no Discord; {players:,} players at ~1,000/s: p50 / p99",
            _side_by_side({e: f"{a['p50']:.2f} / {a['p99']:.2f} ms" for e, a in answer.items()}),
        ),
        Row(
            f"both engines: {players:,} simultaneous answers, group commit (its window included)",
            _side_by_side({e: f"{a['grouped']:,.0f} answers/s" for e, a in answer.items()}),
        ),
        Row(
            f"both engines: weekly leaderboard top 10 + own rank, {board_answers:,} answers in 100 servers: p50 / p99",
            _side_by_side({e: f"{p50:.2f} / {p99:.2f} ms" for e, (p50, p99) in board.items()}),
        ),
    ]
    for count in (0, 100):
        rows.append(
            Row(
                f"both engines: scheduler due queries, {servers:,} servers, {count} due: p50 / p99",
                _side_by_side({e: f"{d[count][0]:.2f} / {d[count][1]:.2f} ms" for e, d in due.items()}),
            )
        )
    return rows


def run(quick: bool = False) -> list[Row]:
    if not pg_server.available():
        skipped = [Row("both engines: PostgreSQL side", f"skipped: {pg_server.SKIP_REASON.split(',')[0]}")]
        return asyncio.run(_run(quick, None)) + skipped
    server = pg_server.start()
    try:
        if server.folder is not None:  # our own server: make it durable like a real one
            pg_server.query(server.url, "ALTER SYSTEM SET fsync = on")
            pg_server.query(server.url, "SELECT pg_reload_conf()")
        return asyncio.run(_run(quick, server))
    finally:
        server.stop()
