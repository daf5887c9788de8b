"""Server decks under real-Discord load and over time: deck ids never reused (so members' cards
never attach to another deck's terms), the built-in deck's name, UTF-16 files, and CPU work kept
off the event loop with a deck cache that many servers share without rebuilding per keystroke."""

from __future__ import annotations

import sys
import threading

import discord
import pytest

import bot.decks
from bot.core.lookup import TermIndex
from content.importer import parse_term_file
from tests.e2e.helpers import rows
from tests.e2e.test_decks import UNIT3_CSV, define_title, import_deck, reply_text
from tests.e2e.test_review import RATINGS, card_of


def other_school(world, name="Another school"):
    """A second server with its own teacher (Manage Server) and a channel."""
    guild = world.env.create_guild(name)
    hall = guild.create_text_channel("hall")
    head = guild.create_role("Head", permissions=discord.Permissions(manage_guild=True))
    teacher = guild.add_member(world.env.create_user(f"head_of_{name.split()[0].lower()}"), roles=[head])
    return guild, hall, teacher


async def test_cards_of_a_removed_deck_never_attach_to_another_servers_deck(world):
    await import_deck(world, UNIT3_CSV, "Unit 3")
    await world.teacher.slash(world.channel, "deck use", name="Unit 3", action="only")
    session = await world.alice.slash(world.channel, "review")
    msg = session.response
    studied = card_of(msg)
    await world.alice.click(msg, label="Show answer")
    await world.alice.click(msg, label=RATINGS[0])  # Again: due again within minutes
    await world.alice.click(msg, label="Stop")

    asked = await world.teacher.slash(world.channel, "deck remove", name="Unit 3")
    done = await world.teacher.click(asked.response, custom_id=f"deckrm:{world.teacher.id}:1:y")
    assert "Removed **Unit 3**" in done.response.content

    # Another school imports the same file: same term names, but its terms must be new to alice.
    guild, hall, head = other_school(world)
    alice_there = guild.add_member(world.alice.user)
    await head.slash(hall, "deck import", file=("unit3.csv", UNIT3_CSV), name="Unit 3")
    await head.slash(hall, "deck use", name="Unit 3", action="only")
    await world.env.advance_time(3600)  # alice's card from the removed deck is due by now
    there = await alice_there.slash(hall, "review")
    shown = card_of(there.response)
    assert shown != studied and not shown.startswith("d1-")
    assert "New term" in str(there.response.embeds[0].to_dict())  # a new card, not the old one back
    assert rows(world, "SELECT card_id FROM study_cards WHERE user_id = ?", (world.alice.id,)) == [(studied,)]
    # The teacher was told so, before and after.
    assert "never attach to another deck's terms" in asked.response.content
    assert "stay in their own history" in done.response.content and "starts new cards" in done.response.content


async def test_the_built_in_decks_name_is_kept_and_an_older_deck_of_that_name_can_still_be_chosen(world):
    for taken in ("Customer Relations", "customer  RELATIONS", "Customer Relations (built-in)"):
        refused = await import_deck(world, UNIT3_CSV, taken)
        assert refused.ephemeral and "kept for the built-in deck" in refused.response.content
    assert rows(world, "SELECT COUNT(*) FROM server_decks") == [(0,)]

    # A deck stored under that name before the name was refused (or by an older version).
    terms = parse_term_file(UNIT3_CSV, "unit3.csv")
    now = discord.utils.utcnow()
    await world.bot.decks.store.add(world.guild.id, "Customer Relations", terms, created_by=1, now=now, use=False)
    choices = await world.teacher.autocomplete(world.channel, "deck use", "name", "customer")
    assert [(c["name"], c["value"]) for c in choices] == [
        ("Customer Relations (built-in)", "built-in"),
        ("Customer Relations", "Customer Relations"),
    ]
    only = await world.teacher.slash(world.channel, "deck use", name="Customer Relations", action="only")
    assert only.response.content == "📚 This server now studies: **Customer Relations**."
    assert await define_title(world, "lapse ratio") == "Lapse ratio"
    assert await define_title(world, "CRM") is None
    both = await world.teacher.slash(world.channel, "deck use", name="built-in")
    assert "**Customer Relations** (built-in), **Customer Relations**" in both.response.content
    assert await define_title(world, "CRM") == "Customer Relationship Management"


async def test_a_utf16_file_without_a_byte_order_mark_is_read(world):
    text = UNIT3_CSV.decode("utf-8-sig")
    for encoding, name in (("utf-16-le", "Little end"), ("utf-16-be", "Big end")):
        result = await import_deck(world, text.encode(encoding), name)
        assert "Imported **" + name + "**: 5 terms in 3 topics" in reply_text(result)
    stored = rows(world, "SELECT DISTINCT name FROM server_deck_terms ORDER BY name")
    assert ("Service recovery paradox",) in stored and not any("\x00" in n for (n,) in stored)


async def test_a_binary_file_gets_a_clear_message_without_its_bytes(world):
    result = await import_deck(world, b"PK\x03\x04\x00\x00\x08\x00term,definition\x00\x00", "Zip")
    text = reply_text(result)
    assert "not UTF-8 text" in text and "\x00" not in text
    assert rows(world, "SELECT COUNT(*) FROM server_decks") == [(0,)]


@pytest.fixture
def threads(world, monkeypatch):
    """The threads that parse imports and build lookup indexes, by what they built."""
    seen: dict[str, list[int]] = {"parse": [], "index": []}

    class CountedIndex(TermIndex):
        def __init__(self, terms):
            seen["index"].append(threading.get_ident())
            super().__init__(terms)

    def parse(data, filename=""):
        seen["parse"].append(threading.get_ident())
        return parse_term_file(data, filename)

    monkeypatch.setattr(bot.decks, "TermIndex", CountedIndex)
    # The cog's module as the running bot loaded it (discord.py loads each extension afresh).
    cog_module = sys.modules[type(world.bot.get_cog("Decks")).__module__]
    monkeypatch.setattr(cog_module, "parse_term_file", parse)
    return seen


async def test_parsing_an_import_and_building_a_servers_deck_run_off_the_event_loop(world, threads):
    loop_thread = threading.get_ident()
    await import_deck(world, UNIT3_CSV, "Unit 3")
    assert threads["parse"] and loop_thread not in threads["parse"]
    await world.teacher.slash(world.channel, "deck use", name="Unit 3")
    # The first keystroke after the change misses the cache: the build runs in a worker thread.
    choices = await world.alice.autocomplete(world.channel, "define", "term", "gre")
    assert any(c["name"] == "Greeting window" for c in choices)
    assert len(threads["index"]) == 1 and loop_thread not in threads["index"]
    await world.alice.autocomplete(world.channel, "define", "term", "greet")
    assert len(threads["index"]) == 1, "the next keystroke finds it built"
