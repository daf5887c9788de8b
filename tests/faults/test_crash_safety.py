"""Crash safety: the bot's storage is killed with SIGKILL at random moments, then restarted.

Each run prepares a database (servers with a daily term, quiz schedules), starts
`tests.faults.crash_child` on it (quiz answers through the group commit, flashcard ratings, daily
posts, all at once) and kills it after a random delay. The child prints a line only after the
write it names was committed, so every printed line is a promise the database must keep:
- `PRAGMA integrity_check` is ok and the foreign keys hold;
- every acknowledged answer, rating, round end, daily claim and "sent" is there, and nothing is
  half-written: leaderboard totals match the stored answers, card states match their review log;
- the real bot starts on the file: rounds left active are closed as interrupted, schedules and
  settings are as they were, and today's daily post is refused for every server that claimed it.
"""

from __future__ import annotations

import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from datetime import time as clock_time
from pathlib import Path

import pytest
import simcord

from bot.app import create_bot
from bot.config import Settings
from bot.storage.database import Database
from bot.storage.schedules import ScheduleStore
from bot.storage.study import StudyRepo
from tests.faults import crash_child as child

ROOT = Path(__file__).resolve().parents[2]
RUNS = 24
SEED = 20260101
MAX_DELAY = 0.5  # seconds of work before the kill; the child needs ~0.1 s to get going


async def prepare(path: Path) -> dict[str, list]:
    """The servers' settings before the child runs; returns what must survive unchanged."""
    db = await Database.open(path)
    await db.migrate()
    store = ScheduleStore(db)
    await store.set_timezone(child.GUILD, child.UTC_ZONE, child.NOW)
    for guild in child.DAILY_GUILDS:
        await store.set_daily(guild, 5000 + guild, clock_time(9, 0), None, child.NOW)
    for hour in (10, 14):
        await store.add_quiz_schedule(
            child.GUILD, child.CHANNELS[0], frozenset({3, 4}), clock_time(hour, 30),
            questions=5, topic=None, mode="mixed", seconds=20, created_by=child.MEMBERS[0], now=child.NOW,
        )  # fmt: skip
    await db.close()
    return settings_snapshot(path)


def query(path: Path, sql: str, params: tuple = ()) -> list:
    with sqlite3.connect(path) as conn:
        return conn.execute(sql, params).fetchall()


def settings_snapshot(path: Path) -> dict[str, list]:
    return {
        "guild_settings": query(path, "SELECT guild_id, timezone FROM guild_settings ORDER BY guild_id"),
        "daily_settings": query(
            path,
            "SELECT guild_id, channel_id, post_time, topic, enabled, paused_reason FROM daily_settings"
            " ORDER BY guild_id",
        ),
        "quiz_schedules": query(path, "SELECT * FROM quiz_schedules ORDER BY id"),
    }


def run_and_kill(path: Path, seed: int, delay: float, log: Path) -> list[list[str]]:
    """Start the child, let it work for `delay` seconds, SIGKILL it; its complete output lines."""
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "tests.faults.crash_child", str(path), str(seed)],
            cwd=ROOT,
            stdout=out,
            stderr=subprocess.PIPE,
        )
    try:
        for _ in range(3000):  # up to 30 s for the interpreter to start on a busy machine
            if log.read_bytes().startswith(b"ready\n") or proc.poll() is not None:
                break
            time.sleep(0.01)
        assert proc.poll() is None, f"the child stopped by itself: {proc.stderr.read().decode()}"
        time.sleep(delay)
        os.kill(proc.pid, signal.SIGKILL)
    finally:
        proc.kill()
        proc.wait()
        proc.stderr.close()
    assert proc.returncode == -signal.SIGKILL
    text = log.read_text()
    complete = text[: text.rfind("\n") + 1]  # a line cut by the kill was never acknowledged
    return [line.split() for line in complete.splitlines()]


def check_acknowledged(path: Path, lines: list[list[str]]) -> None:
    acked = {kind: [tuple(parts[1:]) for parts in lines if parts[0] == kind] for kind in "SAFRDP"}
    answers = {tuple(map(int, r)) for r in query(path, "SELECT round_id, question_no, user_id FROM quiz_answers")}
    assert {tuple(map(int, a)) for a in acked["A"]} <= answers, "an acknowledged answer is missing"
    status = dict(query(path, "SELECT id, status FROM quiz_rounds"))
    assert all(int(r) in status for r, _channel in acked["S"]), "an acknowledged round is missing"
    assert all(status[int(r)] == "finished" for (r,) in acked["F"]), "an acknowledged round end is missing"
    ratings = set(query(path, "SELECT user_id, card_id, reviewed_at FROM study_reviews"))
    assert {(int(u), c, int(at)) for u, c, at in acked["R"]} <= ratings, "an acknowledged rating is missing"
    posts = dict(query(path, "SELECT guild_id, status FROM daily_posts"))
    assert all(int(g) in posts for g, _date in acked["D"]), "an acknowledged daily claim is missing"
    assert all(posts[int(g)] == "sent" for g, _date in acked["P"]), "an acknowledged daily post is not 'sent'"


