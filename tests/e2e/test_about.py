"""/about through the real discord.py client, and its formatting of uptime and latency."""

from __future__ import annotations

import math
from datetime import timedelta

import pytest

from bot.cogs.about import installed_version
from bot.ui.about import latency_text, uptime_text


def fields_of(result) -> dict[str, str]:
    return {f.name: f.value for f in result.response.embeds[0].fields}


async def test_about_shows_version_deck_uptime_and_latency(world):
    world.bot.get_cog("About").started_at -= 3725  # up for 1 h 2 min 5 s
    result = await world.carol.slash(world.channel, "about")
    assert not result.ephemeral, "harmless facts: the whole class may see them"
    fields = fields_of(result)
    deck = world.bot.deck
    assert fields["Version"] == installed_version() != "unknown"
    questions = len(deck.open_questions) + len(deck.list_questions)
    assert (
        fields["Deck"]
        == f"{deck.name}: {len(deck.terms)} terms in {len(deck.topics)} topics, {questions} questions"
    )
    assert fields["Deck"].endswith("154 terms in 11 topics, 20 questions")
    assert fields["Uptime"] == "1 h 02 min"
    assert fields["Latency"] == latency_text(world.bot.latency)  # simcord may report no heartbeat yet
    assert fields["Servers"] == "1"


async def test_about_works_in_direct_messages(world):
    result = await world.alice.user.slash("about")
    assert fields_of(result)["Servers"] == "1"


@pytest.mark.parametrize(
    ("seconds", "text"),
    [(0, "0 s"), (59, "59 s"), (65, "1 min 05 s"), (3600, "1 h 00 min"), (90061, "1 d 1 h"), (-5, "0 s")],
)
def test_uptime_text(seconds, text):
    assert uptime_text(timedelta(seconds=seconds)) == text


def test_latency_text_survives_no_heartbeat_yet():
    assert latency_text(0.0423) == "42 ms"
    assert latency_text(math.inf) == latency_text(math.nan) == latency_text(-1.0) == "not measured yet"
