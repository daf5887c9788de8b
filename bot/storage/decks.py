"""Server decks (migration 0005): imported term lists and which decks each server draws from.

A deck is stored whole or not at all (one transaction), belongs to one server, and is found by
its name without regard to case. A server draws from the built-in deck unless a teacher turned
it off (`guild_settings.builtin_deck`) plus every imported deck marked `in_use`.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from bot.storage.database import Database
from content.importer import ImportedTerm

_DECK_COLUMNS = "id, guild_id, name, term_count, in_use, created_by, created_at"


@dataclass(frozen=True, slots=True)
class DeckInfo:
    """An imported deck as a teacher sees it in /deck list."""

    id: int
    guild_id: int
    name: str
    term_count: int
    in_use: bool
    created_by: int
    created_at: datetime


@dataclass(frozen=True, slots=True)
class Selection:
    """Which decks a server draws from: the built-in one or not, and its imported decks."""

    builtin: bool
    decks: tuple[DeckInfo, ...]  # every imported deck of the server, in use or not

    @property
    def in_use(self) -> tuple[DeckInfo, ...]:
        return tuple(d for d in self.decks if d.in_use)

    @property
    def key(self) -> tuple[bool, tuple[int, ...]]:
        """Equal keys draw from the same decks (an imported deck never changes once stored)."""
        return self.builtin, tuple(d.id for d in self.in_use)

    @property
    def builtin_only(self) -> bool:
        return self.builtin and not self.in_use

    @property
    def empty(self) -> bool:
        """Nothing to study (only after removing the last deck in use; never selectable)."""
        return not self.builtin and not self.in_use


def _info(row) -> DeckInfo:
    id_, guild_id, name, count, in_use, by, at = row
    return DeckInfo(id_, guild_id, name, count, bool(in_use), by, datetime.fromtimestamp(at, UTC))


def name_key(name: str) -> str:
    return " ".join(name.split()).casefold()


class DeckNameTaken(ValueError):
    """This server already has a deck of that name."""


class DeckStore:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def add(
        self,
        guild_id: int,
        name: str,
        terms: Sequence[ImportedTerm],
        *,
        created_by: int,
        now: datetime,
        use: bool = True,
    ) -> DeckInfo:
        """Store a whole deck in one transaction; raises DeckNameTaken if the name is in use here."""
        async with self.db.transaction() as tx:
            # The unique (guild, name) index decides, also between two processes importing at once.
            row = await tx.fetchone(
                "INSERT INTO server_decks (guild_id, name, name_key, term_count, in_use, created_by, created_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (guild_id, name_key) DO NOTHING RETURNING id",
                (guild_id, name, name_key(name), len(terms), int(use), created_by, int(now.timestamp())),
            )
            if row is None:
                raise DeckNameTaken(name)
            deck_id = row[0]
            await tx.executemany(
                "INSERT INTO server_deck_terms (deck_id, position, line, name, definition, aliases, topic, example)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    (deck_id, pos, t.line, t.name, t.definition, json.dumps(list(t.aliases)), t.topic, t.example)
                    for pos, t in enumerate(terms)
                ],
            )
        return DeckInfo(deck_id, guild_id, name, len(terms), use, created_by, now)

    async def list(self, guild_id: int) -> list[DeckInfo]:
        rows = await self.db.fetchall(
            f"SELECT {_DECK_COLUMNS} FROM server_decks WHERE guild_id = ? ORDER BY name_key", (guild_id,)
        )
        return [_info(r) for r in rows]

    async def find(self, guild_id: int, name: str) -> DeckInfo | None:
        row = await self.db.fetchone(
            f"SELECT {_DECK_COLUMNS} FROM server_decks WHERE guild_id = ? AND name_key = ?",
            (guild_id, name_key(name)),
        )
        return _info(row) if row else None

    async def get(self, guild_id: int, deck_id: int) -> DeckInfo | None:
        row = await self.db.fetchone(
            f"SELECT {_DECK_COLUMNS} FROM server_decks WHERE guild_id = ? AND id = ?", (guild_id, deck_id)
        )
        return _info(row) if row else None

    async def remove(self, guild_id: int, deck_id: int) -> bool:
        """Delete a deck and its terms; False if it was already gone."""
        async with self.db.transaction() as tx:
            removed = await tx.execute(
                "DELETE FROM server_decks WHERE guild_id = ? AND id = ?", (guild_id, deck_id)
            )
        return bool(removed)

    async def terms(self, deck_id: int) -> list[ImportedTerm]:
        rows = await self.db.fetchall(
            "SELECT line, name, definition, aliases, topic, example FROM server_deck_terms"
            " WHERE deck_id = ? ORDER BY position",
            (deck_id,),
        )
        return [
            ImportedTerm(line, name, definition, tuple(json.loads(aliases)), topic, example)
            for line, name, definition, aliases, topic, example in rows
        ]

    async def builtin_in_use(self, guild_id: int) -> bool:
        row = await self.db.fetchone("SELECT builtin_deck FROM guild_settings WHERE guild_id = ?", (guild_id,))
        return row is None or bool(row[0])

    async def selection(self, guild_id: int) -> Selection:
        return Selection(await self.builtin_in_use(guild_id), tuple(await self.list(guild_id)))

    async def select(self, guild_id: int, *, builtin: bool, deck_ids: Sequence[int], now: datetime) -> None:
        """Set exactly which decks the server draws from, in one transaction."""
        async with self.db.transaction() as tx:
            await tx.execute(
                "INSERT INTO guild_settings (guild_id, builtin_deck, updated_at) VALUES (?, ?, ?)"
                " ON CONFLICT (guild_id) DO UPDATE SET builtin_deck = excluded.builtin_deck,"
                " updated_at = excluded.updated_at",
                (guild_id, int(builtin), int(now.timestamp())),
            )
            await tx.execute("UPDATE server_decks SET in_use = 0 WHERE guild_id = ?", (guild_id,))
            await tx.executemany(
                "UPDATE server_decks SET in_use = 1 WHERE guild_id = ? AND id = ?",
                [(guild_id, deck_id) for deck_id in deck_ids],
            )

    async def custom_guilds(self) -> set[int]:
        """Servers that draw on anything but the built-in deck alone (read once at start-up)."""
        rows = await self.db.fetchall(
            "SELECT guild_id FROM server_decks WHERE in_use = 1"
            " UNION SELECT guild_id FROM guild_settings WHERE builtin_deck = 0"
        )
        return {r[0] for r in rows}
