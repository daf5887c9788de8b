"""/deck import, list, use and remove through the real discord.py client, and imported terms
flowing through /define, autocomplete, quizzes, /test and /review unchanged."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys

import discord

from tests.e2e.helpers import let_use, rows
from tests.e2e.test_review import forge_click

UNIT3_CSV = (
    "\ufeffterm,definition,aliases,topic,example\r\n"
    'Service recovery paradox,"A customer who had a problem that was fixed well ends up more loyal than one '
    'who never had a problem, ""surprisingly"".",SRP,Recovery,A refund plus a handwritten note.\r\n'
    'Moment of truth,"Any contact in which a customer forms an opinion\r\nabout the business.",,Contact,\r\n'
    "Customer effort score,How easy a customer found it to get something done.,CES,Metrics,\r\n"
    "Lapse ratio,The share of members who let a loyalty card run out in a year.,,Metrics,\r\n"
    "Greeting window,The first ten seconds after a customer walks in.,,Contact,\r\n"
).encode()

QUIZLET_TSV = (
    b"Zorblax retention\tKeeping customers by rewarding each visit with points.\n"
    b"Glimmer score\tA survey figure for how much customers like the shop.\n"
    b"Quoncept map\tA picture of every step a customer takes.\n"
    b"Frobnish desk\tThe place where complaints are taken and solved.\n"
    b"Plimber call\tA phone call made after a sale to check all is well.\n"
)


def reply_text(result) -> str:
    message = result.response or result.followups[-1]
    return message.content


async def import_deck(world, data: bytes, name: str, filename: str = "unit3.csv", member=None):
    member = member or world.teacher
    return await member.slash(world.channel, "deck import", file=(filename, data), name=name)


async def define_title(world, query: str, member=None) -> str | None:
    result = await (member or world.alice).slash(world.channel, "define", term=query)
    embeds = result.response.embeds
    return embeds[0].title if embeds and not result.ephemeral else None


async def test_a_csv_import_is_stored_whole_and_used_once_selected(world):
    result = await import_deck(world, UNIT3_CSV, "Unit 3")
    assert result.ephemeral
    text = reply_text(result)
    assert "Imported **Unit 3**: 5 terms in 3 topics" in text and "/deck use" in text
    stored = rows(world, "SELECT name, definition, aliases, topic, line FROM server_deck_terms ORDER BY position")
    assert stored[0] == (
        "Service recovery paradox",
        "A customer who had a problem that was fixed well ends up more loyal than one who never had a problem, "
        '"surprisingly".',
        '["SRP"]',
        "Recovery",
        2,
    )
    assert stored[1][1] == "Any contact in which a customer forms an opinion\nabout the business."
    assert stored[2][4] == 5  # the line where the record starts, after a two-line record

    # Imported but not in use: the class still studies the built-in deck only.
    assert await define_title(world, "lapse ratio") is None
    used = await world.teacher.slash(world.channel, "deck use", name="unit 3")
    assert used.ephemeral and "Customer Relations** (built-in), **Unit 3**" in used.response.content

    assert await define_title(world, "lapse ratio") == "Lapse ratio"
    built = await world.bot.decks.for_guild(world.guild.id)
    await world.teacher.slash(world.channel, "deck list")
    assert await world.bot.decks.for_guild(world.guild.id) is built, "an unchanged selection is not rebuilt"
    assert await define_title(world, "SRP") == "Service recovery paradox"  # aliases work as acronyms
    assert await define_title(world, "CRM") == "Customer Relationship Management"  # built-in still there
    choices = await world.alice.autocomplete(world.channel, "define", "term", "greeting w")
    assert any(c["name"] == "Greeting window" for c in choices)
    topics = await world.alice.autocomplete(world.channel, "quiz start", "topic", "metrics")
    assert "Metrics" in [c["name"] for c in topics]


async def test_quiz_test_and_review_draw_from_an_imported_deck_alone(world):
    await import_deck(world, QUIZLET_TSV, "Made-up words", filename="quizlet.txt")
    only = await world.teacher.slash(world.channel, "deck use", name="Made-up words", action="only")
    assert "studies: **Made-up words**." in only.response.content
    names = {"Zorblax retention", "Glimmer score", "Quoncept map", "Frobnish desk", "Plimber call"}

    world.bot.get_cog("Scheduler").tick.cancel()
    await world.alice.slash(world.channel, "quiz start", questions=1, mode="multiple_choice", seconds=10)
    question = world.channel.last_message.embeds[0]
    shown = question.description + " ".join(f.value for f in question.fields)
    assert any(name in shown for name in names)
    assert "Customer" not in shown  # nothing from the built-in deck
    await world.teacher.slash(world.channel, "quiz stop")

    test = await world.bob.slash(world.channel, "test", questions=5, mode="typed")
    assert test.ephemeral and "test has 5 questions" not in (test.response.content or "")
    review = await world.carol.slash(world.channel, "review")
    assert review.response.embeds[0].title.split("·")[-1].strip() in names or any(
        n in review.response.embeds[0].description for n in names
    )
    assert await define_title(world, "CRM") is None  # the built-in deck is off here

    game = await world.alice.slash(world.channel, "match play")
    board = str(game.response.embeds[0].to_dict()) + str(game.response.components)
    assert sum(name in board for name in names) == 5
    await world.teacher.slash(world.channel, "daily set", channel=world.channel, time="23:00")
    await world.teacher.slash(world.channel, "daily now")
    assert world.channel.last_message.embeds[0].title.split("  ")[-1].strip(" 📅") in names or any(
        name in world.channel.last_message.embeds[0].title for name in names
    )


async def test_a_file_with_problems_stores_nothing_and_names_the_lines(world):
    clash = await import_deck(
        world, b"term,definition\nCRM,Our own words for it.\nLapse ratio,Cards left unused.\n", "Mine"
    )
    assert "1 of its terms shares a name with a deck in use here (**CRM**)" in reply_text(clash)
    await world.teacher.click(
        (await world.teacher.slash(world.channel, "deck remove", name="Mine")).response,
        custom_id=f"deckrm:{world.teacher.id}:1:y",
    )
    bad = b"term,definition\nCRM,Customer relationship management\n,No term here\nNPS,\nCRM,Again\n"
    result = await import_deck(world, bad, "Broken")
    text = reply_text(result)
    assert result.ephemeral and "nothing was stored" in text
    assert "line 3" in text and "line 4" in text and "line 5" in text
    assert rows(world, "SELECT COUNT(*) FROM server_decks") == [(0,)]
    assert rows(world, "SELECT COUNT(*) FROM server_deck_terms") == [(0,)]


async def test_bad_options_are_refused_before_anything_is_read(world):
    too_big = await world.teacher.slash(
        world.channel, "deck import", file=("big.csv", b"term,definition\n" + b"x" * 1_000_001), name="Big"
    )
    assert too_big.ephemeral and "the limit is 1 MB" in too_big.response.content
    for name, expected in (
        ("   ", "Give the deck a name with letters"),
        ("x" * 61, "up to 60 characters"),
        ("built-in", "kept"),
    ):
        result = await import_deck(world, UNIT3_CSV, name)
        assert result.ephemeral and expected in result.response.content
    await import_deck(world, UNIT3_CSV, "Unit 3")
    again = await import_deck(world, UNIT3_CSV, "UNIT 3")
    assert "already has a deck called" in again.response.content
    unknown = await world.teacher.slash(world.channel, "deck use", name="Unit 9")
    assert unknown.ephemeral and "no imported deck called **Unit 9**" in unknown.response.content
    alone = await world.teacher.slash(world.channel, "deck use", name="built-in", action="stop")
    assert "no deck at all" in alone.response.content
    assert rows(world, "SELECT COUNT(*), SUM(in_use) FROM server_decks") == [(1, 0)]


async def test_members_without_manage_server_are_refused(world):
    let_use(world, "deck", world.alice)  # an admin's per-command override: the bot still checks
    result = await import_deck(world, UNIT3_CSV, "Unit 3", member=world.alice)
    assert result.ephemeral and "Manage Server" in result.response.content
    assert rows(world, "SELECT COUNT(*) FROM server_decks") == [(0,)]
    await import_deck(world, UNIT3_CSV, "Unit 3")
    for command, options in (("deck use", {"name": "Unit 3"}), ("deck remove", {"name": "Unit 3"})):
        refused = await world.alice.slash(world.channel, command, **options)
        assert refused.ephemeral and "Manage Server" in refused.response.content
    assert rows(world, "SELECT in_use FROM server_decks") == [(0,)]


async def test_remove_asks_first_and_only_the_teacher_who_asked_may_answer(world):
    await import_deck(world, UNIT3_CSV, "Unit 3")
    await world.teacher.slash(world.channel, "deck use", name="Unit 3", action="only")
    asked = await world.teacher.slash(world.channel, "deck remove", name="unit 3")
    assert asked.ephemeral and "Remove **Unit 3** (5 terms)" in asked.response.content
    message = asked.response

    refused = await forge_click(world, world.alice, message, f"deckrm:{world.teacher.id}:1:y")
    assert refused.ephemeral and "Only the teacher who asked" in refused.response.content
    kept = await world.teacher.click(message, custom_id=f"deckrm:{world.teacher.id}:1:n")
    assert "Nothing was removed" in kept.response.content
    assert rows(world, "SELECT COUNT(*) FROM server_deck_terms") == [(5,)]

    await world.restart()  # the confirm button still works after a restart
    assert await define_title(world, "lapse ratio") == "Lapse ratio"
    asked = await world.teacher.slash(world.channel, "deck remove", name="Unit 3")
    done = await world.teacher.click(asked.response, custom_id=f"deckrm:{world.teacher.id}:1:y")
    assert "Removed **Unit 3** (5 terms)" in done.response.content
    assert "back on the built-in" in done.response.content
    assert rows(world, "SELECT COUNT(*) FROM server_deck_terms") == [(0,)]
    assert await define_title(world, "lapse ratio") is None
    assert await define_title(world, "CRM") == "Customer Relationship Management"


async def test_an_imported_deck_is_visible_only_in_its_server(world):
    await import_deck(world, UNIT3_CSV, "Unit 3")
    await world.teacher.slash(world.channel, "deck use", name="Unit 3")
    other = world.env.create_guild("Another school")
    hall = other.create_text_channel("hall")
    member = other.add_member(world.env.create_user("dana"))
    result = await member.slash(hall, "define", term="lapse ratio")
    assert result.ephemeral  # "did you mean": not found there
    listing = await world.teacher.slash(world.channel, "deck list")
    body = listing.response.embeds[0].description
    assert "✅ **Customer Relations** (built-in)" in body and "✅ **Unit 3** · 5 terms" in body


async def test_names_from_a_file_never_ping_anyone(world):
    data = b"term\tdefinition\n@everyone\tA ping that must stay text.\n**Bold**\tMarkdown as data.\n"
    result = await import_deck(world, data, "@everyone party", filename="t.tsv")
    assert "Imported" in reply_text(result)
    await world.teacher.slash(world.channel, "deck use", name="@everyone party")
    found = await world.alice.slash(world.channel, "define", term="@everyone")
    assert found.response.embeds[0].title == "@everyone"
    assert world.bot.allowed_mentions.everyone is False
    assert isinstance(found.response.message, discord.Message)


async def run_import(world, tmp_path, filename: str, *args):
    """`python -m bot import` as an operator runs it, next to the running bot (same database)."""
    env = {k: v for k, v in os.environ.items() if k != "DISCORD_TOKEN"}
    env["DATABASE_PATH"] = str(world.bot.settings.database_path)
    env["DATABASE_URL"] = world.bot.settings.database_url or ""
    command = [sys.executable, "-m", "bot", "import", filename, *args]
    return await asyncio.to_thread(
        subprocess.run, command, capture_output=True, text=True, cwd=tmp_path, env=env, timeout=60
    )


async def test_an_operator_imports_from_the_command_line(world, tmp_path):
    (tmp_path / "unit3.csv").write_bytes(UNIT3_CSV)
    guild = str(world.guild.id)
    done = await run_import(world, tmp_path, "unit3.csv", "--name", "Unit 3", "--guild", guild, "--use")
    assert done.returncode == 0, done.stderr
    assert f"Imported 'Unit 3' for server {world.guild.id}: 5 terms, in use." in done.stdout
    assert await define_title(world, "lapse ratio") is None  # the running bot has not looked yet
    listing = await world.teacher.slash(world.channel, "deck list")
    assert "✅ **Unit 3** · 5 terms" in listing.response.embeds[0].description
    assert await define_title(world, "lapse ratio") == "Lapse ratio"
    await world.restart()
    assert await define_title(world, "lapse ratio") == "Lapse ratio"

    again = await run_import(world, tmp_path, "unit3.csv", "--name", "unit 3", "--guild", guild)
    assert again.returncode == 1 and "already has a deck called" in again.stderr
    (tmp_path / "bad.tsv").write_text("CRM\tCustomer relationship management\nno tab here\n", encoding="utf-8")
    bad = await run_import(world, tmp_path, "bad.tsv", "--name", "Bad", "--guild", guild)
    assert bad.returncode == 1 and "line 2" in bad.stderr and "Traceback" not in bad.stderr
    assert rows(world, "SELECT COUNT(*) FROM server_decks") == [(1,)]


async def test_terms_in_other_scripts_can_be_looked_up(world):
    data = "term\tdefinition\nخدمة العملاء\tمساعدة العملاء قبل الشراء وبعده.\n顧客満足\t顧客が期待に対して感じる満足の度合い。\n"
    await import_deck(world, data.encode(), "Languages", filename="lang.tsv")
    await world.teacher.slash(world.channel, "deck use", name="Languages", action="only")
    assert await define_title(world, "خدمة العملاء") == "خدمة العملاء"
    assert await define_title(world, "顧客満足") == "顧客満足"
    choices = await world.alice.autocomplete(world.channel, "define", "term", "顧客")
    assert [c["name"] for c in choices] == ["顧客満足"]
    assert all(c["value"].isascii() for c in choices)  # ids fit the buttons' custom_id templates


async def test_about_counts_the_decks_the_server_studies(world):
    await import_deck(world, UNIT3_CSV, "Unit 3")
    await world.teacher.slash(world.channel, "deck use", name="Unit 3")
    about = await world.alice.slash(world.channel, "about")
    deck = {f.name: f.value for f in about.response.embeds[0].fields}["Deck"]
    built_in = len(world.bot.deck.terms)
    assert deck.startswith(f"Customer Relations + Unit 3: {built_in + 5} terms in")


async def test_a_deck_with_many_topics_keeps_replies_within_discords_limits(world):
    lines = ["term,definition,topic"] + [
        f"Word {i},Meaning number {i} of a long list.,Topic {i}" for i in range(300)
    ]
    await import_deck(world, "\n".join(lines).encode(), "Big list")
    await world.teacher.slash(world.channel, "deck use", name="Big list")
    unknown = await world.alice.slash(world.channel, "quiz start", topic="astrology")
    assert unknown.ephemeral and "and 296 more" in unknown.response.content
    assert len(unknown.response.content) < 2000
    topics = await world.alice.autocomplete(world.channel, "quiz start", "topic", "topic 1")
    assert len(topics) == 25
    progress = await world.alice.slash(world.channel, "progress")
    assert progress.response.attachments and len(progress.response.embeds[0].fields[-1].value) <= 1024
