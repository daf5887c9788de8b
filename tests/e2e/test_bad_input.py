"""The bad-input sweep: every slash command's options at their edges, through the real client.

Each case must get a clear ephemeral reply, log no error or traceback, ping nobody and leave the
database exactly as it was. Values Discord itself refuses (numbers out of a declared range, a
choice that is not offered, a server-only command in DMs) are checked against the declarations,
because simcord refuses them the way Discord does, before the bot sees them.
"""

from __future__ import annotations

import logging

import pytest
from simcord.backend.errors import SetupError
from simcord.interactions import OptionError

from bot.app import EXTENSIONS
from tests.e2e.helpers import dump, let_use

WHITESPACE = "   \t "
MAX_LENGTH = "x" * 100
OVER_LONG = "customer " * 700  # 6,300 characters: more than Discord lets a member type
UNICODE = "Ünïcödé 顧客サービス 😀🎉"
RTL = "خدمة العملاء \u202eevil"
MARKDOWN = "**bold** __under__ `code` ||spoiler|| > quote [link](https://example.com)"
MENTIONS = "@everyone @here <@&1> <@1>"
SQL = "'; DROP TABLE quiz_answers; --"
ZERO_WIDTH = "\u200b\u200b"

TEXTS = [WHITESPACE, MAX_LENGTH, OVER_LONG, UNICODE, RTL, MARKDOWN, MENTIONS, SQL, ZERO_WIDTH]
TEXT_IDS = [
    "whitespace",
    "max-length",
    "over-long",
    "unicode-emoji",
    "rtl",
    "markdown",
    "mentions",
    "sql",
    "zero-width",
]

# (command, option that gets the bad text, other options, who runs it)
TEXT_OPTIONS = [
    ("define", "term", {}, "alice"),
    ("term", "topic", {}, "alice"),
    ("quiz start", "topic", {}, "alice"),
    ("review", "topic", {}, "alice"),
    ("test", "topic", {}, "alice"),
    ("match play", "topic", {}, "alice"),
    ("settings timezone", "zone", {}, "teacher"),
    ("settings retention", "value", {}, "teacher"),
    ("daily set", "time", {}, "teacher"),
    ("daily set", "topic", {"time": "09:00"}, "teacher"),
    ("schedule add", "days", {"time": "09:00"}, "teacher"),
    ("schedule add", "time", {"days": "mon"}, "teacher"),
    ("schedule add", "topic", {"days": "mon", "time": "09:00"}, "teacher"),
    ("deck use", "name", {}, "teacher"),
    ("deck remove", "name", {}, "teacher"),
]
NEEDS_CHANNEL = {"daily set", "schedule add"}


def snapshot(world) -> list[str]:
    return dump(world)


async def expect_refusal(world, caplog, member, command: str, **options) -> str:
    """Run a command that must be refused: returns the reply text after checking every rule."""
    before = snapshot(world)
    caplog.clear()
    result = await member.slash(world.channel, command, **options)
    assert result.acknowledged, f"/{command} left the interaction unanswered"
    message = result.response or (result.followups[-1] if result.followups else None)
    assert message is not None and result.ephemeral, f"/{command} {options}: the reply must be ephemeral"
    text = message.content or " ".join(e.description or "" for e in message.embeds)
    assert len(text.strip()) > 15, f"/{command} {options}: the reply must say what to do: {text!r}"
    assert "something went wrong" not in text and "Traceback" not in text
    assert not message.message.mention_everyone and not message.message.raw_role_mentions
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR], caplog.text
    assert snapshot(world) == before, f"/{command} {options} changed the database"
    return text


@pytest.fixture
def quiet(world):
    world.bot.get_cog("Scheduler").tick.cancel()  # nothing is due; keep the clock still
    return world


# A blank optional topic means "every topic", as if it were left out: not an error.
CASES = [
    pytest.param(command, option, others, who, text, id=f"{command}:{option}:{label}")
    for command, option, others, who in TEXT_OPTIONS
    for text, label in zip(TEXTS, TEXT_IDS, strict=True)
    if not (option == "topic" and text in (WHITESPACE, ZERO_WIDTH))
]


