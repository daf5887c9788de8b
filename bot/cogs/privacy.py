"""/privacy export and /privacy forget: a member's own data, in every server and in DMs."""

from __future__ import annotations

import inspect
import logging

import discord
from discord import app_commands
from discord.ext import commands

from bot.storage.privacy import PrivacyRepo
from bot.ui import privacy as ui
from bot.ui.messages import component_errors

log = logging.getLogger(__name__)


class Privacy(commands.Cog):
    # No guild_only: the data is about the member, not the server, so DMs work too.
    privacy = app_commands.Group(name="privacy", description="See or delete what the bot stores about you")

    def __init__(self, bot) -> None:
        self.bot = bot
        self.repo = PrivacyRepo(bot.db)

    async def cog_load(self) -> None:
        self.bot.add_dynamic_items(ui.ForgetButton)

    async def cog_unload(self) -> None:
        self.bot.remove_dynamic_items(ui.ForgetButton)

    @privacy.command(name="export", description="Get a file with everything the bot stores about you.")
    async def export(self, interaction: discord.Interaction) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)
        export = await self.repo.export(interaction.user.id)
        file = ui.export_file(export, interaction.user.id, discord.utils.utcnow())
        await interaction.followup.send(ui.export_text(export), file=file, ephemeral=True)

    @privacy.command(name="forget", description="Delete everything the bot stores about you (asks first).")
    async def forget(self, interaction: discord.Interaction) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)  # before any storage work
        counts = await self.repo.counts(interaction.user.id)
        if not any(counts.values()):
            await interaction.edit_original_response(content=ui.NOTHING_STORED)
            return
        embed, view = ui.forget_prompt(counts, interaction.user.id)
        await interaction.edit_original_response(embed=embed, view=view)

    async def on_choice(self, interaction: discord.Interaction, *, confirmed: bool) -> None:
        """A click on the prompt by its owner (`ui.ForgetButton` checked that)."""
        if not confirmed:
            await interaction.response.edit_message(content=ui.CANCELLED, embed=None, view=None)
            return
        try:
            # Acknowledged first: a slow delete must not outlast Discord's 3 seconds. If Discord no
            # longer takes the click, nothing is deleted and the button still works.
            await interaction.response.defer()
        except discord.HTTPException as exc:
            log.warning("a forget confirmation could not be acknowledged (%s); nothing was deleted", exc.status)
            return
        async with component_errors(interaction, "privacy forget"):
            counts = await self.repo.forget(interaction.user.id)
            # No member id here: the point of forgetting is that the bot stops keeping it.
            log.info("a member's data was deleted: %d rows changed", sum(counts.values()))
            await self.forget_in_memory(interaction.user.id)
            await interaction.edit_original_response(content=None, embed=ui.forgotten_embed(counts), view=None)

    async def forget_in_memory(self, user_id: int) -> None:
        """Drop the member from what other cogs hold in memory (running rounds, tests, games), so that
        nothing about them is written again. Every loaded cog with a `forget_member(user_id)` method
        (plain or async) is asked; one that fails is logged and the others still run."""
        for name, cog in list(self.bot.cogs.items()):
            forget = getattr(cog, "forget_member", None)
            if forget is None:
                continue
            try:
                result = forget(user_id)
                if inspect.isawaitable(result):
                    await result
            except Exception:
                log.exception("cog %s could not forget a member", name)


async def setup(bot) -> None:
    await bot.add_cog(Privacy(bot))
