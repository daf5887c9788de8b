"""Quiz answers: record + acknowledge latency, group commit vs commit-per-answer, leaderboard on 1M answers."""

from __future__ import annotations

import asyncio
import random
import sqlite3
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import content
from bot.core.questions import Mode, make_questions
from bot.core.quiz import QuizRound, period_key, period_keys
from bot.storage.database import Database
from bot.storage.quiz import COMMIT_WINDOW, AnswerRow, AnswerWriter, QuizRepo, write_answers
from tests.bench.common import DURABILITY, Row, percentiles

UTC_ZONE = ZoneInfo("UTC")
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


async def _open(tmp: str, name: str) -> tuple[Database, QuizRepo, int]:
    db = await Database.open(Path(tmp) / name)
    await db.migrate()
    repo = QuizRepo(db)
    return db, repo, await _new_round(repo, channel_id=1)


async def _new_round(repo: QuizRepo, channel_id: int) -> int:
    """A one-question round in its own channel (one active round per channel)."""
    return await repo.create_round(
        guild_id=1,
        channel_id=channel_id,
        started_by=1,
        topic=None,
        mode="mixed",
        question_count=1,
        seconds=20,
        started_at_ms=0,
    )


def _row(round_id: int, answer, now: datetime) -> AnswerRow:
    return AnswerRow(
        round_id,
        answer.question_no,
        answer.user_id,
        1,
        "customer-loyalty",
        answer.choice,
        answer.correct,
        answer.points,
        answer.elapsed_ms,
        int(now.timestamp() * 1000),
        period_keys(now, UTC_ZONE),
    )


async def _players(players: int, writer_record, round_id: int, rate: float | None) -> tuple[list[float], float]:
    """Each simulated player: judge in core, store durably, then it would be acknowledged."""
    deck = content.load_deck()
    state = QuizRound(make_questions(deck, 1, Mode.TRUE_FALSE, random.Random(1)), 20, 1, round_id=round_id)
    state.open_question(T0)
    rng = random.Random(2)
    latencies: list[float] = []

    async def play(user_id: int, delay: float) -> None:
        await asyncio.sleep(delay)
        start = time.perf_counter()
        now = T0 + timedelta(seconds=delay)
        answer = state.prepare(user_id, f"p{user_id}", "true", rng.random() < 0.7, now)
        await writer_record(_row(round_id, answer, now))
        state.confirm(user_id)  # counted once stored: the member would be told now
        latencies.append((time.perf_counter() - start) * 1000)

    delays, at = [], 0.0
    for _ in range(players):
        if rate:
            at += rng.expovariate(rate)
        delays.append(at)
    started = time.perf_counter()
    await asyncio.gather(*(play(1000 + i, d) for i, d in enumerate(delays)))
    return latencies, time.perf_counter() - started


async def _throughput(db: Database, rows: list[AnswerRow], *, grouped: bool) -> float:
    """Answers per second a writer stores when they all arrive at once (rows built beforehand)."""
    writer = AnswerWriter(db)
    started = time.perf_counter()
    if grouped:
        await asyncio.gather(*(writer.record(row) for row in rows))
    else:
        for row in rows:  # the naive writer: one transaction and one commit per answer
            await write_answers(db, [row])
    return len(rows) / (time.perf_counter() - started)


def _burst_rows(round_id: int, players: int) -> list[AnswerRow]:
    deck = content.load_deck()
    state = QuizRound(make_questions(deck, 1, Mode.TRUE_FALSE, random.Random(1)), 20, 1, round_id=round_id)
    state.open_question(T0)
    now = T0 + timedelta(seconds=3)
    return [_row(round_id, state.prepare(1000 + i, "p", "true", i % 3 > 0, now), now) for i in range(players)]


async def _no_window() -> None:
    """The writer without its commit window: a batch commits as soon as its task runs (the write's
    own cost, for finding a regression in it)."""


