"""Sending at Discord's limit: the scheduler's due rows go out concurrently within this process's
request budget (the outbox), the most time-critical first, and a quiz's answer counters never hold
up question posts and reveals. The simulated clock starts on Thursday 2026-01-01 00:00 UTC.

Where a test needs the budget to be the bottleneck, it gives the process a small share of it
(what each of 40 processes sharing the bot's token gets, or less), so a few posts fill it.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, time, timedelta

import discord

from bot.cogs import scheduler as scheduler_module
from bot.core.budget import TokenBucket, global_bucket
from bot.storage.schedules import ScheduleStore
from tests.e2e.helpers import write
from tests.e2e.test_daily import advance_to, posts
from tests.e2e.test_quiz import button, runner_of, start
from tests.e2e.test_scheduler_faults import two_servers_with_a_daily_term

T0 = datetime(2026, 1, 1, tzinfo=UTC)
NINE = T0 + timedelta(hours=9)


def watch_requests(world, hold: dict | None = None) -> list[tuple[str, str, datetime]]:
    """Every REST request the bot makes, as (method, path, simulated time when it left).

    `hold` = {"path": ..., "seconds": ...}: the first request to that path reaches Discord that
    much later, what discord.py does while it retries a 5xx (it waits 1, 3, 5 ... s between tries).
    """
    http = world.bot.http
    real = http.request
    seen: list[tuple[str, str, datetime]] = []

    async def request(route, **kwargs):
        seen.append((route.method, route.url, world.env.now()))
        if hold is not None and route.method == "POST" and route.url.endswith(hold["path"]):
            seconds, hold["seconds"] = hold.get("seconds", 0), 0
            if seconds:
                await asyncio.sleep(seconds)
        return await real(route, **kwargs)

    http.request = request
    return seen


async def test_a_send_discord_py_is_retrying_holds_up_only_its_own_server(world):
    # Before: due rows were sent one after the other, so every server behind one whose send
    # discord.py was retrying waited for those retries.
    hall = await two_servers_with_a_daily_term(world)
    # The class server's row comes first in the tick (a second earlier).
    write(world, "UPDATE daily_settings SET next_run_at = next_run_at - 1 WHERE guild_id = ?", [(world.guild.id,)])
    watch_requests(world, hold={"path": f"/channels/{world.channel.id}/messages", "seconds": 20})
    await advance_to(world, NINE + timedelta(seconds=1))
    [other] = posts(world, hall)
    assert other.created_at < NINE + timedelta(seconds=1), "the other server's term went out on time"
    assert posts(world) == []
    await advance_to(world, NINE + timedelta(seconds=25))
    [late] = posts(world)
    assert late.created_at >= NINE + timedelta(seconds=20)


async def servers_with_daily_terms(world, count: int, at: time) -> list:
    """`count` more servers of this process with a daily term at `at` (UTC); their channels."""
    store, channels = ScheduleStore(world.bot.db), []
    for n in range(count):
        guild = world.env.create_guild(f"School {n}")
        channel = guild.create_text_channel("terms")
        await store.set_daily(guild.id, channel.id, at, None, world.env.now())
        channels.append(channel)
    return channels


async def test_a_class_quiz_notice_goes_before_daily_terms_still_queued(world):
    # 20 daily terms at 09:00 take 80 s at this process's share (one post every 4 s); the class
    # quiz's notice due at 09:01 goes at the next free turn, before the terms still waiting.
    world.bot.process.outbox.bucket = global_bucket(40)
    channels = await servers_with_daily_terms(world, 20, time(9))
    await world.teacher.slash(world.channel, "schedule add", channel=world.channel, days="daily", time="09:01")
    await advance_to(world, NINE + timedelta(minutes=2))
    [notice] = [m for m in world.channel.history() if "Quiz starts in 1 minute" in m.content]
    assert notice.created_at <= NINE + timedelta(minutes=1, seconds=4)
    terms = [p for channel in channels for p in posts(world, channel)]
    assert len(terms) == 20, "every daily term went out, none twice"
    assert [t for t in terms if t.created_at > notice.created_at], "some were still queued behind the notice"
    assert max(t.created_at for t in terms) < NINE + timedelta(minutes=1, seconds=30)


async def test_a_question_post_goes_before_answer_counters_waiting_for_their_turn(world):
    # One request every 10 s (simcord lets waits shorter than its 5 s settle limit run by
    # themselves, so the budget must be slower than that to keep requests queued meanwhile).
    world.bot.process.outbox.bucket = TokenBucket(rate=0.1, burst=1)
    rounds = []
    for n in range(3):
        channel = world.guild.create_text_channel(f"class-{n}")
        started = await world.teacher.slash(
            channel, "quiz start", questions=2, mode="multiple_choice", seconds=120
        )
        assert "started a quiz" in started.response.content
        rounds.append(channel)
    await world.env.advance_time(21)  # the three questions are out (at 0, 10 and 20 s)
    quiz = world.bot.get_cog("Quiz")
    requests = watch_requests(world)
    for channel in rounds:
        runner = quiz.runners[channel.id]
        r = runner.round
        click = await world.alice.click(runner.message, custom_id=f"quiz:{r.round_id}:{r.number}:A")
        assert "Locked in" in click.response.content
    # Three "1 answered" edits wait for turns now; a new round's first question is more urgent.
    fourth = world.guild.create_text_channel("class-3")
    await world.teacher.slash(fourth, "quiz start", questions=2, mode="multiple_choice", seconds=120)
    await world.env.advance_time(45)
    order = [(method, url.rsplit("/channels/", 1)[1].split("/")[0]) for method, url, _ in requests]
    order = [(m, int(c)) for m, c in order if m in ("POST", "PATCH")]
    assert order[0] == ("POST", fourth.id), order
    assert sorted(c for m, c in order[1:]) == sorted(c.id for c in rounds), "then the three counters"


async def test_a_reveal_does_not_wait_behind_its_own_answer_counter(world):
    # One request every 20 s: the question takes the only token; the "1 answered" edit then
    # waits for the next one. At the deadline the reveal replaces it on the round's one edit path:
    # before, the counter kept its place there and the reveal came a whole turn later.
    world.bot.process.outbox.bucket = TokenBucket(rate=0.05, burst=1)
    await start(world, questions=2, mode="multiple_choice", seconds=10)
    question = runner_of(world).message
    requests = watch_requests(world)
    click = await world.alice.click(question, custom_id=button(world, "A"))
    assert "Locked in" in click.response.content
    await world.env.advance_time(25)
    edits = [when for method, url, when in requests if method == "PATCH" and url.endswith(f"/{question.id}")]
    assert len(edits) == 1, "the reveal only: the counter it made stale was dropped"
    assert edits[0] <= T0 + timedelta(seconds=21)
    revealed = next(m for m in world.channel.history() if m.id == question.id)
    assert not revealed.components and isinstance(revealed.embeds[0], discord.Embed)


async def test_more_due_rows_than_a_page_go_out_without_waiting_for_the_next_tick(world, monkeypatch):
    # Before: a tick read 500 rows, and the rest waited for the next tick 30 s later, with the
    # budget idle meanwhile (2,000 terms took four ticks). Here a page is 4 rows, for 10 servers.
    monkeypatch.setattr(scheduler_module, "PAGE", 4)
    channels = await servers_with_daily_terms(world, 10, time(9))
    await advance_to(world, NINE + timedelta(seconds=5))
    assert [len(posts(world, c)) for c in channels] == [1] * 10, "every page read at once, not at 09:00:30"
    assert max(m.created_at for c in channels for m in posts(world, c)) < NINE + timedelta(seconds=5)
    await advance_to(world, NINE + timedelta(minutes=2))
    assert [len(posts(world, c)) for c in channels] == [1] * 10
