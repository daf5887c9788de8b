"""Smoke test of the benchmark harness (tests/bench/standin), so it cannot rot unnoticed.

The real `python -m bot` process connects over sockets to the local Discord stand-in, and answers a
/define, an autocomplete and a quiz answer click; the floor bot does the same; the stand-in plays
Discord's rules (3-second deadline, 429 with retry_after). Nothing is timed: the generous limits
only decide whether an answer arrived at all.
"""

from __future__ import annotations

import asyncio
import time

import aiohttp
import pytest

from tests.bench.standin import harness as h
from tests.bench.standin import interactions as ix
from tests.bench.standin.server import StandIn

ARRIVES = 60.0  # seconds: "did it arrive at all", on a busy 2-core machine


async def test_real_bot_answers_define_autocomplete_and_a_quiz_click(tmp_path):
    bot = await h.launch("bot", 3, tmp_path / "bot")
    try:
        guild = bot.guilds[0]
        members = h.Members()
        factory = bot.standin.factory
        define = await bot.ask(
            factory.command(
                "define", {"term": "crm"}, guild=guild, channel_id=guild.text_channels[0], user_id=members()
            ),
            within=ARRIVES,
        )
        assert define.callback_type == ix.MESSAGE
        assert define.reply["embeds"][0]["title"] == "Customer Relationship Management"

        choices = await bot.ask(
            factory.command(
                "define",
                {"term": "loyal"},
                guild=guild,
                channel_id=guild.text_channels[0],
                user_id=members(),
                focused="term",
            ),
            within=ARRIVES,
        )
        assert "customer-loyalty" in [c["value"] for c in choices.reply]

        # Discord answers the round's first question post with a 429: discord.py waits and retries.
        bot.standin.inject("POST", r"/channels/\d+/messages$", status=429, retry_after=0.1, times=1)
        (round_,) = await h.start_rounds(bot, 1, channel_index=2, members=members)
        _guild, _channel, question = round_
        assert bot.standin.requests["POST /channels/{channel_id}/messages"] >= 2  # the 429, then the retry
        click = await bot.ask(h.quiz_clicks(bot, [round_], members)(0), within=ARRIVES)
        assert click.reply["content"].startswith("🔒 Locked in")
        assert click.reply["flags"] & 64  # ephemeral
        assert bot.proc.cpu_seconds() > 0
        assert question["components"]
        await h.stop_rounds(bot, [round_], members)
        # A new round in the same channel: its own question, not the stopped round's (clicks on that
        # one are refused without a write, and a benchmark measuring them would measure nothing).
        for _ in range(60):  # the stopped round ends (its podium) before the channel takes a new one
            await asyncio.sleep(0.5)
            try:
                (again,) = await h.start_rounds(bot, 1, channel_index=2, members=members, within=2)
                break
            except TimeoutError:
                continue
        assert again[2]["id"] != question["id"]
        late = await bot.ask(h.quiz_clicks(bot, [round_], members)(0), within=ARRIVES)
        assert not h.locked_in(late.reply), "the stopped round's question takes no answer"
        batch = await h.fire(bot, h.quiz_clicks(bot, [again], members), 5, 50, accepted=h.locked_in)
        assert batch.refused == 0 and len(batch.latencies_ms) == 5
        await h.stop_rounds(bot, [again], members)
    finally:
        await h.shutdown(bot)
    assert bot.proc.proc.returncode == 0, bot.proc.tail_log()


async def test_floor_bot_answers_the_same_interactions(tmp_path):
    floor = await h.launch("floor", 2, tmp_path / "floor")
    try:
        guild = floor.guilds[0]
        members = h.Members()
        define = await floor.ask(
            floor.standin.factory.command(
                "define", {"term": "crm"}, guild=guild, channel_id=guild.text_channels[0], user_id=members()
            ),
            within=ARRIVES,
        )
        assert define.reply["content"].startswith("Customer Relationship Management")
        button = {"type": 2, "style": 1, "label": "A", "custom_id": "quiz:1:1:A"}
        components = [{"type": 1, "components": [button]}]  # discord.py finds the clicked item here
        message = {"id": "1", "channel_id": "1", "content": "", "components": components, "embeds": [], "flags": 0}
        message.update(
            author=floor.standin.bot_user, type=0, attachments=[], timestamp="2026-01-01T00:00:00+00:00"
        )
        clicked = await floor.ask(h.floor_clicks(floor, [(message, "quiz:1:1:A")], members)(0), within=ARRIVES)
        assert clicked.reply["content"] == "🔒 Locked in: A"
    finally:
        await h.shutdown(floor)


@pytest.fixture
async def standin():
    server = StandIn(1)
    await server.start()
    yield server
    await server.stop()


async def test_standin_refuses_a_callback_after_three_seconds_and_a_second_one(standin):
    guild = standin.guilds[0]
    _payload, late = standin.factory.command(
        "define", {"term": "x"}, guild=guild, channel_id=guild.text_channels[0], user_id=1
    )
    _payload, fresh = standin.factory.command(
        "define", {"term": "x"}, guild=guild, channel_id=guild.text_channels[0], user_id=2
    )
    for exchange in (late, fresh):
        standin.exchanges[exchange.id] = exchange
        standin.by_token[exchange.token] = exchange
    late.sent_at = time.perf_counter() - 4  # the event left the gateway 4 s ago
    fresh.sent_at = time.perf_counter()
    async with aiohttp.ClientSession() as http:

        async def callback(exchange):
            url = f"{standin.url}/api/v10/interactions/{exchange.id}/{exchange.token}/callback?with_response=1"
            async with http.post(url, json={"type": 4, "data": {"content": "hi"}}) as response:
                return response.status, await response.json()

        assert await callback(late) == (404, {"message": "Unknown interaction", "code": 10062})
        assert late.expired
        status, body = await callback(fresh)
        assert status == 200 and body["resource"]["message"]["content"] == "hi"
        assert (await callback(fresh))[1]["code"] == 40060  # already acknowledged


async def test_standin_rate_limits_channel_posts_like_discord(standin):
    channel = standin.guilds[0].text_channels[0]
    async with aiohttp.ClientSession() as http:
        statuses, remaining = [], []
        for _ in range(6):
            async with http.post(f"{standin.url}/api/v10/channels/{channel}/messages", json={"content": "x"}) as r:
                statuses.append(r.status)
                remaining.append(r.headers.get("X-RateLimit-Remaining"))
                body = await r.json()
        assert statuses == [200] * 5 + [429]
        assert remaining == ["4", "3", "2", "1", "0", "0"]
        assert body["retry_after"] > 0 and body["global"] is False
        assert r.headers["Via"]  # without it discord.py takes a 429 for a Cloudflare ban and gives up
