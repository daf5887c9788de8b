"""When posting goes wrong: Discord errors on the daily term and quiz notices, deleted channels,
and a broken server or query that must not stop the one loop for everyone. The simulated clock
starts on Thursday 2026-01-01 00:00 UTC; the daily term posts at 09:00 UTC."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

import discord
import pytest

from tests.e2e.helpers import rows
from tests.e2e.test_daily import advance_to, posts, set_daily

T0 = datetime(2026, 1, 1, tzinfo=UTC)
NINE = T0 + timedelta(hours=9)
MESSAGES = "/channels/*/messages"


async def daily_show(world) -> dict[str, str]:
    embed = (await world.teacher.slash(world.channel, "daily show")).response.embeds[0]
    return {f.name: f.value for f in embed.fields}


async def two_servers_with_a_daily_term(world):
    """The class server's daily term in #class, and a second server's in its #hall (returned)."""
    other = world.env.create_guild("Marketing 201")
    hall = other.create_text_channel("hall")
    managers = other.create_role("Teacher", permissions=discord.Permissions(manage_guild=True))
    teacher = other.add_member(world.env.create_user("mr_okafor"), roles=[managers])
    await set_daily(world)
    await teacher.slash(hall, "daily set", channel=hall, time="09:00")
    return hall


@pytest.mark.parametrize(("status", "message"), [(500, "Internal Server Error"), (503, "Service Unavailable")])
async def test_a_failed_send_is_retried_the_same_day_with_the_same_term(world, caplog, status, message):
    caplog.set_level(logging.WARNING, logger="bot.cogs.daily")
    await set_daily(world)
    world.env.inject_error("POST", MESSAGES, status=status, message=message, times=1)
    await advance_to(world, NINE + timedelta(seconds=30))
    assert posts(world) == []
    [(term_id, status, attempts)] = rows(world, "SELECT term_id, status, attempts FROM daily_posts")
    assert (status, attempts) == ("failed", 1)
    assert "not sent (attempt 1)" in caplog.text
    shown = await daily_show(world)
    assert "Not sent yet (1 attempts)" in shown["⚠️ Today's post"] and "⏸️ Paused" not in shown, (
        "a retry, not a pause"
    )
    await advance_to(world, NINE + timedelta(minutes=1))  # the first retry comes a minute later
    [post] = posts(world)
    assert post.created_at == NINE + timedelta(minutes=1)
    assert post.embeds[0].title == f"📅 {world.bot.deck.get(term_id).name}", "the same term, not a new one"
    assert rows(world, "SELECT status, attempts FROM daily_posts") == [("sent", 2)]
    assert rows(world, "SELECT rotation_pos FROM daily_settings") == [(1,)], "the rotation moved once"
    await advance_to(world, NINE + timedelta(hours=2))
    assert len(posts(world)) == 1


async def test_a_channel_that_refuses_posts_pauses_only_its_own_server(world):
    hall = await two_servers_with_a_daily_term(world)
    world.env.inject_error(
        "POST", f"/channels/{world.channel.id}/messages", status=403, code=50001, message="Missing Access",
        times=None,
    )  # fmt: skip
    await advance_to(world, NINE + timedelta(seconds=30))
    assert "Missing Access" in (await daily_show(world))["⏸️ Paused"]
    assert len(posts(world, hall)) == 1, "the other server's post went out in the same tick"
    await advance_to(world, NINE + timedelta(days=1, seconds=30))
    assert len(posts(world, hall)) == 2 and posts(world) == [], "the loop goes on; the paused one waits"
    assert world.bot.get_cog("Scheduler").tick.is_running()


async def test_after_four_failed_sends_the_day_is_given_up(world):
    await set_daily(world)
    world.env.inject_error("POST", MESSAGES, status=503, message="Service Unavailable", times=None)
    await advance_to(world, NINE + timedelta(hours=3))
    assert rows(world, "SELECT status, attempts FROM daily_posts") == [("failed", 4)]  # 09:00, :01, :06, :26
    assert (await daily_show(world))["Next post"].startswith("Fri 2 Jan, 09:00")
    world.env.backend.faults.clear()
    await advance_to(world, NINE + timedelta(hours=23))
    assert posts(world) == [], "never late, never twice: the day is over for the daily term"
    await advance_to(world, NINE + timedelta(days=1, seconds=1))
    assert [p.created_at for p in posts(world)] == [NINE + timedelta(days=1)]


