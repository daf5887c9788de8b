"""Rating a flashcard: 1-5 rating + FSRS-6 update + durable write, on a real SQLite file (WAL).

The database is first filled with a realistic history (many members, many cards, every card with
a few reviews), then members rate random cards through `StudyRepo.record_review`, each rating its
own BEGIN IMMEDIATE .. COMMIT transaction, as the bot does.
"""

from __future__ import annotations

import asyncio
import random
import sqlite3
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.core import srs
from bot.storage.database import Database
from bot.storage.study import StudyRepo
from tests.bench.common import DURABILITY, Row, percentiles

START = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)


def _prefill(path: Path, members: int, cards: int, rng: random.Random) -> int:
    """Write states and logs for every member x card straight through sqlite3 (fast set-up)."""
    cards_rows, log_rows = [], []
    for user in range(members):
        for c in range(cards):
            card_id, state, at = f"term-{c}", None, START + timedelta(minutes=rng.randrange(600))
            for _ in range(rng.randint(1, 4)):
                rating = srs.map_rating(rng.choice((2, 3, 4, 4, 4, 5)))
                outcome = srs.apply_rating(
                    card_id, state, rating, at, srs.review_rng(user, card_id, at), scheduler=srs.DEFAULT_SCHEDULER
                )
                state = outcome.state
                elapsed = None if outcome.elapsed is None else int(outcome.elapsed.total_seconds())
                log_rows.append((user, card_id, 1, int(rating), "review", int(at.timestamp() * 1000), elapsed))
                at = state.due + timedelta(hours=rng.randrange(48))
            cards_rows.append(
                (user, card_id, int(state.state), state.step, state.stability, state.difficulty,
                 int(state.due.timestamp()), int(state.last_review.timestamp()), int(START.timestamp()))
            )  # fmt: skip
    with sqlite3.connect(path) as raw:
        raw.executemany(
            "INSERT INTO study_cards (user_id, card_id, state, step, stability, difficulty, due, last_review,"
            " introduced_at, introduced_via) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'review')",
            cards_rows,
        )
        raw.executemany(
            "INSERT INTO study_reviews (user_id, card_id, guild_id, rating, source, reviewed_at, elapsed_s)"
            " VALUES (?, ?, ?, ?, ?, ?, ?)",
            log_rows,
        )
    return len(log_rows)


async def _measure(folder: Path, quick: bool) -> tuple[dict[int, list[float]], int, int]:
    members, cards, ratings = (50, 60, 1500) if quick else (300, 150, 10_000)
    rng = random.Random(2026)
    path = folder / "bench.sqlite3"
    db = await Database.open(path)
    await db.migrate()
    prefilled = _prefill(path, members, cards, rng)
    repo = StudyRepo(db)
    samples: dict[int, list[float]] = {raw: [] for raw in range(1, 6)}
    now = START + timedelta(days=30)
    try:
        for i in range(ratings + 200):
            user, raw = rng.randrange(members), rng.randint(1, 5)
            # Mostly cards the member has, some new ones (a new card is an INSERT, not an UPDATE).
            card = f"term-{rng.randrange(cards + cards // 10)}"
            now += timedelta(seconds=rng.randint(1, 30))
            start = time.perf_counter()
            await repo.record_review(user, card, raw, "review", 1, now, scheduler=srs.DEFAULT_SCHEDULER)
            elapsed = (time.perf_counter() - start) * 1000
            if i >= 200:  # warm-up: page cache, statement cache
                samples[raw].append(elapsed)
    finally:
        await db.close()
    return samples, prefilled, members * cards


def run(quick: bool = False) -> list[Row]:
    with tempfile.TemporaryDirectory() as folder:
        samples, prefilled, card_count = asyncio.run(_measure(Path(folder), quick))
    everything = [s for per_rating in samples.values() for s in per_rating]
    p50, p99 = percentiles(everything)
    label = f"{card_count:,} cards, {prefilled:,} logged reviews"
    rows = [
        Row(
            f"(internal) rating, no Discord: FSRS-6 update + write, committed ({DURABILITY}), {label}: p50 / p99",
            f"{p50:.3f} / {p99:.3f} ms ({len(everything):,} ratings)",
            "p99 <= 2 ms",
            p99 <= 2.0,
        )
    ]
    for raw, per_rating in samples.items():
        r50, r99 = percentiles(per_rating)
        rows.append(Row(f"  rating {raw} ({srs.map_rating(raw).name}): p50 / p99", f"{r50:.3f} / {r99:.3f} ms"))
    return rows
