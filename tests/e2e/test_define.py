"""/define, /term and their autocomplete through the real discord.py client."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.asyncio


async def test_define_by_acronym_shows_full_card(world):
    deck = world.bot.deck
    result = await world.alice.slash(world.channel, "define", term="clv")
    assert result.acknowledged and not result.ephemeral
    embed = result.response.embeds[0]
    term = deck.get("customer-lifetime-value")
    assert embed.title == term.name
    assert embed.description == term.definition
    fields = {f.name: f.value for f in embed.fields}
    assert "CLV" in fields["Also called"]
    assert fields["Topic"] == deck.topic_name(term.topic)