def check_nothing_half_written(path: Path) -> None:
    # The answers and the totals are written in one transaction, and so are a round's end and
    # its rounds_played: the totals must agree with the rows exactly.
    per_user = dict(
        query(path, "SELECT user_id, COUNT(*) || ':' || SUM(points) FROM quiz_answers GROUP BY user_id")
    )
    totals = dict(query(path, "SELECT user_id, answered || ':' || points FROM quiz_totals WHERE period = 'all'"))
    assert totals == per_user
    months = dict(
        query(path, "SELECT user_id, SUM(answered) FROM quiz_totals WHERE period LIKE 'm%' GROUP BY user_id")
    )
    assert months == {user: int(count.split(":")[0]) for user, count in per_user.items()}
    [(finished,)] = query(path, "SELECT COUNT(*) FROM quiz_rounds WHERE status = 'finished'")
    played = Counter(dict(query(path, "SELECT user_id, rounds_played FROM quiz_totals WHERE period = 'all'")))
    assert all(played[user] == finished for user in child.MEMBERS if user in totals)


async def check_cards_match_their_log(path: Path) -> None:
    # The card upsert and the log row share a transaction: replaying the log gives the stored card.
    db = await Database.open(path)
    try:
        study = StudyRepo(db)
        for user in child.REVIEWERS:
            for card_id, stored in (await study.get_cards(user)).items():
                assert await study.replay_card(user, card_id) == stored, (user, card_id)
    finally:
        await db.close()


async def check_restart(path: Path, lines: list[list[str]], before: dict[str, list]) -> int:
    """Start the real bot on the killed database; returns how many rounds it closed."""
    active = {r for (r,) in query(path, "SELECT id FROM quiz_rounds WHERE status = 'active'")}
    bot = create_bot(Settings(token=None, database_path=path), rng=random.Random(1))
    try:
        async with simcord.run(bot, shard_count=1) as env:
            assert {r.id for r in bot.get_cog("Quiz").interrupted} == active
            daily = bot.get_cog("DailyTerm")
            for guild in {int(parts[1]) for parts in lines if parts[0] == "D"}:
                settings = await daily.store.get_daily(guild)
                outcome = await daily.post_today(settings, env.now(), manual=True)
                assert outcome.status in ("already", "taken"), (guild, outcome)
    finally:
        if bot.db is not None:
            await bot.db.close()
    assert query(path, "SELECT COUNT(*) FROM quiz_rounds WHERE status = 'active'") == [(0,)]
    statuses = dict(query(path, "SELECT id, status FROM quiz_rounds"))
    assert all(statuses[r] == "interrupted" for r in active)
    assert settings_snapshot(path) == before, "the restart changed the schedules or settings"
    return len(active)


@pytest.mark.slow
async def test_sigkill_at_random_points_loses_nothing_acknowledged(tmp_path):
    rng = random.Random(SEED)
    seen = Counter()
    for run in range(RUNS):
        path = tmp_path / f"run{run}.sqlite3"
        before = await prepare(path)
        lines = run_and_kill(path, rng.randrange(2**32), rng.uniform(0, MAX_DELAY), tmp_path / f"run{run}.out")
        assert query(path, "PRAGMA integrity_check") == [("ok",)]
        assert query(path, "PRAGMA foreign_key_check") == []
        check_acknowledged(path, lines)
        check_nothing_half_written(path)
        await check_cards_match_their_log(path)
        seen["closed rounds"] += await check_restart(path, lines, before)
        seen.update(parts[0] for parts in lines)
        seen["claimed, not marked sent"] += sum(p[0] == "D" for p in lines) - sum(p[0] == "P" for p in lines)
    # The kills landed in the middle of real work, not before or after it.
    assert seen["A"] > 1000 and seen["R"] > 200 and seen["F"] > 10, seen
    assert seen["closed rounds"] >= RUNS, seen
    assert 0 < seen["P"] < RUNS * len(child.DAILY_GUILDS), seen
