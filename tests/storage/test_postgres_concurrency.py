"""What one bot process guarantees must hold when several share one PostgreSQL database.

Two `PostgresDatabase` pools stand for two processes (each with its own connections, as two
machines would have); each test makes them do the conflicting thing at the same moment, many
times over (asyncio.gather), and checks the invariant. PostgreSQL only: SQLite has one writer
at a time, so there is nothing to race there (the same invariants are tested on both engines
elsewhere, one process at a time).
"""

from __future__ import annotations

import asyncio
import random
from datetime import UTC, date, datetime, time, timedelta

import pytest

from bot.core.errors import BadInput
from bot.core.schedule import MAX_QUIZ_SCHEDULES
from bot.core.srs import DEFAULT_SCHEDULER
from bot.storage.postgres import PostgresDatabase
from bot.storage.quiz import AnswerRow, QuizRepo, write_answers
from bot.storage.schedules import ScheduleStore
from bot.storage.study import StudyRepo

NOW = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)


@pytest.fixture
async def processes(pg_databases):
    """Two pools on one fresh database at the latest schema: two bot processes."""
    url = pg_databases.create()
    pools = [await PostgresDatabase.open(url, max_size=8) for _ in range(2)]
    yield pools
    for pool in pools:
        await pool.close()
    pg_databases.drop(url)


async def outcomes(calls) -> list:
    """Run the calls at once; each one's result or the exception it raised."""
    return await asyncio.gather(*calls, return_exceptions=True)


async def test_schedule_numbers_and_the_per_server_limit_hold_across_processes(processes):
    stores = [ScheduleStore(db) for db in processes]
    for guild in range(1, 7):
        # Five more than the limit, half from each process, all at once.
        results = await outcomes(
            stores[i % 2].add_quiz_schedule(
                guild, 100, frozenset({0}), time(9, i % 60), questions=5, topic=None, mode="mixed",
                seconds=20, created_by=1, now=NOW,
            )
            for i in range(MAX_QUIZ_SCHEDULES + 5)
        )  # fmt: skip
        added = [r for r in results if not isinstance(r, BaseException)]
        refused = [r for r in results if isinstance(r, BadInput)]
        assert len(added) == MAX_QUIZ_SCHEDULES and len(refused) == 5, [
            r for r in results if isinstance(r, Exception) and not isinstance(r, BadInput)
        ]
        assert sorted(s.number for s in added) == list(range(1, MAX_QUIZ_SCHEDULES + 1))
        assert [s.number for s in await stores[0].list_quiz_schedules(guild)] == list(
            range(1, MAX_QUIZ_SCHEDULES + 1)
        )


async def test_a_scheduled_quiz_slot_is_taken_by_one_process_only(processes):
    stores = [ScheduleStore(db) for db in processes]
    schedules = [
        await stores[0].add_quiz_schedule(
            guild, 100, frozenset(range(7)), time(9, 0), questions=5, topic=None, mode="mixed",
            seconds=20, created_by=1, now=NOW - timedelta(days=1),
        )
        for guild in range(1, 21)
    ]  # fmt: skip
    for schedule in schedules:
        taken = await outcomes(
            stores[i % 2].advance_quiz_schedule(
                schedule.id, schedule.next_run_at, schedule.next_run_at + timedelta(days=1)
            )
            for i in range(8)
        )
        assert taken.count(True) == 1 and taken.count(False) == 7, taken


async def test_one_round_per_channel_across_processes(processes):
    repos = [QuizRepo(db) for db in processes]
    for channel in range(1, 31):
        ids = await outcomes(
            repos[i % 2].create_round(
                guild_id=1, channel_id=channel, started_by=i, topic=None, mode="mixed",
                question_count=5, seconds=20, started_at_ms=i,
            )
            for i in range(8)
        )  # fmt: skip
        started = [i for i in ids if isinstance(i, int)]
        assert len(started) == 1 and ids.count(None) == 7, ids
        active = await repos[1].active_round_in(channel)
        assert active is not None and active.id == started[0]


