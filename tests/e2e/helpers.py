"""Small helpers shared by the end-to-end tests."""

from __future__ import annotations

import sqlite3

from tests import pg_server


def write(world, sql, many=()) -> None:
    """Write straight into the bot's database through a second connection (committed at once),
    as a seed for a test: one statement, run once per parameter tuple in `many`."""
    many = list(many) or [()]
    if world.bot.settings.database_url:
        pg_server.execute_many(world.bot.settings.database_url, sql, many)
        return
    with sqlite3.connect(world.bot.settings.database_path) as conn:
        conn.executemany(sql, many)


def table_rows(world, sql, params=()) -> list[dict]:
    """Like `rows`, with each row as a dict of column -> value."""
    if world.bot.settings.database_url:
        return pg_server.query(world.bot.settings.database_url, sql, params, as_dicts=True)
    with sqlite3.connect(world.bot.settings.database_path) as conn:
        conn.row_factory = sqlite3.Row
        return [dict(r) for r in conn.execute(sql, params)]


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


def dump(world) -> list[str]:
    """Everything the database holds, as text lines to compare before and after (nothing changed)."""
    if world.bot.settings.database_url:
        url = world.bot.settings.database_url
        tables = [
            t for (t,) in pg_server.query(url, "SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
        ]
        return sorted(
            f"{table}: {row!r}" for table in tables for row in pg_server.query(url, f'SELECT * FROM "{table}"')
        )
    with sqlite3.connect(world.bot.settings.database_path) as conn:
        return list(conn.iterdump())
