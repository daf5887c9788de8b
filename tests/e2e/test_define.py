"""/define, /term and their autocomplete through the real discord.py client."""

from __future__ import annotations

import pytest

from tests.e2e.helpers import fields_of


def assert_embed_within_limits(embed) -> None:
    assert len(embed.title or "") <= 256
    assert len(embed.description or "") <= 4096
    assert len(embed.fields) <= 25
    for field in embed.fields:
        assert 0 < len(field.name) <= 256 and 0 < len(field.value) <= 1024
    assert len(embed) <= 6000


async def test_define_by_acronym_shows_full_card(world):
    deck = world.bot.deck
    result = await world.alice.slash(world.channel, "define", term="clv")
    assert result.acknowledged and not result.ephemeral
    embed = result.response.embeds[0]
    term = deck.get("customer-lifetime-value")
    assert embed.title == term.name
    assert embed.description == term.definition
    fields = fields_of(embed)
    assert "CLV" in fields["Also called"]
    assert fields["Topic"] == deck.topic_name(term.topic)
    assert term.example in fields["Example"]
    assert_embed_within_limits(embed)


async def test_define_accepts_the_id_an_autocomplete_choice_sends(world):
    choices = await world.alice.autocomplete(world.channel, "define", "term", "lifetime")
    assert choices[0]["value"] == "customer-lifetime-value"
    result = await world.alice.slash(world.channel, "define", term=choices[0]["value"])
    assert result.response.embeds[0].title == "Customer Lifetime Value"


async def test_define_spelling_variants(world):
    for typed in ("follow up", "FOLLOWUP", " Follow-Up! "):
        result = await world.bob.slash(world.channel, "define", term=typed)
        assert result.response.embeds[0].title == "Follow-up", typed


def suggestion_labels(message) -> list[str]:
    return [c["label"] for row in message.components for c in row["components"]]


async def test_unknown_term_gets_ephemeral_did_you_mean_with_working_buttons(world):
    result = await world.alice.slash(world.channel, "define", term="lifetme")
    assert result.ephemeral
    assert not result.response.embeds, "never an empty embed"
    assert "Did you mean" in result.response.content
    assert suggestion_labels(result.response) == ["Customer Lifetime Value", "Customer Lifetime Cycle"]
    shown = await world.alice.click(result.response, label="Customer Lifetime Value")
    assert shown.acknowledged
    assert shown.response.embeds[0].title == "Customer Lifetime Value"


async def test_a_typo_the_quiz_judge_accepts_shows_the_card_saying_so(world):
    for typed, name in (
        ("net promotor score", "Net Promoter Score"),
        ("custmer lifetime value", "Customer Lifetime Value"),
        ("custmer", "Customer"),
    ):
        result = await world.alice.slash(world.channel, "define", term=typed)
        assert not result.ephemeral, "public, like any card /define finds"
        assert result.response.embeds[0].title == name
        assert result.response.content == f"🔎 Showing results for **{name}** (you typed *{typed}*)"
    exact = await world.alice.slash(world.channel, "define", term="Net Promoter Score")
    assert exact.response.content == "", "no correction line for a name spelled right"


async def test_did_you_mean_lists_each_suggestion_once_closest_first(world):
    """ "emphaty" is two edits from Empathy, more than the quiz judge forgives in seven letters: the
    member chooses. The suggestions are the buttons, not also a bulleted list, closest first."""
    result = await world.alice.slash(world.channel, "define", term="emphaty")
    assert result.ephemeral
    assert result.response.content == "I couldn't find **emphaty**. Did you mean one of these?"
    assert suggestion_labels(result.response) == ["Empathy", "Customer Empathy"]


async def test_a_term_opened_from_a_suggestion_is_public_like_a_direct_define(world):
    direct = await world.bob.slash(world.channel, "define", term="empathy")
    result = await world.alice.slash(world.channel, "define", term="emphaty")
    shown = await world.alice.click(result.response, label="Empathy")
    assert not direct.ephemeral and not shown.ephemeral
    assert shown.response.embeds[0].to_dict() == direct.response.embeds[0].to_dict()
    assert world.channel.last_message.embeds[0].title == "Empathy", "posted in the channel"
    assert suggestion_labels(result.response), "the private suggestions stay, to open another"


async def test_a_suggestion_whose_reply_fails_can_be_clicked_again(world):
    """Discord refusing the reply (a 500 on the interaction callback) leaves the buttons working."""
    result = await world.alice.slash(world.channel, "define", term="emphaty")
    world.env.inject_error("POST", "/interactions/*")
    failed = await world.alice.click(result.response, label="Empathy")
    assert not failed.acknowledged and world.channel.last_message is None
    again = await world.alice.click(result.response, label="Empathy")
    assert again.response.embeds[0].title == "Empathy"


async def test_suggestion_buttons_survive_a_restart(world):
    result = await world.alice.slash(world.channel, "define", term="lifetme")
    await world.restart()
    shown = await world.alice.click(result.response, label="Customer Lifetime Cycle")
    assert shown.response.embeds[0].title == "Customer Lifetime Cycle"


async def test_nothing_close_says_so_without_buttons(world):
    result = await world.alice.slash(world.channel, "define", term="zzqxj")
    assert result.ephemeral
    assert "couldn't find" in result.response.content
    assert not result.response.components


@pytest.mark.parametrize("typed", ["", "   ", "x" * 500, "🤝" * 120])
async def test_empty_and_overlong_queries_get_a_friendly_error(world, typed):
    result = await world.alice.slash(world.channel, "define", term=typed)
    assert result.ephemeral
    assert result.response.content.startswith("⚠️")
    assert "Traceback" not in result.response.content


async def test_unicode_and_mentions_are_not_echoed_as_pings(world):
    result = await world.alice.slash(world.channel, "define", term="@everyone 💥 عميل")
    assert result.ephemeral
    assert "@everyone" not in result.response.content.replace("@\u200beveryone", "")


async def test_autocomplete_respects_discord_limits(world):
    for typed in ("", "c", "customer", "x" * 300, "💥", "clv"):
        choices = await world.alice.autocomplete(world.channel, "define", "term", typed)
        assert len(choices) <= 25
        for choice in choices:
            assert 1 <= len(choice["name"]) <= 100 and 1 <= len(choice["value"]) <= 100
    assert [c["name"] for c in await world.alice.autocomplete(world.channel, "define", "term", "clv")] == [
        "Customer Lifetime Value"
    ]


async def test_term_shows_a_random_term_of_the_topic(world):
    deck = world.bot.deck
    topic = deck.topics[0]
    choices = await world.alice.autocomplete(world.channel, "term", "topic", topic.name[:4])
    assert {"name": topic.name, "value": topic.id} in choices
    for _ in range(5):
        result = await world.alice.slash(world.channel, "term", topic=topic.id)
        embed = result.response.embeds[0]
        names = {t.name for t in deck.terms_in(topic.id)}
        assert embed.title.removeprefix("🎲 ") in names
        assert_embed_within_limits(embed)


async def test_term_with_unknown_topic_lists_the_topics(world):
    result = await world.alice.slash(world.channel, "term", topic="astrology")
    assert result.ephemeral
    assert "no topic called" in result.response.content
    assert world.bot.deck.topics[0].name in result.response.content
