"""A process that runs some of the bot's shards acts only for its own servers.

The bot here runs shard 0 of 2 (SHARD_COUNT=2, SHARD_IDS=0), as one of two processes sharing one
database; the other process (shard 1) is not running. Its server's rows are in the database
(written as that process would), but Discord sends this process nothing about that server. The
simulated clock starts on Thursday 2026-01-01 00:00 UTC.
"""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, time, timedelta

import discord
import pytest

from bot.core.homework import Kind
from bot.core.schedule import EVERY_DAY
from bot.storage.homework import HomeworkStore
from bot.storage.quiz import QuizRepo
from bot.storage.schedules import ScheduleStore
from tests.e2e.conftest import World
from tests.e2e.helpers import rows
from tests.e2e.test_assign import said
from tests.e2e.test_daily import advance_to, posts

T0 = datetime(2026, 1, 1, tzinfo=UTC)
NINE = T0 + timedelta(hours=9)


@pytest.fixture
def settings(settings):
    return dataclasses.replace(settings, shard_count=2, shard_ids=(0,))


@pytest.fixture
async def world(simcord_env, make_bot) -> World:
    """The class server is on shard 0 (this process's); `world.other` is a server on shard 1."""
    await simcord_env.bot.tree.sync()
    guild = simcord_env.create_guild("Customer Relations 101", shard_id=0)
    channel = guild.create_text_channel("class")
    teachers = guild.create_role("Teacher", permissions=discord.Permissions(manage_guild=True))
    teacher = guild.add_member(simcord_env.create_user("ms_rivera"), roles=[teachers])
    alice = guild.add_member(simcord_env.create_user("alice"))
    bob = guild.add_member(simcord_env.create_user("bob"))
    carol = guild.add_member(simcord_env.create_user("carol"))
    world = World(simcord_env, guild, channel, teacher, alice, bob, carol, make_bot)
    world.other = simcord_env.create_guild("Marketing 201", shard_id=1)
    world.hall = world.other.create_text_channel("hall")
    return world


async def other_process_sets_a_daily_term(world, at=time(9)) -> None:
    """Shard 1's process stored a daily term for its server (its /daily set)."""
    await ScheduleStore(world.bot.db).set_daily(world.other.id, world.hall.id, at, None, world.env.now())


def count_reads(store, method: str) -> list:
    """Wrap a store's due query: the list gets the `now` of each call (an idle tick makes none)."""
    reads, real = [], getattr(store, method)

    async def counted(now, *args, **kwargs):
        reads.append(now)
        return await real(now, *args, **kwargs)

    setattr(store, method, counted)
    return reads


def test_the_process_knows_its_shards(world):
    process = world.bot.process
    assert world.bot.shard_count == 2 and world.bot.shard_ids == (0,)
    assert process.owns(world.guild.id) and not process.owns(world.other.id)
    assert process.owns(None), "direct messages belong to shard 0"
    assert process.processes == 2, "two processes of one shard each share the token's budget"


async def test_the_daily_term_goes_out_only_for_this_process_s_servers(world):
    await world.teacher.slash(world.channel, "daily set", channel=world.channel, time="09:00")
    await other_process_sets_a_daily_term(world)
    await advance_to(world, NINE + timedelta(minutes=5))
    assert len(posts(world)) == 1
    assert posts(world, world.hall) == [], "shard 1's server is shard 1's process's to post in"
    assert rows(world, "SELECT guild_id FROM daily_posts") == [(world.guild.id,)]
    [(due,)] = rows(world, "SELECT next_run_at FROM daily_settings WHERE guild_id = ?", (world.other.id,))
    assert due == int(NINE.timestamp()), "left due for its own process, untouched"


