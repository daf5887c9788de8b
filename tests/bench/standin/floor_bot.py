"""The floor: the least a discord.py bot can do for the same interactions, with constant replies.

A plain `discord.Client` with a `CommandTree` and only the `guilds` intent (all a slash-command bot
needs): `/define term:` answers a constant message, its autocomplete a constant choice, and any
button click a constant ephemeral "Locked in" (one REST call each, discord.py's normal path). The
harness runs it beside the real bot, so every cost of the bot is reported as a ratio to this one.
"""

from __future__ import annotations

import discord
from discord import app_commands

REPLY = "Customer Relationship Management (CRM): managing a company's interactions with its customers."
CLICK_REPLY = "🔒 Locked in: A"


class AnyButton(discord.ui.DynamicItem[discord.ui.Button], template=r"(?P<custom_id>.+)"):
    def __init__(self, custom_id: str) -> None:
        super().__init__(discord.ui.Button(label="?", custom_id=custom_id))

    @classmethod
    async def from_custom_id(cls, interaction, item, match):
        return cls(match["custom_id"])

    async def callback(self, interaction: discord.Interaction) -> None:
        await interaction.response.send_message(CLICK_REPLY, ephemeral=True)


class FloorBot(discord.Client):
    def __init__(self, on_ready=None) -> None:
        super().__init__(intents=discord.Intents(guilds=True))
        self.tree = app_commands.CommandTree(self)
        self._announce = on_ready

        @self.tree.command(name="define", description="Look up a term.")
        async def define(interaction: discord.Interaction, term: str) -> None:
            await interaction.response.send_message(REPLY)

        @define.autocomplete("term")
        async def define_autocomplete(interaction: discord.Interaction, current: str):
            return [app_commands.Choice(name="Customer Relationship Management", value="crm")]

    async def setup_hook(self) -> None:
        self.add_dynamic_items(AnyButton)

    async def on_ready(self) -> None:
        if self._announce is not None:
            self._announce()


def run(token: str, on_ready=None) -> int:
    FloorBot(on_ready).run(token, log_handler=None)
    return 0
