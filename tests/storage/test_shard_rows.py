"""Each process reads only its own shards' rows: the scheduler's due queries and its idle-tick
probe, homework's reminder queries, and restart recovery, filter by Discord's shard formula in SQL
(both engines)."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import pytest

from bot.core.homework import Kind
from bot.core.schedule import EVERY_DAY
from bot.core.shards import ShardPlan, shard_of
from bot.storage.homework import HomeworkStore
from bot.storage.quiz import QuizRepo
from bot.storage.schedules import ScheduleStore
from tests.storage.engine import plan_of, uses_index

NOW = datetime(2026, 6, 1, 12, tzinfo=UTC)
# Real-looking server ids (snowflakes of 2024), two on each of shards 0-3 of 4.
BASE = 1_280_000_000_000_000_000


def guild_on(shard: int, count: int, nth: int = 0) -> int:
    guild = BASE + (nth * count << 22)
    while shard_of(guild, count) != shard:
        guild += 1 << 22
    return guild


GUILDS = {shard: [guild_on(shard, 4, n) for n in range(2)] for shard in range(4)}


async def fill(db) -> ScheduleStore:
    """Every server has a daily term and a quiz schedule due an hour ago (its process is down)."""
    store = ScheduleStore(db)
    earlier = NOW - timedelta(hours=2)
    for guilds in GUILDS.values():
        for guild in guilds:
            await store.set_daily(guild, guild + 1, time(11), None, earlier)
            await store.add_quiz_schedule(
                guild, guild + 2, EVERY_DAY, time(11), questions=5, topic=None, mode="mixed", seconds=20,
                created_by=1, now=earlier,
            )  # fmt: skip
    return store


@pytest.mark.parametrize("ids", [(0,), (1, 3), (2,)])
async def test_the_due_queries_return_only_this_process_s_servers(db, ids):
    await fill(db)
    mine = ScheduleStore(db, shards=ShardPlan(4, ids))
    wanted = sorted(g for shard in ids for g in GUILDS[shard])
    assert sorted(d.guild_id for d in await mine.due_daily(NOW)) == wanted
    assert sorted(q.guild_id for q in await mine.due_quiz_schedules(NOW)) == wanted


async def test_other_processes_overdue_rows_never_take_this_one_s_places(db):
    store = await fill(db)
    # Shard 0's process is down: its rows stay overdue, and come first in next-run order.
    for guild in GUILDS[0]:
        await store.reschedule_daily(guild, NOW - timedelta(days=3), NOW)
    shard_one = ScheduleStore(db, shards=ShardPlan(4, (1,)))
    assert [d.guild_id for d in await shard_one.due_daily(NOW, limit=2)] == GUILDS[1]
    everyone = ScheduleStore(db)
    assert {d.guild_id for d in await everyone.due_daily(NOW, limit=2)} == set(GUILDS[0]), "without the filter"


async def test_the_idle_probe_looks_only_at_this_process_s_servers(db):
    store = await fill(db)
    later = NOW + timedelta(hours=5)
    for guild in GUILDS[2] + GUILDS[3]:
        await store.reschedule_daily(guild, later, NOW)
    for schedule in [q for shard in (2, 3) for g in GUILDS[shard] for q in await store.list_quiz_schedules(g)]:
        await store.advance_quiz_schedule(schedule.id, schedule.next_run_at, later)
    assert await ScheduleStore(db, shards=ShardPlan(4, (2, 3))).next_due_at() == later
    assert await ScheduleStore(db, shards=ShardPlan(4, (0,))).next_due_at() < NOW
    assert await ScheduleStore(db).next_due_at() < NOW


async def test_a_plan_with_every_shard_filters_nothing(db):
    await fill(db)
    assert len(await ScheduleStore(db, shards=ShardPlan(4, (0, 1, 2, 3))).due_daily(NOW)) == 8
    assert len(await ScheduleStore(db, shards=None).due_quiz_schedules(NOW)) == 8


async def test_the_filtered_due_queries_still_use_their_indexes(db):
    await fill(db)
    mine = ScheduleStore(db, shards=ShardPlan(4, (1, 3)))
    await db.execute("ANALYZE")
    for (sql, params), index in ((mine._due_daily, "daily_settings_due"), (mine._due_quiz, "quiz_schedules_due")):
        plan = await plan_of(db, sql, (0, *params, 500))
        assert uses_index(db, plan, index), plan


async def test_restart_recovery_closes_only_this_process_s_rounds(db):
    repo = QuizRepo(db)
    rounds = {}
    for shard, guilds in GUILDS.items():
        for guild in guilds:
            rounds[guild] = await repo.create_round(
                guild_id=guild, channel_id=guild + 3, started_by=1, topic=None, mode="mixed", question_count=5,
                seconds=20, started_at_ms=1000 + shard,
            )  # fmt: skip
    closed = await repo.interrupt_active_rounds(5000, shards=ShardPlan(4, (1,)))
    assert sorted(r.guild_id for r in closed) == GUILDS[1]
    still = {r[0] for r in await db.fetchall("SELECT guild_id FROM quiz_rounds WHERE status = 'active'")}
    assert still == {g for shard in (0, 2, 3) for g in GUILDS[shard]}
    # One process for all shards closes the rest.
    assert len(await repo.interrupt_active_rounds(6000)) == 6


async def test_homework_reminders_due_and_next_are_only_this_process_s(db):
    store = HomeworkStore(db)
    ids = {}
    for shard, guilds in GUILDS.items():
        for nth, guild in enumerate(guilds):
            # Shard 0's process is down: its reminders are overdue and come first in time order.
            remind = NOW - timedelta(hours=3) if shard == 0 else NOW - timedelta(minutes=10 * (shard * 2 + nth))
            made = await store.create(
                guild, kind=Kind.TEST, goal=80, topic=None, questions=5, channel_id=guild + 1, created_by=1,
                now=NOW - timedelta(days=1), due_at=remind + timedelta(hours=24), remind_at=remind,
            )  # fmt: skip
            ids[guild] = made.id
    mine = HomeworkStore(db, shards=ShardPlan(4, (1, 3)))
    assert sorted(a.guild_id for a in await mine.due_reminders(NOW)) == sorted(GUILDS[1] + GUILDS[3])
    assert [a.guild_id for a in await mine.due_reminders(NOW, limit=2)] == [GUILDS[3][1], GUILDS[3][0]]
    assert {a.guild_id for a in await store.due_reminders(NOW, limit=2)} == set(GUILDS[0]), "without the filter"
    assert await mine.next_reminder_at() == NOW - timedelta(minutes=70)
    assert await store.next_reminder_at() == NOW - timedelta(hours=3)
    for guild in GUILDS[1] + GUILDS[3]:
        assert await mine.claim_reminder(ids[guild])
    assert await mine.due_reminders(NOW) == [] and await mine.next_reminder_at() is None
    assert await HomeworkStore(db, shards=ShardPlan(4, (0,))).next_reminder_at() == NOW - timedelta(hours=3)
    sql, params = mine._due
    plan = await plan_of(db, sql, (0, *params, 50))
    assert uses_index(db, plan, "assignments_reminders" if db.engine == "sqlite" else None), plan
