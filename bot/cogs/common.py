"""Option helpers shared by the cogs (topic autocomplete and resolution)."""

from __future__ import annotations

import discord
from discord import app_commands

from bot.core.errors import UnknownTopic
from bot.ui.messages import clip
from content.model import Deck


def topic_choices(deck, current: str) -> list[app_commands.Choice[str]]:
    """Topics whose name or id contains what was typed, at most 25."""
    needle = current.strip().casefold()
    return [
        app_commands.Choice(name=clip(t.name, 100), value=t.id)
        for t in deck.topics
        if needle in t.name.casefold() or needle in t.id
    ][:25]


def resolve_topic(deck, value: str | None) -> str | None:
    """A topic id from what the member picked or typed; None means every topic."""
    if value is None or not value.strip():
        return None
    wanted = value.strip().casefold()
    for topic in deck.topics:
        if wanted in (topic.id, topic.name.casefold()):
            return topic.id
    names = ", ".join(clip(t.name, 40) for t in deck.topics[:15])
    more = (
        f" and {len(deck.topics) - 15} more (the option suggests them as you type)"
        if len(deck.topics) > 15
        else ""
    )
    raise UnknownTopic(f"There is no topic called **{clip(value, 60)}**. Topics: {names}{more}.")


async def deck_for(interaction: discord.Interaction) -> Deck:
    """The deck this interaction's server draws from (built-in plus any imported decks in use)."""
    return (await interaction.client.decks.for_guild(interaction.guild_id)).deck