async def test_another_process_s_overdue_rows_never_keep_this_one_awake(world):
    # Shard 1's process is down with an overdue daily term. This process's idle ticks still skip
    # the database: the earliest next run it looks at is its own servers' (tomorrow 09:00).
    await world.teacher.slash(world.channel, "daily set", channel=world.channel, time="09:00")
    await other_process_sets_a_daily_term(world, at=time(8))
    reads = count_reads(world.bot.get_cog("Scheduler").store, "due_daily")
    # 09:00 posts (in the background), 09:00:30 finds nothing due and the next run tomorrow.
    await advance_to(world, NINE + timedelta(seconds=31))
    assert len(posts(world)) == 1
    reads.clear()
    await advance_to(world, NINE + timedelta(minutes=4))
    assert reads == [], "seven idle ticks, no query"


async def test_a_restart_closes_only_this_process_s_rounds(world):
    started = await world.teacher.slash(world.channel, "quiz start", questions=3, seconds=30)
    assert "started a quiz" in started.response.content
    question = world.channel.last_message
    # Shard 1's process runs a round in its server right now.
    theirs = await QuizRepo(world.bot.db).create_round(
        guild_id=world.other.id, channel_id=world.hall.id, started_by=1, topic=None, mode="mixed",
        question_count=5, seconds=20, started_at_ms=int(world.env.now().timestamp() * 1000),
    )  # fmt: skip
    await world.restart()
    await world.env.advance_time(1)
    closed = world.bot.get_cog("Quiz").interrupted
    assert [r.guild_id for r in closed] == [world.guild.id]
    edited = next(m for m in world.channel.history() if m.id == question.id)
    assert "interrupted because the bot restarted" in edited.content
    status = dict(rows(world, "SELECT guild_id, status FROM quiz_rounds"))
    assert status == {world.guild.id: "interrupted", world.other.id: "active"}, theirs


async def test_a_scheduled_quiz_of_the_other_shard_is_left_to_its_process(world):
    store = ScheduleStore(world.bot.db)
    await store.add_quiz_schedule(
        world.other.id, world.hall.id, EVERY_DAY, time(9), questions=3, topic=None, mode="mixed", seconds=20,
        created_by=1, now=world.env.now(),
    )  # fmt: skip
    await world.teacher.slash(world.channel, "schedule add", channel=world.channel, days="daily", time="09:00")
    await advance_to(world, NINE + timedelta(minutes=1, seconds=5))
    assert "Quiz starts" in "".join(m.content for m in world.channel.history())
    assert world.hall.history() == []
    assert rows(world, "SELECT guild_id FROM quiz_rounds") == [(world.guild.id,)]


async def test_homework_reminders_go_out_only_for_this_process_s_servers(world):
    # Shard 1's process (down) stored an assignment in its server whose reminder is due before ours.
    due = NINE + timedelta(hours=30)
    theirs = await HomeworkStore(world.bot.db).create(
        world.other.id, kind=Kind.TEST, goal=80, topic=None, questions=5, channel_id=world.hall.id,
        created_by=1, now=world.env.now(), due_at=due - timedelta(hours=3), remind_at=NINE - timedelta(hours=3),
    )  # fmt: skip
    created = await world.teacher.slash(world.channel, "assign create", kind="test", due="fri 15:00")
    assert "I'll post a reminder" in said(created)
    reads = count_reads(world.bot.get_cog("Homework").store, "due_reminders")
    # Thursday 15:00: our reminder (24 h before Friday 15:00) goes out; theirs, due since 06:00, is
    # left to their process: never claimed here, and it never wakes this process's idle ticks.
    await advance_to(world, T0 + timedelta(hours=15, minutes=2))
    assert [m.content.startswith("⏰ **Reminder:**") for m in world.channel.history()].count(True) == 1
    assert world.hall.history() == []
    assert rows(world, "SELECT reminder FROM assignments WHERE id = ?", (theirs.id,)) == [(None,)]
    reads.clear()
    await advance_to(world, T0 + timedelta(hours=15, minutes=10))
    assert reads == [], "idle ticks: nothing of this process's servers is due"
