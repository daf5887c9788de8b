"""What the bot asks Discord's gateway for: only the guilds intent, no prefix commands, no message or
member caches. Messages in the class channel (even "@Bot hi") never reach it, and nothing is logged
for them, while every slash command, button and scheduled post keeps working."""

from __future__ import annotations

import asyncio
import logging
import subprocess
import sys
from datetime import UTC, datetime

import discord
import pytest

from tests.e2e.test_daily import advance_to, posts, set_daily


def problems(caplog) -> list[str]:
    return [f"{r.levelname} {r.name}: {r.getMessage()}" for r in caplog.records if r.levelno >= logging.WARNING]


async def test_the_bot_asks_only_for_the_guilds_intent(world):
    bot = world.bot
    assert bot.intents == discord.Intents(guilds=True)
    assert bot._connection.max_messages is None, "no message cache: the bot reads no messages"
    assert bot._connection.member_cache_flags.value == discord.MemberCacheFlags.none().value
    assert bot._connection._chunk_guilds is False


async def test_messages_in_the_channel_never_reach_the_bot(world, caplog):
    caplog.set_level(logging.DEBUG)
    seen = []

    async def on_message(message):
        seen.append(message)

    world.bot.add_listener(on_message)
    before = len(world.channel.history())

    await world.alice.send(world.channel, f"{world.bot.user.mention} hi")
    await world.bob.send(world.channel, "is there a quiz today?")
    await world.carol.send(world.channel, f"<@{world.bot.user.id}> define crm")

    assert seen == [], "no message event is delivered without the message intents"
    assert len(world.channel.history()) == before + 3, "the bot answered nothing"
    assert problems(caplog) == [], "nothing is logged for messages the bot ignores"
    assert not world.env.errors
    assert list(world.bot.cached_messages) == []


async def test_members_are_not_cached_but_commands_and_posts_still_work(world):
    """The member comes with each interaction and the bot's own member with GUILD_CREATE: that is all
    the permission checks need (a channel post checks `guild.me`)."""
    await world.alice.slash(world.channel, "define", term="crm")
    await world.alice.slash(world.channel, "quiz start", questions=1)
    await world.env.advance_time(30)
    guild = world.bot.get_guild(world.guild.id)
    assert guild.me is not None and guild.me.id == world.bot.user.id
    assert {m.id for m in guild.members} == {world.bot.user.id}, "no member list kept in memory"

    await set_daily(world)  # checks the bot's own permissions in the channel, then posts at 09:00
    await advance_to(world, datetime(2026, 1, 1, 9, 0, 30, tzinfo=UTC))
    assert len(posts(world)) == 1
    assert not world.env.errors


def test_building_the_bot_logs_no_warning_an_operator_cannot_act_on(tmp_path):
    """No "voice will NOT be supported" (the bot has no voice), no "Guilds intent seems to be
    disabled". A fresh process: discord.py warns once per process, and simcord's own probe client
    has already used that up in this one."""
    code = (
        "import logging; logging.basicConfig(level=logging.INFO)\n"
        "from bot.app import create_bot\nfrom bot.config import Settings\n"
        "create_bot(Settings(database_path='x.sqlite3'))\nprint('built')"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=tmp_path, timeout=60)
    assert proc.stdout.strip() == "built", proc.stderr
    assert "WARNING" not in proc.stderr, proc.stderr


@pytest.mark.sqlite_only
async def test_a_running_bot_freezes_its_start_up_heap_once_every_shard_is_ready(world, monkeypatch):
    """`python -m bot run` asks for it; then READY collects once and freezes what start-up built, so
    a full collection never walks the deck, the cogs and the server caches again (tests, which run
    many bots in one process, leave it off)."""
    import gc

    from bot.__main__ import main
    from bot.app import StudyBot

    made = []

    def run(self, token, **kwargs):  # stands for Discord's answer: log in, and the first READY
        made.append(self.settle_heap_when_ready)
        raise discord.LoginFailure("not a real token")

    monkeypatch.setattr(StudyBot, "run", run)
    monkeypatch.setenv("DISCORD_TOKEN", "MTIzNDU2Nzg5MDEyMzQ1Njc4.Gabcde.not-a-real-token")
    monkeypatch.setenv("DATABASE_PATH", str(world.bot.settings.database_path.parent / "run.sqlite3"))
    monkeypatch.delenv("DATABASE_URL", raising=False)
    assert await asyncio.to_thread(main, ["run"]) == 1 and made == [True], "the run command asks for it"

    bot = world.bot
    assert bot.settle_heap_when_ready is False and gc.get_freeze_count() == 0, "off in tests"
    bot.settle_heap_when_ready = True
    try:
        await bot.on_ready()
        frozen = gc.get_freeze_count()
        assert frozen > 1000, "the start-up objects left the collector"
        assert bot.settle_heap_when_ready is False
        gc.unfreeze()
        await bot.on_ready()  # a later READY (a new gateway session) does not freeze again
        assert gc.get_freeze_count() == 0
    finally:
        gc.unfreeze()