async def _answers(quick: bool) -> list[Row]:
    players = 1000
    with tempfile.TemporaryDirectory() as tmp:
        db, _repo, rid = await _open(tmp, "spread.sqlite3")
        writer = AnswerWriter(db, pause=_no_window)
        await _players(100, writer.record, rid, rate=1000.0)  # warm up: a running bot is warm
        rid2 = await _new_round(_repo, channel_id=2)
        lat, _ = await _players(players, writer.record, rid2, rate=1000.0)  # ~1,000 answers a second
        p50, p99 = percentiles(lat)
        windowed = AnswerWriter(db)  # as the bot writes: the first answer of a batch waits the window
        lat_w, _ = await _players(players, windowed.record, await _new_round(_repo, channel_id=4), rate=1000.0)
        w50, w99 = percentiles(lat_w)
        # The same while the scheduler's background checkpoint copies a large log (6 MB of other rows).
        async with db.transaction() as conn:
            await conn.executemany(
                "INSERT INTO guild_settings (guild_id, timezone, updated_at) VALUES (?, ?, 0)",
                [(i, "x" * 200) for i in range(25_000)],
            )
        rid3 = await _new_round(_repo, channel_id=3)
        checkpoint = db.request_checkpoint()
        assert checkpoint is not None
        lat_cp, _ = await _players(players, writer.record, rid3, rate=1000.0)
        await checkpoint
        await db.close()
        cp50, cp99 = percentiles(lat_cp)

        db, _repo, rid = await _open(tmp, "burst.sqlite3")
        grouped = await _throughput(db, _burst_rows(rid, players), grouped=True)
        stored = (await db.fetchone("SELECT COUNT(*) FROM quiz_answers"))[0]
        await db.close()
        db, _repo, rid = await _open(tmp, "naive.sqlite3")
        naive = await _throughput(db, _burst_rows(rid, players), grouped=False)
        await db.close()
    ratio = grouped / naive
    return [
        Row(
            f"(internal) answer write, no Discord: core scoring (right or wrong drawn at random) + group-commit write "
            f"without the commit window, committed ({DURABILITY}); no interaction, no REST call; {players} players at "
            "~1,000/s: p50 / p99",
            f"{p50:.2f} / {p99:.2f} ms",
            "p99 < 5 ms",
            p99 < 5,
        ),
        # The row above already includes the background checkpoints of normal use (one per 200
        # commits); this one forces a checkpoint of a log several times that size, for information.
        Row(
            "(internal) the same while a 6 MB log is checkpointed (stress): p50 / p99",
            f"{cp50:.2f} / {cp99:.2f} ms",
        ),
        Row(
            f"(internal) the first row's write as the bot does it, with its {COMMIT_WINDOW * 1000:.0f} ms commit window (what a click waits "
            'before "Locked in"): p50 / p99',
            f"{w50:.2f} / {w99:.2f} ms",
            f"p99 < {COMMIT_WINDOW * 1000 + 5:.0f} ms",
            w99 < COMMIT_WINDOW * 1000 + 5,
        ),
        Row(
            f"(internal) {players} simultaneous answers, group commit (its window included)",
            f"{grouped:,.0f} answers/s ({stored} stored)",
        ),
        Row(f"(internal) {players} simultaneous answers, commit per answer", f"{naive:,.0f} answers/s"),
        # No target since quiz answers commit on the event loop's thread (bot/storage/inline.py): a
        # commit per answer no longer pays a trip to aiosqlite's thread, so the gap is a few times.
        Row("(internal) group commit vs commit-per-answer throughput", f"{ratio:.0f}x"),
    ]


def _fill(path: Path, answers: int, servers: int = 100, members: int = 300) -> None:
    """answers rows spread over servers, members and 8 weeks, with their running totals."""
    rng = random.Random(3)
    totals: dict[tuple[int, str, int], list[int]] = {}
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA journal_mode=WAL")
        conn.executemany(
            "INSERT INTO quiz_rounds (id, guild_id, channel_id, started_by, mode, question_count, seconds, status,"
            " started_at) VALUES (?, ?, ?, 1, 'mixed', 50, 20, 'finished', 0)",
            [(g, g, g) for g in range(1, servers + 1)],
        )
        batch = []
        for i in range(answers):
            guild = rng.randint(1, servers)
            user = guild * 10_000 + rng.randrange(members)
            when = T0 - timedelta(days=rng.randrange(56), seconds=rng.randrange(86400))
            correct = rng.random() < 0.6
            points = rng.randint(500, 1500) if correct else 0
            batch.append(
                (guild, i, user, guild, "t", "A", int(correct), points, 5000, int(when.timestamp() * 1000))
            )
            for key in period_keys(when, UTC_ZONE):
                t = totals.setdefault((guild, key, user), [0, 0, 0])
                t[0] += points
                t[1] += correct
                t[2] += 1
            if len(batch) == 50_000:
                conn.executemany("INSERT INTO quiz_answers VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL)", batch)
                batch.clear()
        conn.executemany("INSERT INTO quiz_answers VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL)", batch)
        conn.executemany(
            "INSERT INTO quiz_totals (guild_id, period, user_id, points, correct, answered) VALUES (?, ?, ?, ?, ?, ?)",
            [(g, p, u, *v) for (g, p, u), v in totals.items()],
        )
        conn.execute("ANALYZE")


async def _leaderboard(quick: bool) -> list[Row]:
    answers = 100_000 if quick else 1_000_000
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "board.sqlite3"
        db = await Database.open(path)
        await db.migrate()
        await db.close()
        _fill(path, answers)
        db = await Database.open(path)
        repo = QuizRepo(db)
        week = period_key("week", T0, UTC_ZONE)
        samples = []
        rng = random.Random(4)
        for _ in range(300 if quick else 1000):
            guild = rng.randint(1, 100)
            start = time.perf_counter()
            await repo.leaderboard(guild, week, "points")
            await repo.standing_of(guild, week, "points", guild * 10_000 + rng.randrange(300))
            await repo.count_players(guild, week)
            samples.append((time.perf_counter() - start) * 1000)
        await db.close()
    p50, p99 = percentiles(samples)
    return [
        Row(
            f"(internal) weekly leaderboard queries (top 10 + own rank), no Discord, {answers:,} answers in 100 servers: p50 / p99",
            f"{p50:.2f} / {p99:.2f} ms",
            "<= 5 ms",
            p99 <= 5,
        ),
    ]


def run(quick: bool = False) -> list[Row]:
    return asyncio.run(_answers(quick)) + asyncio.run(_leaderboard(quick))
