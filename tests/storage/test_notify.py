"""Processes sharing one PostgreSQL database tell each other what they changed (LISTEN/NOTIFY): a
server's deck selection changed in one process is what the others use next, also when the
listening connection was lost meanwhile (they re-read everything once it is back).

Two "processes" here are two storage stacks in one test (each its own connection pool, deck
library and listening connection), the second one through a relay the test can cut.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest

from bot.decks import DeckLibrary, ServerDeck
from bot.storage import notify
from bot.storage.decks import DeckStore
from bot.storage.notify import ChangeFeed
from bot.storage.postgres import PostgresDatabase
from content.importer import ImportedTerm
from tests import pg_server

CHANNEL = "studybot_decks"
GUILD = 1_280_000_000_000_000_001
NOW = datetime(2026, 6, 1, 12, tzinfo=UTC)
TERMS = [ImportedTerm(2, "Lapse ratio", "Cards left unused.", ("LR",), "Metrics")]
ARRIVES = 30.0  # seconds: "did it arrive at all", on a busy machine


@pytest.fixture
async def database(pg_databases):
    """A fresh database; (its URL, a relay in front of it)."""
    url = pg_databases.create()
    host, port = url.split("@", 1)[1].split("/", 1)[0].split(":")
    relay = pg_server.Proxy(host, int(port))
    try:
        yield url, relay
    finally:
        relay.close()
        pg_databases.drop(url)


class Process:
    """What one bot process holds: its pool, its deck library and its change feed."""

    def __init__(self, db, url: str, builtin: ServerDeck) -> None:
        self.db = db
        self.decks = DeckLibrary(builtin, DeckStore(db))
        self.feed = ChangeFeed(db, url)
        self.feed.listen(CHANNEL, self.decks.heard, resync=self.decks.load)

        async def announce(guild_id: int) -> None:
            await self.feed.publish(CHANNEL, str(guild_id))

        self.decks.announce = announce

    @classmethod
    async def start(cls, url: str, builtin: ServerDeck) -> Process:
        process = cls(await PostgresDatabase.open(url, max_size=2), url, builtin)
        await process.decks.load()
        await process.feed.start()
        return process

    async def close(self) -> None:
        await self.feed.close()
        await self.db.close()

    async def term_names(self) -> set[str]:
        return {t.name for t in (await self.decks.for_guild(GUILD)).deck.terms}


async def eventually(check, within: float = ARRIVES) -> None:
    deadline = asyncio.get_running_loop().time() + within
    while not await check():
        assert asyncio.get_running_loop().time() < deadline, "never happened"
        await asyncio.sleep(0.05)


@pytest.fixture
async def two_processes(database, mini_deck):
    url, relay = database
    builtin = ServerDeck.of(mini_deck)
    first = await Process.start(url, builtin)
    second = await Process.start(relay.url(url), builtin)  # the one whose connection the test cuts
    try:
        yield first, second, relay
    finally:
        await second.close()
        await first.close()


async def import_and_use(process: Process) -> None:
    """A teacher's /deck import in `process`: the deck is stored and in use there."""
    await process.decks.store.add(GUILD, "Unit 3", TERMS, created_by=7, now=NOW)
    await process.decks.changed(GUILD)


async def test_a_deck_imported_in_one_process_is_used_by_the_others(two_processes):
    first, second, _relay = two_processes
    assert "Lapse ratio" not in await second.term_names()  # built and cached: the built-in deck
    await import_and_use(first)
    assert "Lapse ratio" in await first.term_names()

    async def second_uses_it():
        return "Lapse ratio" in await second.term_names()

    await eventually(second_uses_it)


@pytest.fixture
def quick_checks(monkeypatch):
    """The feeds check their connection every 0.2 s (not 30 s), so a test sees a loss quickly."""
    monkeypatch.setattr(notify, "KEEPALIVE", 0.2)
    monkeypatch.setattr(notify, "RETRY_FIRST", 0.1)


async def test_what_changed_while_the_connection_was_down_is_picked_up_on_reconnect(
    quick_checks, two_processes, monkeypatch
):
    first, second, relay = two_processes
    # The feed checks its connection every KEEPALIVE seconds of real time: pretend it is due.
    monkeypatch.setattr(second.feed, "_checked", -1e9)
    assert "Lapse ratio" not in await second.term_names()
    relay.cut()  # the network between the second process and the database goes away
    await import_and_use(first)  # its notice is lost for the second process
    await asyncio.sleep(0.5)
    relay.restore()

    async def reconnected_and_refreshed():
        return second.feed.reconnects >= 1 and "Lapse ratio" in await second.term_names()

    await eventually(reconnected_and_refreshed)


async def test_a_process_does_not_act_on_its_own_notices(two_processes, monkeypatch):
    first, second, _relay = two_processes
    heard: list[tuple[str, str]] = []
    for name, process in (("first", first), ("second", second)):
        real = process.decks.heard

        async def record(payload, name=name, real=real):
            heard.append((name, payload))
            await real(payload)

        process.feed._channels[CHANNEL].on_change = record
    await import_and_use(first)

    async def second_heard():
        return heard == [("second", str(GUILD))]

    await eventually(second_heard)
    await asyncio.sleep(0.3)
    assert heard == [("second", str(GUILD))], "the first process does not hear itself"


async def test_a_notice_that_names_no_server_is_ignored(two_processes, caplog):
    first, second, _relay = two_processes
    await first.feed.publish(CHANNEL, "not-a-server")
    await import_and_use(first)

    async def second_uses_it():
        return "Lapse ratio" in await second.term_names()

    await eventually(second_uses_it)
    assert "names no server" in caplog.text
