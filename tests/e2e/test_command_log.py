"""One INFO line per slash command (server, member, command, duration), failures timed and logged with
their traceback, and the token never in the logs."""

from __future__ import annotations

import logging
import re
import time

import pytest
from discord import app_commands

from bot.config import Settings

SECRET = "MTIzNDU2Nzg5MDEyMzQ1Njc4.Gsecret.this-token-must-never-be-logged"
LINE = re.compile(
    r"^command /(?P<command>[a-z ]+) guild=(?P<guild>\d+|dm) user=(?P<user>\d+) (?P<ms>\d+) ms(?P<failed> \(failed\))?$"
)


@pytest.fixture
def settings(tmp_path) -> Settings:
    return Settings(token=SECRET, database_path=tmp_path / "bot.sqlite3", log_level="DEBUG")


def command_lines(caplog) -> list[dict]:
    return [
        LINE.match(r.getMessage()).groupdict()
        for r in caplog.records
        if r.name == "bot.app" and r.getMessage().startswith("command /")
    ]


async def test_one_line_per_command_with_failures_timed_and_no_token(world, caplog):
    caplog.set_level(logging.DEBUG)

    @app_commands.command(name="boom", description="Always fails")
    async def boom(interaction):
        raise RuntimeError("the database went away")

    world.bot.tree.add_command(boom)
    await world.bot.tree.sync()

    await world.alice.slash(world.channel, "about")
    await world.alice.slash(world.channel, "quiz start", questions=1)
    await world.bob.slash(world.channel, "quiz start")  # refused: a round is running (a friendly error)
    failed = await world.carol.slash(world.channel, "boom")
    await world.alice.user.slash("privacy export")  # in a DM

    assert "went wrong on my side" in failed.response.content
    (error,) = world.env.errors  # acknowledged: this failure is the point of the test
    assert "the database went away" in str(error)
    lines = command_lines(caplog)
    guild, seen = str(world.guild.id), [(m["command"], m["guild"], m["user"], m["failed"]) for m in lines]
    assert seen == [
        ("about", guild, str(world.alice.id), None),
        ("quiz start", guild, str(world.alice.id), None),
        ("quiz start", guild, str(world.bob.id), None),
        ("boom", guild, str(world.carol.id), " (failed)"),
        ("privacy export", "dm", str(world.alice.id), None),
    ]
    assert all(r.levelno == logging.INFO for r in caplog.records if r.getMessage().startswith("command /"))
    tracebacks = [r for r in caplog.records if r.exc_info and "boom" in r.getMessage()]
    assert len(tracebacks) == 1 and "the database went away" in caplog.text
    assert SECRET not in caplog.text
    assert all(SECRET not in str(r.args) for r in caplog.records)


async def test_the_duration_is_measured(world, caplog):
    caplog.set_level(logging.INFO, logger="bot.app")

    @app_commands.command(name="slow", description="Takes 50 ms")
    async def slow(interaction):
        time.sleep(0.05)  # noqa: ASYNC251 - blocking on purpose: real time, whatever simcord's clock does
        await interaction.response.send_message("done")

    world.bot.tree.add_command(slow)
    await world.bot.tree.sync()
    await world.alice.slash(world.channel, "slow")
    (line,) = command_lines(caplog)
    assert int(line["ms"]) >= 50
