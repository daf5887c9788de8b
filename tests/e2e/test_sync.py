"""`python -m bot sync` only publishes the slash commands: the bot it builds opens no database, so
syncing while the bot runs neither migrates the live file nor ends the running bot's quiz rounds.

Sync logs in to Discord, which a test cannot reach: simcord stands in for Discord here, and the
bot is built exactly as `cmd_sync` builds it (`create_bot(settings, commands_only=True)`), then
`publish_commands` runs as `cmd_sync` runs it."""

from __future__ import annotations

import random
import sqlite3

import pytest

from bot.app import create_bot, publish_commands
from bot.config import Settings
from bot.storage.database import Database, load_migrations
from bot.storage.quiz import QuizRepo

pytestmark = pytest.mark.simcord(shard_count=1)  # the bot is sharded: one simulated shard


@pytest.fixture
def settings(tmp_path) -> Settings:
    return Settings(token=None, database_path=tmp_path / "live.sqlite3")


@pytest.fixture
async def live_database(settings) -> bytes:
    """The running bot's database, one migration behind, with a quiz round in progress."""
    db = await Database.open(settings.database_path)
    try:
        await db.migrate(load_migrations()[:-1])
        await QuizRepo(db).create_round(
            guild_id=1, channel_id=2, started_by=3, topic=None, mode="mixed", question_count=10, seconds=20,
            started_at_ms=1,
        )  # fmt: skip
    finally:
        await db.close()
    return settings.database_path.read_bytes()


@pytest.fixture
def simcord_bot(settings, live_database):
    return create_bot(settings, rng=random.Random(1), commands_only=True)


def command_payloads(bot) -> list[dict]:
    return sorted((c.to_dict(bot.tree) for c in bot.tree.get_commands()), key=lambda c: c["name"])


async def test_sync_publishes_every_command_and_touches_no_data(simcord_env, settings, live_database, tmp_path):
    bot = simcord_env.bot
    assert bot.db is None, "sync opens no database"

    synced = await publish_commands(bot, None)

    # The same commands, options and permissions as the bot that runs.
    running = create_bot(Settings(token=None, database_path=tmp_path / "other" / "bot.sqlite3"))
    await running.setup_hook()
    try:
        expected = command_payloads(running)
    finally:
        await running.close()
    assert command_payloads(bot) == expected
    assert sorted(c.name for c in synced) == sorted(c["name"] for c in expected)
    assert {"define", "quiz", "review", "privacy", "deck", "schedule"} <= {c["name"] for c in expected}

    path = settings.database_path
    assert path.read_bytes() == live_database, "the live database is byte for byte untouched"
    assert sorted(p.name for p in path.parent.iterdir() if p.name.startswith(path.name)) == [path.name]
    with sqlite3.connect(path) as conn:
        assert conn.execute("SELECT status FROM quiz_rounds").fetchall() == [("active",)]


async def test_sync_to_one_server_copies_the_global_commands(simcord_env):
    guild = simcord_env.create_guild("Class")
    synced = await publish_commands(simcord_env.bot, guild.id)
    assert "define" in {c.name for c in synced}
    assert simcord_env.bot.tree.get_commands(guild=guild)