async def test_one_rating_of_a_card_at_a_time_per_member_across_processes(processes):
    """Two processes rating one member's card at once: each rating is applied on top of the
    previous one, so the stored card is exactly its log replayed (a lost update would not be)."""
    repos = [StudyRepo(db) for db in processes]
    members = range(1, 9)
    rng = random.Random(3)
    ratings = {member: [rng.randint(1, 5) for _ in range(16)] for member in members}
    await asyncio.gather(
        *(
            repos[i % 2].record_review(
                member, "customer-loyalty", raw, "review", 1, NOW, scheduler=DEFAULT_SCHEDULER
            )
            for member in members
            for i, raw in enumerate(ratings[member])
        )
    )
    for member in members:
        assert len(await repos[0].card_history(member, "customer-loyalty")) == 16
        stored = (await repos[0].get_cards(member))["customer-loyalty"]
        assert await repos[1].replay_card(member, "customer-loyalty") == stored


async def test_the_review_log_grows_in_commit_order_per_member_across_processes(processes):
    """A member's log ids only grow in the order rows become visible: whoever reads the latest id
    (a review button remembers it) later finds every newer review above it (`reviewed_since`),
    also when two processes log that member's reviews of different cards at once."""
    repos = [StudyRepo(db) for db in processes]
    member, seen, done = 42, [], asyncio.Event()

    async def reader():
        while not done.is_set():
            rows = await processes[1].fetchall("SELECT id FROM study_reviews WHERE user_id = ?", (member,))
            seen.append({row[0] for row in rows})
            await asyncio.sleep(0)

    watching = asyncio.create_task(reader())
    for burst in range(6):
        await asyncio.gather(
            *(
                repos[i % 2].record_review(
                    member, f"card-{burst}-{i}", 4, "review", 1, NOW, scheduler=DEFAULT_SCHEDULER
                )
                for i in range(24)
            )
        )
    done.set()
    await watching
    final = {
        row[0] for row in await processes[0].fetchall("SELECT id FROM study_reviews WHERE user_id = ?", (member,))
    }
    assert len(final) == 6 * 24
    late = [
        sorted((final - ids) & set(range(max(ids))))
        for ids in seen
        if ids and (final - ids) & set(range(max(ids)))
    ]
    assert not late, f"rows committed below an id already seen as the latest: {late[:3]}"


async def test_the_daily_post_is_claimed_once_per_server_and_local_date_across_processes(processes):
    stores = [ScheduleStore(db) for db in processes]
    day = date(2026, 3, 2)
    for guild in range(1, 31):
        claims = await outcomes(stores[i % 2].claim_daily_post(guild, day, f"term-{i}", NOW) for i in range(8))
        assert claims.count(True) == 1 and claims.count(False) == 7, claims
    # Discord refused every send: a retry may claim the day again, once.
    for guild in range(1, 31):
        await stores[0].mark_failed(guild, day, "503", NOW, NOW + timedelta(minutes=5))
    later = NOW + timedelta(minutes=5)
    for guild in range(1, 31):
        claims = await outcomes(stores[i % 2].claim_daily_post(guild, day, f"term-{i}", later) for i in range(8))
        assert claims.count(True) == 1 and claims.count(False) == 7, claims
    attempts = await processes[0].fetchall("SELECT DISTINCT attempts FROM daily_posts")
    assert [tuple(r) for r in attempts] == [(2,)]


async def test_answers_and_round_ends_of_one_server_never_deadlock_across_processes(processes):
    """Answer batches and round ends touch the same members' running totals in whatever order
    the members answered: two writers at once must neither deadlock nor lose a point."""
    quiz = [QuizRepo(db) for db in processes]
    rng = random.Random(9)
    members = list(range(1, 41))
    rounds = [
        await quiz[0].create_round(
            guild_id=1, channel_id=c, started_by=1, topic=None, mode="mixed", question_count=1,
            seconds=20, started_at_ms=0,
        )
        for c in range(1, 9)
    ]  # fmt: skip
    periods = ("all", "w2026-03-02", "m2026-03")

    def batch(round_id: int) -> list[AnswerRow]:
        order = rng.sample(members, len(members))
        return [AnswerRow(round_id, 1, user, 1, "crm", "A", True, 100, 5, 0, periods) for user in order]

    results = await outcomes(
        [write_answers(processes[i % 2], batch(round_id)) for i, round_id in enumerate(rounds)]
        + [
            quiz[i % 2].finish_round(
                round_id, "finished", 1, 1, [(u, False) for u in rng.sample(members, 40)], periods
            )
            for i, round_id in enumerate(rounds)
        ]
    )
    assert [r for r in results if isinstance(r, BaseException)] == []
    totals = await processes[0].fetchall(
        "SELECT DISTINCT points, answered, rounds_played FROM quiz_totals WHERE period = 'all'"
    )
    assert [tuple(r) for r in totals] == [(100 * len(rounds), len(rounds), len(rounds))]
