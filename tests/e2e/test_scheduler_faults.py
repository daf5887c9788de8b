"""When posting goes wrong: Discord errors on the daily term and quiz notices, deleted channels,
and a broken server or query that must not stop the one loop for everyone. The simulated clock
starts on Thursday 2026-01-01 00:00 UTC; the daily term posts at 09:00 UTC."""

from __future__ import annotations

import copy
import fnmatch
import logging
from datetime import UTC, datetime, timedelta

import discord
import pytest
from simcord.backend.errors import BackendError
from simcord.http import router

from tests.e2e.helpers import rows
from tests.e2e.test_daily import advance_to, posts, set_daily, shown_at

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


@pytest.mark.parametrize(
    ("status", "message", "stored", "said"),
    [
        # Discord answered, but not with the message: it may or may not have been created.
        (500, "Internal Server Error", "pending", "not confirmed (attempt 1)"),
        (503, "Service Unavailable", "pending", "not confirmed (attempt 1)"),
        # Discord refused it (discord.py gave up waiting out a rate limit): nothing was created.
        (429, "You are being rate limited.", "failed", "not sent (attempt 1)"),
    ],
)
async def test_a_failed_send_is_retried_the_same_day_with_the_same_term(
    world, caplog, status, message, stored, said
):
    caplog.set_level(logging.WARNING, logger="bot.cogs.daily")
    await set_daily(world)
    world.env.inject_error("POST", MESSAGES, status=status, message=message, times=1)
    await advance_to(world, NINE + timedelta(seconds=30))
    assert posts(world) == []
    [(term_id, status_, attempts)] = rows(world, "SELECT term_id, status, attempts FROM daily_posts")
    assert (status_, attempts) == (stored, 1)
    assert said in caplog.text
    shown = await daily_show(world)
    assert "⚠️ Today's post" in shown and "⏸️ Paused" not in shown, "a retry, not a pause"
    await advance_to(world, NINE + timedelta(minutes=1))  # the first retry comes a minute later
    [post] = posts(world)
    assert post.created_at == NINE + timedelta(minutes=1)
    assert post.embeds[0].title == f"📅 {world.bot.deck.get(term_id).name}", "the same term, not a new one"
    assert rows(world, "SELECT status, attempts, message_id FROM daily_posts") == [("sent", 2, post.id)]
    assert rows(world, "SELECT rotation_pos FROM daily_settings") == [(1,)], "the rotation moved once"
    await advance_to(world, NINE + timedelta(hours=2))
    assert len(posts(world)) == 1


class DiscordLosesTheAnswer:
    """Stands for what real Discord does and simcord does not model, on POST .../messages:

    - while `down` is set, every send fails with it before anything is stored;
    - the first `lose` sends ARE posted, but the bot gets `status` instead of the message (a
      gateway time-out, a 5xx from a proxy in front of the API after the message was stored);
    - `enforce_nonce`: a send with the nonce of a message the same bot posted less than `window`
      ago is not posted again; Discord answers with the message it has. (Simcord accepts the
      nonce and ignores it, so it would post a copy.) Discord promises "the past few minutes";
      `window` is two minutes here, the least the bot counts on.
    """

    def __init__(self, world, monkeypatch, *, lose=1, status=503, window=timedelta(minutes=2)) -> None:
        self.world, self.lose, self.status, self.window = world, lose, status, window
        self.down: int | None = None  # a status every send gets before reaching Discord's storage
        self.nonces: list[tuple[str | None, bool]] = []  # (nonce, enforce_nonce) of every send
        self.seen: dict[str, tuple[dict, datetime]] = {}
        self.real = router.dispatch
        monkeypatch.setattr(router, "dispatch", self.dispatch)

    def dispatch(self, backend, method, path, *, json=None, **options):
        if method != "POST" or not fnmatch.fnmatch(path, MESSAGES) or not isinstance(json, dict):
            return self.real(backend, method, path, json=json, **options)
        nonce, now = json.get("nonce"), self.world.env.now()
        self.nonces.append((nonce, json.get("enforce_nonce", False)))
        if self.down:
            raise BackendError(self.down, 0, "Bad Gateway")
        if json.get("enforce_nonce") and nonce in self.seen and now - self.seen[nonce][1] <= self.window:
            return copy.deepcopy(self.seen[nonce][0])
        created = self.real(backend, method, path, json=json, **options)
        if nonce is not None:
            self.seen[nonce] = (copy.deepcopy(created), now)
        if self.lose > 0:
            self.lose -= 1
            raise BackendError(self.status, 0, "Service Unavailable (the message was created)")
        return created


