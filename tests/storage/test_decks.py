"""Server decks on real SQLite files: ids are never reused, and migration 0006 keeps every deck."""

from __future__ import annotations

import asyncio
import json
import threading
from datetime import UTC, datetime

import pytest

import bot.decks
import content
from bot.core.lookup import TermIndex
from bot.decks import DeckLibrary, ServerDeck
from bot.storage.database import Database, load_migrations
from bot.storage.decks import DeckStore
from content.importer import ImportedTerm

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
TERMS = [
    ImportedTerm(2, "Lapse ratio", "Cards left unused.", ("LR",), "Metrics"),
    ImportedTerm(3, "Greeting", "Hi."),
]


async def test_a_removed_decks_id_is_never_given_to_another_deck(db):
    store = DeckStore(db)
    first = await store.add(1, "Unit 3", TERMS, created_by=5, now=NOW)
    assert await store.remove(1, first.id)
    # Another server imports a deck with the same term names: its term ids must differ, or members'
    # cards of the removed deck (d<id>-lapse-ratio) would attach to it.
    second = await store.add(2, "Unit 3", TERMS, created_by=6, now=NOW)
    assert second.id != first.id
    third = await store.add(1, "Unit 4", TERMS, created_by=5, now=NOW)
    assert third.id not in (first.id, second.id)


async def test_migration_0006_keeps_decks_and_starts_ids_above_every_id_still_in_the_data(tmp_path):
    path = tmp_path / "bot.sqlite3"
    db = await Database.open(path)
    try:
        await db.migrate(load_migrations()[:5])
        store = DeckStore(db)
        kept = await store.add(1, "Kept", TERMS, created_by=5, now=NOW, use=True)
        gone = await store.add(1, "Gone", TERMS, created_by=5, now=NOW)
        later = await store.add(2, "Later", TERMS, created_by=5, now=NOW)
        await store.remove(2, later.id)
        await store.remove(1, gone.id)
        # Deck 9 was removed long ago; only a member's test and a card still name its terms.
        await db.execute(
            "INSERT INTO study_cards (user_id, card_id, state, due, introduced_at, introduced_via)"
            " VALUES (7, 'd3-lapse-ratio', 2, 0, 0, 'review'), (7, 'decision-making', 2, 0, 0, 'review')"
        )
        await db.execute(
            "INSERT INTO study_tests (user_id, mode, questions, correct, started_at, finished_at, missed)"
            " VALUES (7, 'typed', 1, 0, 0, 0, ?)",
            (json.dumps(["d9-greeting", "customer-loyalty"]),),
        )
        assert await db.migrate() == load_migrations()[-1].version

        assert [(d.id, d.name, d.in_use) for d in await store.list(1)] == [(kept.id, "Kept", True)]
        assert [t.name for t in await store.terms(kept.id)] == ["Lapse ratio", "Greeting"]
        assert (await store.terms(kept.id))[0].aliases == ("LR",)
        new = await store.add(3, "New", TERMS, created_by=5, now=NOW)
        assert new.id == 10, "above deck 9, which only the study data still names"
        # The rebuilt tables keep their rules: a removed deck takes its terms with it.
        await store.remove(1, kept.id)
        assert await db.fetchall("SELECT COUNT(*) FROM server_deck_terms WHERE deck_id = ?", (kept.id,)) == [(0,)]
        assert (await db.fetchone("PRAGMA foreign_key_check")) is None
        assert (await db.fetchone("PRAGMA integrity_check"))[0] == "ok"
    finally:
        await db.close()


# --- the library of built server decks -------------------------------------------------------------


@pytest.fixture
def built_in():
    deck = content.load_deck()
    return ServerDeck(deck, TermIndex(deck.terms))


@pytest.fixture
def index_threads(monkeypatch):
    """The thread of every lookup index the library builds."""
    seen: list[int] = []

    class CountedIndex(TermIndex):
        def __init__(self, terms):
            seen.append(threading.get_ident())
            super().__init__(terms)

    monkeypatch.setattr(bot.decks, "TermIndex", CountedIndex)
    return seen


async def small_decks(db, servers: int) -> list[int]:
    store = DeckStore(db)
    for guild_id in range(1, servers + 1):
        await store.add(guild_id, "Unit 3", TERMS, created_by=5, now=NOW, use=True)
    return list(range(1, servers + 1))


async def test_many_servers_stay_built_while_their_members_type(db, built_in, index_threads):
    guilds = await small_decks(db, 300)  # the cache used to hold 128 servers, whatever their size
    library = DeckLibrary(built_in, DeckStore(db))
    await library.load()
    for _keystroke in range(3):
        for guild_id in guilds:
            server = await library.for_guild(guild_id)
            assert server.index.complete("gre")[0].name == "Greeting"
    assert len(index_threads) == len(guilds), "each server's deck is built once"
    assert threading.get_ident() not in index_threads, "built in a worker thread, not on the event loop"


async def test_keystrokes_arriving_together_wait_for_one_build(db, built_in, index_threads):
    (guild_id,) = await small_decks(db, 1)
    library = DeckLibrary(built_in, DeckStore(db))
    await library.load()
    servers = await asyncio.gather(*(library.for_guild(guild_id) for _ in range(5)))
    assert all(s is servers[0] for s in servers) and len(index_threads) == 1


async def test_the_cache_is_bounded_by_the_terms_it_holds(db, built_in, index_threads):
    guilds = await small_decks(db, 3)
    per_server = len(built_in.deck.terms) + len(TERMS)
    library = DeckLibrary(built_in, DeckStore(db), cache_terms=2 * per_server)
    await library.load()
    for guild_id in guilds:
        await library.for_guild(guild_id)
    await library.for_guild(guilds[2])  # the two newest stay built
    await library.for_guild(guilds[1])
    assert len(index_threads) == 3
    await library.for_guild(guilds[0])  # the oldest was dropped to stay within the budget
    assert len(index_threads) == 4


async def test_a_selection_changed_during_a_build_is_not_kept(db, built_in):
    (guild_id,) = await small_decks(db, 1)
    store = DeckStore(db)
    library = DeckLibrary(built_in, store)
    await library.load()
    building = asyncio.ensure_future(library.for_guild(guild_id))
    await asyncio.sleep(0)  # the build has read nothing yet, or the old selection
    await store.select(guild_id, builtin=False, deck_ids=[1], now=NOW)
    await library.changed(guild_id)
    await building
    assert [t.name for t in (await library.for_guild(guild_id)).deck.terms] == ["Greeting", "Lapse ratio"]