async def test_missing_permission_pauses_until_set_again(world):
    await set_daily(world)
    world.env.inject_error("POST", MESSAGES, status=403, code=50013, message="Missing Permissions")
    await advance_to(world, NINE + timedelta(minutes=30))
    assert posts(world) == []
    paused = (await daily_show(world))["⏸️ Paused"]
    assert f"I'm not allowed to post in <#{world.channel.id}>" in paused and "Missing Permissions" in paused
    assert "run /daily set again to resume" in paused
    refused = await world.teacher.slash(world.channel, "daily now")
    assert refused.ephemeral and "paused" in refused.response.content
    await set_daily(world)  # the teacher fixed the permission
    assert "⏸️ Paused" not in await daily_show(world)
    await world.teacher.slash(world.channel, "daily now")
    assert len(posts(world)) == 1, "/daily now still posts today's term after the resume"


async def test_unknown_channel_from_discord_pauses(world):
    await set_daily(world)
    world.env.inject_error("POST", MESSAGES, status=404, code=10003, message="Unknown Channel")
    await advance_to(world, NINE + timedelta(minutes=30))
    assert "the channel was deleted" in (await daily_show(world))["⏸️ Paused"]
    assert rows(world, "SELECT status, attempts FROM daily_posts") == [("failed", 1)], "no retries once paused"


async def test_a_deleted_channel_pauses_at_once_and_a_new_channel_resumes(world):
    room = world.guild.create_text_channel("term-of-the-day")
    await world.teacher.slash(world.channel, "daily set", channel=room, time="09:00")
    world.env.backend.delete_channel(room.id)
    await world.env.advance_time(1)
    assert "the channel was deleted" in (await daily_show(world))["⏸️ Paused"]
    await advance_to(world, NINE + timedelta(minutes=5))
    assert rows(world, "SELECT COUNT(*) FROM daily_posts") == [(0,)]
    await set_daily(world)
    await advance_to(world, NINE + timedelta(days=1, seconds=1))
    assert [p.created_at for p in posts(world)] == [NINE + timedelta(days=1)]


async def test_a_failing_quiz_notice_pauses_the_channel_schedules(world):
    await world.teacher.slash(world.channel, "daily set", channel=world.channel, time="09:00")
    await world.teacher.slash(world.channel, "schedule add", channel=world.channel, days="thu", time="08:00")
    world.env.inject_error("POST", MESSAGES, status=403, code=50001, message="Missing Access")
    await advance_to(world, T0 + timedelta(hours=8, minutes=2))
    listed = (await world.teacher.slash(world.channel, "schedule list")).response.embeds[0].fields[0].value
    assert "⏸️ Paused: I'm not allowed to post in" in listed
    assert "Missing Access" in (await daily_show(world))["⏸️ Paused"], "the daily term in that channel too"
    assert rows(world, "SELECT COUNT(*) FROM quiz_rounds") == [(0,)]


async def test_one_broken_server_does_not_stop_the_others(world, monkeypatch, caplog):
    hall = await two_servers_with_a_daily_term(world)
    daily = world.bot.get_cog("DailyTerm")
    real = daily.post_today

    async def broken_for_the_first_server(settings, now, **options):
        if settings.guild_id == world.guild.id:
            raise RuntimeError("boom")
        return await real(settings, now, **options)

    monkeypatch.setattr(daily, "post_today", broken_for_the_first_server)
    caplog.set_level(logging.ERROR, logger="bot.cogs.scheduler")
    await advance_to(world, NINE + timedelta(seconds=1))
    assert len(posts(world, hall)) == 1 and posts(world) == []
    assert f"daily term of guild {world.guild.id} failed; the loop goes on" in caplog.text
    monkeypatch.undo()
    await world.env.advance_time(30)  # the loop is alive: the first server's row is still due
    assert len(posts(world)) == 1 and len(posts(world, hall)) == 1


async def test_a_failing_query_does_not_stop_the_tick_or_the_loop(world, monkeypatch, caplog):
    await set_daily(world)
    scheduler = world.bot.get_cog("Scheduler")

    async def unreadable(now, limit=500):
        raise RuntimeError("database is locked")

    monkeypatch.setattr(scheduler.store, "due_quiz_schedules", unreadable)
    caplog.set_level(logging.ERROR, logger="bot.cogs.scheduler")
    await advance_to(world, NINE + timedelta(seconds=1))
    assert "could not read the due quiz schedules" in caplog.text
    assert len(posts(world)) == 1, "the daily terms of the same tick still went out"
    assert scheduler.tick.is_running()