async def test_a_post_discord_made_without_saying_so_is_not_posted_again(world, monkeypatch):
    # Before: the retry a minute later went out with a new random nonce, so Discord posted the
    # term a second time: twice in a day.
    discord_ = DiscordLosesTheAnswer(world, monkeypatch)
    await set_daily(world)
    await advance_to(world, NINE + timedelta(seconds=30))
    [post] = posts(world)  # it is in the channel, but the bot was told 503
    await advance_to(world, NINE + timedelta(minutes=3))
    assert posts(world) == [post], "the resend got the same message back, not a second post"
    assert rows(world, "SELECT status, attempts, message_id FROM daily_posts") == [("sent", 2, post.id)]
    [(first, enforce), (second, enforce_again)] = discord_.nonces
    assert first == second and enforce and enforce_again and len(first) <= 25, "one nonce for the day"
    assert "⚠️ Today's post" not in await daily_show(world)

    await advance_to(world, NINE + timedelta(days=1, seconds=30))
    assert len(posts(world)) == 2 and discord_.nonces[-1][0] != first, "a new day, a new nonce"


async def test_an_unconfirmed_post_is_resent_only_while_discord_drops_copies(world, monkeypatch, caplog):
    caplog.set_level(logging.WARNING, logger="bot.cogs.daily")
    discord_ = DiscordLosesTheAnswer(world, monkeypatch)
    await set_daily(world)
    await advance_to(world, NINE + timedelta(seconds=1))
    assert len(posts(world)) == 1  # posted, but the bot was told 503
    assert rows(world, "SELECT status, message_id FROM daily_posts") == [("pending", None)]
    unconfirmed = (await daily_show(world))["⚠️ Today's post"]
    assert "Discord didn't confirm it" in unconfirmed and shown_at(NINE + timedelta(minutes=2)) in unconfirmed
    discord_.down = 502  # then Discord fails before storing anything
    await advance_to(world, NINE + timedelta(minutes=30))
    # 09:00 (posted, answer lost), 09:01 and 09:02 (Discord down), and no more: after the two
    # minutes Discord is known to drop a copy in, another send could be a second post.
    assert len(discord_.nonces) == 3 and len({n for n, _ in discord_.nonces}) == 1
    assert rows(world, "SELECT status, attempts FROM daily_posts") == [("pending", 3)]
    assert "not confirmed (attempt 3)" in caplog.text
    discord_.down = None
    await advance_to(world, NINE + timedelta(hours=14))
    assert len(posts(world)) == 1, "never twice a day"
    assert "Not sent again today, so it never appears twice" in (await daily_show(world))["⚠️ Today's post"]
    now = await world.teacher.slash(world.channel, "daily now")
    assert (
        now.ephemeral and "may be in" in now.response.content and "isn't sent again today" in now.response.content
    )
    assert len(posts(world)) == 1
    await advance_to(world, NINE + timedelta(days=1, seconds=1))
    assert [p.created_at for p in posts(world)] == [NINE, NINE + timedelta(days=1)]


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


async def test_after_four_refused_sends_the_day_is_given_up(world):
    await set_daily(world)
    world.env.inject_error("POST", MESSAGES, status=429, message="You are being rate limited.", times=None)
    await advance_to(world, NINE + timedelta(hours=3))
    assert rows(world, "SELECT status, attempts FROM daily_posts") == [("failed", 4)]  # 09:00, :01, :06, :26
    assert (await daily_show(world))["Next post"] == shown_at(NINE + timedelta(days=1))
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
