"""/about: the bot's version, deck sizes, uptime and latency."""

from __future__ import annotations

import time
from datetime import timedelta
from importlib import metadata

import discord
from discord import app_commands
from discord.ext import commands

from bot.cogs.common import deck_for
from bot.ui.about import about_embed

DISTRIBUTION = "cr-study-bot"  # [project] name in pyproject.toml


def installed_version() -> str:
    """The installed package's version, or "unknown" when running from a plain checkout."""
    try:
        return metadata.version(DISTRIBUTION)
    except metadata.PackageNotFoundError:
        return "unknown"


class About(commands.Cog):
    def __init__(self, bot) -> None:
        self.bot = bot
        self.version = installed_version()
        # Not bot.started_at: it can be taken before simcord (playground, tests) swaps in its virtual
        # clock, so the two would not compare there. Set-up takes milliseconds; the uptime is the same.
        self.started_at = time.monotonic()

    @app_commands.command(name="about", description="Version, deck, uptime and latency of this bot.")
    async def about(self, interaction: discord.Interaction) -> None:
        deck = await deck_for(interaction)  # what this server studies (built-in plus any imported decks)
        embed = about_embed(
            version=self.version,
            deck_name=deck.name,
            terms=len(deck.terms),
            topics=len(deck.topics),
            questions=len(deck.open_questions) + len(deck.list_questions),
            uptime=timedelta(seconds=time.monotonic() - self.started_at),
            latency=self.bot.latency,
            servers=len(self.bot.guilds),
        )
        await interaction.response.send_message(embed=embed)


async def setup(bot) -> None:
    await bot.add_cog(About(bot))
