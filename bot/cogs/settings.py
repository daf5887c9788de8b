"""/settings timezone, /settings retention and /settings show, plus the Manage Server check every
configuration cog uses."""

from __future__ import annotations

import logging

import discord
from discord import app_commands
from discord.ext import commands

from bot.cogs.common import deck_for
from bot.core import retention as ret
from bot.core.errors import StudyBotError
from bot.core.fsrs_fit import DEFAULT_PARAMETERS
from bot.core.schedule import parse_zone, zone_choices
from bot.storage.schedules import ScheduleStore
from bot.ui.messages import missing_permissions, user_errors
from bot.ui.settings import retention_set_text, settings_embed, zone_set_text

log = logging.getLogger(__name__)

MANAGERS = discord.Permissions(manage_guild=True)


class NotAllowed(StudyBotError):
    """The member lacks the permission a configuration command needs."""


def require_manager(interaction: discord.Interaction) -> None:
    """The server-side half of "Manage Server only": Discord's default permissions hide the
    command, but a server admin can override those per command. Raises `NotAllowed`, which
    `user_errors` turns into a friendly ephemeral refusal (a refusal is not a bug to log)."""
    perms = interaction.permissions
    if not (perms.manage_guild or perms.administrator):
        raise NotAllowed(missing_permissions(["manage_guild"]))


class ServerSettings(commands.Cog):
    settings = app_commands.Group(
        name="settings",
        description="Server settings for the study bot",
        guild_only=True,
        default_permissions=MANAGERS,
    )

    def __init__(self, bot) -> None:
        self.bot = bot
        self.store = ScheduleStore(bot.db)

    @settings.command(
        name="timezone", description="Set this server's time zone (for the daily term and schedules)."
    )
    @app_commands.describe(zone="A city such as America/New_York or Europe/London, or an offset such as UTC+5")
    async def timezone(self, interaction: discord.Interaction, zone: str) -> None:
        async with user_errors(interaction):
            require_manager(interaction)
            now = discord.utils.utcnow()
            parsed = parse_zone(zone, now)
            await self.store.set_timezone(interaction.guild_id, parsed, now)
            log.info("guild %s time zone set to %s by %s", interaction.guild_id, parsed.key, interaction.user.id)
            await interaction.response.send_message(zone_set_text(parsed, now), ephemeral=True)

    @timezone.autocomplete("zone")
    async def zone_autocomplete(self, interaction: discord.Interaction, current: str):
        return [
            app_commands.Choice(name=c.name, value=c.value) for c in zone_choices(current, discord.utils.utcnow())
        ]

    @settings.command(
        name="retention", description="How much members should still recall when a review comes (0.80-0.95)."
    )
    @app_commands.describe(
        value="From 0.80 to 0.95 (default 0.90): higher means more reviews, lower means more forgetting"
    )
    async def retention(self, interaction: discord.Interaction, value: str) -> None:
        async with user_errors(interaction):
            require_manager(interaction)
            retention = ret.parse_retention(value)
            fsrs_cog = self.bot.get_cog("ServerFsrs")
            parameters = await fsrs_cog.parameters_for(interaction.guild_id)
            workload = ret.workload(retention, parameters)
            await fsrs_cog.params.set_retention(interaction.guild_id, retention, discord.utils.utcnow())
            log.info("guild %s retention set to %s by %s", interaction.guild_id, retention, interaction.user.id)
            await interaction.response.send_message(retention_set_text(workload), ephemeral=True)

    @settings.command(name="show", description="Show this server's settings.")
    async def show(self, interaction: discord.Interaction) -> None:
        deck = await deck_for(interaction)
        async with user_errors(interaction):
            require_manager(interaction)
            guild_id = interaction.guild_id
            zone = await self.store.get_timezone(guild_id)
            daily = await self.store.get_daily(guild_id)
            schedules = await self.store.list_quiz_schedules(guild_id)
            parameters, retention = await self.bot.get_cog("ServerFsrs").params.scheduling_for(guild_id)
            workload = ret.workload(retention, parameters)
            fitted = parameters != DEFAULT_PARAMETERS
            embed = settings_embed(
                zone, discord.utils.utcnow(), daily, schedules, deck, workload=workload, fitted=fitted
            )
            await interaction.response.send_message(embed=embed, ephemeral=True)


async def setup(bot) -> None:
    await bot.add_cog(ServerSettings(bot))
