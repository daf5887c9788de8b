"""Small helpers shared by the end-to-end tests."""

from __future__ import annotations

import sqlite3

from tests import pg_server


def rows(world, sql, params=()):
    """Read the bot's database through a second, independent connection (what is committed)."""
    if world.bot.settings.database_url:
        return pg_server.query(world.bot.settings.database_url, sql, params)
    with sqlite3.connect(world.bot.settings.database_path) as conn:
        return conn.execute(sql, params).fetchall()


def fields_of(embed) -> dict[str, str]:
    return {f.name: f.value for f in embed.fields}


def let_use(world, command: str, member) -> None:
    """A server admin lets a student see a Manage Server command (a per-command override): the
    bot's own check must still refuse them."""
    found = world.env.backend.find_command(command, world.guild.id)
    world.guild.set_command_permissions(int(found["id"]), {member: True})
