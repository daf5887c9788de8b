"""The end-to-end harness: the real bot, driven through simcord's simulated Discord."""

from __future__ import annotations

import dataclasses
import random
from dataclasses import dataclass

import discord
import pytest
import pytest_asyncio

from bot.app import create_bot


@pytest_asyncio.fixture
async def make_bot(settings):
    bots = []

    def make():
        # The bot is sharded (AutoShardedBot); simcord needs to know how many shards: without
        # SHARD_COUNT one shard, as Discord recommends for a bot in a few servers.
        sharded = dataclasses.replace(settings, shard_count=settings.shard_count or 1)
        bot = create_bot(sharded, rng=random.Random(1234))
        bots.append(bot)
        return bot

    yield make
    # simcord detaches a bot without closing it, so each bot's aiosqlite connection (a non-daemon
    # worker thread) would live until the garbage collector happened to find the bot, and one still
    # open at exit keeps the interpreter waiting after pytest's report. Close them here (this
    # fixture's teardown runs after simcord_env's, which depends on it).
    for bot in bots:
        if bot.db is not None:
            await bot.db.close()
            bot.db = None


@pytest.fixture
def simcord_bot(make_bot):
    return make_bot()


@dataclass
class World:
    env: object
    guild: object
    channel: object
    teacher: object
    alice: object
    bob: object
    carol: object

    make_bot: object = None

    @property
    def bot(self):
        return self.env.bot

    async def restart(self):
        """A new bot process on the same database and the same simulated Discord."""
        await self.env.restart_bot(self.make_bot())
        return self.env.bot


@pytest_asyncio.fixture
async def world(simcord_env, make_bot) -> World:
    """A class server: #class, a teacher with Manage Server, and three students."""
    await simcord_env.bot.tree.sync()  # the bot never syncs by itself; an operator runs `sync`
    guild = simcord_env.create_guild("Customer Relations 101")
    channel = guild.create_text_channel("class")
    teachers = guild.create_role(
        "Teacher", permissions=discord.Permissions(manage_guild=True, manage_messages=True)
    )
    teacher = guild.add_member(simcord_env.create_user("ms_rivera"), roles=[teachers])
    alice = guild.add_member(simcord_env.create_user("alice"))
    bob = guild.add_member(simcord_env.create_user("bob"))
    carol = guild.add_member(simcord_env.create_user("carol"))
    return World(simcord_env, guild, channel, teacher, alice, bob, carol, make_bot)
