"""Leeches in /review through the real discord.py client: a card forgotten 8 times says so, and
after each new lapse it comes first as "study it again" (its answer and a note) instead of the bare
card; "Studied it" rates nothing, works after a restart and only for its owner (issue 14)."""

from __future__ import annotations

from datetime import timedelta

from bot.storage.leeches import Leech, LeechRepo
from bot.storage.study import StudyRepo
from bot.ui import review as ui
from tests.e2e.helpers import fields_of, rows
from tests.e2e.test_review import RATINGS, buttons, card_of, forge_click
from tests.storage.test_leeches import forget

LEECH = "customer-loyalty"


def leech_row(world, member):
    return rows(
        world,
        "SELECT lapses, studied_lapses FROM study_cards WHERE user_id = ? AND card_id = ?",
        (member.id, LEECH),
    )[0]


def logged(world, member) -> int:
    return rows(world, "SELECT COUNT(*) FROM study_reviews WHERE user_id = ?", (member.id,))[0][0]


async def test_a_leech_is_studied_again_then_tested_bare(world):
    alice, term = world.alice, world.bot.deck.get(LEECH)
    # Forgotten 8 times over the last weeks, in this server: a leech, now due again.
    await forget(
        StudyRepo(world.bot.db), alice.id, LEECH, 8, world.env.now() - timedelta(days=120), world.guild.id
    )
    assert leech_row(world, alice) == (8, 0)
    assert await LeechRepo(world.bot.db).leeches(world.guild.id) == [Leech(alice.id, LEECH, 8)]
    reviews = logged(world, alice)

    msg = (await alice.slash(world.channel, "review")).response
    assert card_of(msg) == LEECH
    study = msg.embeds[0]
    assert study.title == f"📖 Study it again: {term.name}"
    assert study.description.startswith("🩹 Leech: you have forgotten this card 8 times. Study it again now")
    assert study.description.endswith(term.definition), "the definition, not the bare card"
    assert fields_of(study)["Example"] == f"*{term.example}*"
    assert set(buttons(msg)) == {ui.STUDIED_LABEL, "Stop"}

    not_yours = await forge_click(world, world.bob, msg, buttons(msg)[ui.STUDIED_LABEL])
    assert not_yours.ephemeral and ui.NOT_YOURS in not_yours.response.content
    await world.restart()  # the button still works
    await alice.click(msg, label=ui.STUDIED_LABEL)
    assert msg.content == ui.STUDIED_NOTE
    assert card_of(msg) != LEECH, "another card first: the answer was just on screen"
    assert leech_row(world, alice) == (8, 8) and logged(world, alice) == reviews, "nothing rated"

    await alice.click(msg, label="Show answer")
    await alice.click(msg, label=RATINGS[4])  # Easy: that new card is days away
    assert card_of(msg) == LEECH, "then the leech, still due, to test"
    front = msg.embeds[0]
    assert front.title == term.name and "🩹 Leech: you have forgotten this card 8 times." in front.description
    assert term.definition not in front.description and set(buttons(msg)) == {"Show answer", "Stop"}
    await alice.click(msg, label="Show answer")
    await alice.click(msg, label=RATINGS[0])  # forgotten once more, days after its last review
    assert leech_row(world, alice) == (9, 8)

    await world.env.advance_time(11 * 60)  # back from relearning
    again = (await alice.slash(world.channel, "review", new=False)).response
    assert card_of(again) == LEECH and again.embeds[0].title.startswith("📖 Study it again")
    assert "forgotten this card 9 times" in again.embeds[0].description


async def test_seven_lapses_are_no_leech(world):
    alice = world.alice
    await forget(
        StudyRepo(world.bot.db), alice.id, LEECH, 7, world.env.now() - timedelta(days=120), world.guild.id
    )
    msg = (await alice.slash(world.channel, "review")).response
    assert card_of(msg) == LEECH and "Leech" not in msg.embeds[0].description
    assert set(buttons(msg)) == {"Show answer", "Stop"}
    assert await LeechRepo(world.bot.db).leeches(world.guild.id) == []