@pytest.mark.parametrize(("command", "option", "others", "who", "text"), CASES)
async def test_text_options_at_their_edges(quiet, caplog, command, option, others, who, text):
    world = quiet
    caplog.set_level(logging.WARNING)
    options = dict(others)
    if command in NEEDS_CHANNEL:
        options["channel"] = world.channel
    options[option] = text
    await expect_refusal(world, caplog, getattr(world, who), command, **options)


@pytest.mark.parametrize("number", [0, -1, 999, 2**40])
@pytest.mark.parametrize("command", ["schedule pause", "schedule resume", "schedule remove"])
async def test_unknown_schedule_numbers(quiet, caplog, command, number):
    await expect_refusal(quiet, caplog, quiet.teacher, command, number=number)


@pytest.mark.parametrize(
    ("command", "options"),
    [
        ("quiz start", {"questions": 0}),
        ("quiz start", {"questions": 51}),
        ("quiz start", {"seconds": 9}),
        ("quiz start", {"seconds": 301}),  # 121-300 reach the bot: only scoring:accuracy allows them
        ("quiz start", {"teams": 5}),
        ("quiz start", {"mode": "hardcore"}),
        ("test", {"questions": 4}),
        ("test", {"questions": 31}),
        ("leaderboard", {"period": "decade"}),
        ("leaderboard", {"sort": "name"}),
        ("schedule add", {"days": "mon", "time": "09:00", "questions": 99}),
        ("deck use", {"name": "built-in", "action": "delete"}),
    ],
)
async def test_values_outside_the_declared_range_never_reach_the_bot(quiet, command, options):
    if command == "schedule add":
        options = {**options, "channel": quiet.channel}
    before = snapshot(quiet)
    member = quiet.teacher
    with pytest.raises(OptionError):
        await member.slash(quiet.channel, command, **options)
    assert snapshot(quiet) == before


async def test_commands_that_need_a_server_are_not_offered_in_dms(quiet):
    guild_only = {"quiz", "leaderboard", "settings", "daily", "schedule", "deck"}
    for command in quiet.bot.tree.get_commands():
        if command.name in guild_only:
            assert command.guild_only, f"/{command.name} must be server-only"
    with pytest.raises(SetupError):
        await quiet.alice.user.slash("quiz start")
    assert len(EXTENSIONS) >= 13


async def test_server_records_asked_for_in_dms_get_a_clear_answer(quiet, caplog):
    before = snapshot(quiet)
    result = await quiet.alice.user.slash("match best")
    assert result.ephemeral and "in a server" in result.response.content
    assert snapshot(quiet) == before


@pytest.mark.parametrize(
    ("filename", "data", "expected"),
    [
        ("empty.csv", b"", "empty"),
        ("blank.txt", b"\n\n   \n", "empty"),
        ("emoji.tsv", "😀\t🎉\n".encode(), "letter"),
        ("binary.csv", bytes(range(256)) * 4, "UTF-8"),
        ("sql.csv", b"term,definition\n'; DROP TABLE server_decks; --,\n", "line 2"),
        ("long.tsv", ("x" * 101 + "\tdefinition\n").encode(), "100"),
        ("mentions.csv", b"term,definition\n@everyone,\n", "line 2"),
    ],
)
async def test_bad_import_files(quiet, caplog, filename, data, expected):
    text = await expect_refusal(quiet, caplog, quiet.teacher, "deck import", file=(filename, data), name="Unit 3")
    assert expected.casefold() in text.casefold()


@pytest.mark.parametrize("name", [WHITESPACE, "x" * 61, "built-in", ZERO_WIDTH])
async def test_bad_deck_names(quiet, caplog, name):
    await expect_refusal(
        quiet,
        caplog,
        quiet.teacher,
        "deck import",
        file=("t.tsv", b"CRM\tCustomer relationship management\n"),
        name=name,
    )


@pytest.mark.parametrize(
    ("command", "who", "expected"),
    [
        ("quiz stop", "alice", "no quiz running"),
        ("daily off", "teacher", "not set up"),
        ("daily now", "teacher", "not set up"),
        ("deck remove", "alice", "Manage Server"),
    ],
)
async def test_commands_with_nothing_to_act_on(quiet, caplog, command, who, expected):
    options = {"name": "Unit 3"} if command == "deck remove" else {}
    if who == "alice":
        let_use(quiet, command.split()[0], quiet.alice)
    text = await expect_refusal(quiet, caplog, getattr(quiet, who), command, **options)
    assert expected.casefold() in text.casefold()
