"""/define and /term: look up a term, or show a random one."""

from __future__ import annotations

import logging

import discord
from discord import app_commands
from discord.ext import commands

from bot.cogs.common import deck_for, resolve_topic, topic_choices
from bot.core.errors import BadInput
from bot.core.lookup import MAX_QUERY
from bot.ui.messages import clip, user_errors
from bot.ui.terms import ShowTermButton, corrected_text, did_you_mean_text, suggestions_view, term_embed

log = logging.getLogger(__name__)


class Define(commands.Cog):
    def __init__(self, bot) -> None:
        self.bot = bot

    async def cog_load(self) -> None:
        self.bot.add_dynamic_items(ShowTermButton)

    async def cog_unload(self) -> None:
        self.bot.remove_dynamic_items(ShowTermButton)

    @app_commands.command(name="define", description="Look up a Customer Relations term.")
    @app_commands.describe(term="A term, an acronym such as CLV, or part of a name")
    async def define(self, interaction: discord.Interaction, term: str) -> None:
        async with user_errors(interaction):
            await self._define(interaction, term.strip())

    async def _define(self, interaction: discord.Interaction, query: str) -> None:
        if not query:
            raise BadInput("Type a term to look up, for example `CRM` or `empathy`.")
        if len(query) > MAX_QUERY:
            raise BadInput(
                f"That's {len(query)} characters, longer than any term name. "
                "Try a few words, such as `customer loyalty`."
            )
        server = await self.bot.decks.for_guild(interaction.guild_id)
        result = server.index.lookup(query)
        if result.match is not None:
            # A typo the quiz judge would accept ("net promotor score") shows the card too, saying so.
            line = corrected_text(query, result.match) if result.corrected else None
            await interaction.response.send_message(line, embed=term_embed(result.match, server.deck))
            return
        view = suggestions_view(result.suggestions)
        kwargs = {"view": view} if view is not None else {}
        await interaction.response.send_message(
            did_you_mean_text(query, result.suggestions), ephemeral=True, **kwargs
        )

    @define.autocomplete("term")
    async def define_autocomplete(self, interaction: discord.Interaction, current: str):
        server = await self.bot.decks.for_guild(interaction.guild_id)
        return [app_commands.Choice(name=clip(t.name, 100), value=t.id) for t in server.index.complete(current)]

    @app_commands.command(name="term", description="Show a random term to learn.")
    @app_commands.describe(topic="Only terms from this topic")
    async def random_term(self, interaction: discord.Interaction, topic: str | None = None) -> None:
        deck = (await self.bot.decks.for_guild(interaction.guild_id)).deck
        async with user_errors(interaction):
            pool = deck.terms_in(resolve_topic(deck, topic))
            picked = self.bot.rng.choice(pool)
            await interaction.response.send_message(embed=term_embed(picked, deck, title_prefix="🎲 "))

    @random_term.autocomplete("topic")
    async def topic_autocomplete(self, interaction: discord.Interaction, current: str):
        return topic_choices(await deck_for(interaction), current)


async def setup(bot) -> None:
    await bot.add_cog(Define(bot))
