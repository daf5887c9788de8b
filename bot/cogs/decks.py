"""/deck import, list, remove and use: a class's own term lists next to the built-in deck."""

from __future__ import annotations

import asyncio
import logging
from typing import Literal

import discord
from discord import app_commands
from discord.ext import commands

from bot.cogs.settings import MANAGERS, require_manager
from bot.core.errors import BadInput
from bot.decks import BUILTIN_KEY, BUILTIN_SUFFIX, check_name, is_builtin_name
from bot.storage.decks import DeckInfo, DeckNameTaken, name_key
from bot.ui import decks as ui
from bot.ui.messages import clip, safe, user_errors
from content.importer import MAX_BYTES, ImportProblems, build_imported_deck, parse_term_file

log = logging.getLogger(__name__)

Action = Literal["add", "only", "stop"]


class Decks(commands.Cog):
    deck = app_commands.Group(
        name="deck",
        description="This server's decks: import your own terms, choose what the class studies",
        guild_only=True,
        default_permissions=MANAGERS,
    )

    def __init__(self, bot) -> None:
        self.bot = bot
        self.library = bot.decks
        self.store = bot.decks.store

    async def cog_load(self) -> None:
        self.bot.add_dynamic_items(ui.RemoveDeckButton)

    async def cog_unload(self) -> None:
        self.bot.remove_dynamic_items(ui.RemoveDeckButton)

    # ----------------------------------------------------------------- import

    @deck.command(name="import", description="Import a term list: CSV, or a Quizlet / Anki text export.")
    @app_commands.describe(
        file="CSV with a header term,definition — or term<TAB>definition per line",
        name="What to call the deck, e.g. Unit 3 vocabulary",
    )
    async def import_(self, interaction: discord.Interaction, file: discord.Attachment, name: str) -> None:
        async with user_errors(interaction):
            require_manager(interaction)
            name = check_name(name, self._builtin_name)
            if file.size > MAX_BYTES:
                raise BadInput(
                    f"**{safe(file.filename)}** is {file.size / 1_000_000:.1f} MB; the limit is 1 MB "
                    "(about 2,000 terms). Split it into smaller decks."
                )
            if await self.store.find(interaction.guild_id, name) is not None:
                raise BadInput(f"This server already has a deck called **{safe(name)}**. Choose another name.")
            # Downloading and checking up to 1 MB can take longer than Discord's 3-second window.
            await interaction.response.defer(ephemeral=True, thinking=True)
            try:
                data = await file.read()
            except discord.HTTPException:
                raise BadInput("I couldn't download that file from Discord. Please try again.") from None
            try:  # up to 1 MB of text to check: off the event loop
                terms = await asyncio.to_thread(parse_term_file, data, file.filename)
            except ImportProblems as exc:
                await interaction.followup.send(ui.problems_text(file.filename, exc.problems), ephemeral=True)
                return
            try:
                info = await self.store.add(
                    interaction.guild_id, name, terms, created_by=interaction.user.id,
                    now=discord.utils.utcnow(), use=False,
                )  # fmt: skip
            except DeckNameTaken:
                raise BadInput(f"This server already has a deck called **{safe(name)}**.") from None
            await self.library.changed(interaction.guild_id)  # also picks up a `python -m bot import --use`
            topics = len((await asyncio.to_thread(build_imported_deck, info.id, info.name, terms)).topics)
            clashes = await self.library.clashes(interaction.guild_id, terms)
            log.info("guild %s imported deck %s (%d terms)", interaction.guild_id, info.id, info.term_count)
            await interaction.followup.send(ui.imported_text(info, topics, clashes), ephemeral=True)

    # ----------------------------------------------------------------- list

    @deck.command(name="list", description="The decks on this server and which ones are in use.")
    async def list_(self, interaction: discord.Interaction) -> None:
        selection = await self.store.selection(interaction.guild_id)
        await self.library.changed(interaction.guild_id, selection)  # as above: what the list shows is used
        builtin = self.library.builtin.deck
        embed = ui.deck_list_embed(selection.decks, builtin.name, len(builtin.terms), selection.builtin)
        await interaction.response.send_message(embed=embed, ephemeral=True)

    # ----------------------------------------------------------------- remove

    @deck.command(name="remove", description="Remove an imported deck from this server (asks to confirm).")
    @app_commands.describe(name="The imported deck to remove")
    async def remove(self, interaction: discord.Interaction, name: str) -> None:
        async with user_errors(interaction):
            require_manager(interaction)
            info = await self._find(interaction.guild_id, name)
            text, view = ui.remove_confirm(interaction.user.id, info)
            await interaction.response.send_message(text, view=view, ephemeral=True)

    async def on_remove_answer(self, interaction: discord.Interaction, deck_id: int, confirm: bool) -> None:
        async with user_errors(interaction):
            require_manager(interaction)  # checked again: permissions can change in between
            if not confirm:
                await interaction.response.edit_message(content="Kept. Nothing was removed.", view=None)
                return
            info = await self.store.get(interaction.guild_id, deck_id)
            if info is None or not await self.store.remove(interaction.guild_id, deck_id):
                await interaction.response.edit_message(content="That deck was already removed.", view=None)
                return
            note = ""
            if info.in_use and (await self.store.selection(interaction.guild_id)).empty:
                await self.store.select(
                    interaction.guild_id, builtin=True, deck_ids=[], now=discord.utils.utcnow()
                )
                note = f"\nIt was the only deck in use, so the class is back on the built-in **{self._builtin_name}** deck."
            await self.library.changed(interaction.guild_id)
            log.info("guild %s removed deck %s", interaction.guild_id, deck_id)
            await interaction.response.edit_message(content=ui.removed_text(info, note), view=None)

    # ----------------------------------------------------------------- use

    @deck.command(name="use", description="Choose which decks quizzes, daily terms, /define and reviews use.")
    @app_commands.describe(
        name="A deck: the built-in one or one you imported",
        action="add: use it too (default) · only: use just this deck · stop: stop using it",
    )
    async def use(self, interaction: discord.Interaction, name: str, action: Action = "add") -> None:
        async with user_errors(interaction):
            require_manager(interaction)
            guild_id = interaction.guild_id
            selection = await self.store.selection(guild_id)
            decks, builtin_on = selection.decks, selection.builtin
            in_use = {d.id for d in selection.in_use}
            target = await self._target(guild_id, name)
            is_builtin = target is None
            if action == "only":
                builtin_on, in_use = is_builtin, set() if is_builtin else {target.id}
            elif is_builtin:
                builtin_on = action == "add"
            elif action == "add":
                in_use.add(target.id)
            else:
                in_use.discard(target.id)
            if not builtin_on and not in_use:
                raise BadInput(
                    "That would leave the class with no deck at all. Add another deck first, "
                    "or use `action: only` to switch to a single deck."
                )
            await self.store.select(
                guild_id, builtin=builtin_on, deck_ids=sorted(in_use), now=discord.utils.utcnow()
            )
            await self.library.changed(guild_id)
            log.info("guild %s decks: built-in=%s imported=%s", guild_id, builtin_on, sorted(in_use))
            chosen = [d for d in decks if d.id in in_use]
            await interaction.response.send_message(
                ui.selection_text(builtin_on, self._builtin_name, chosen), ephemeral=True
            )

    @remove.autocomplete("name")
    async def imported_names(self, interaction: discord.Interaction, current: str):
        return self._choices(await self.store.list(interaction.guild_id), current, builtin=False)

    @use.autocomplete("name")
    async def any_names(self, interaction: discord.Interaction, current: str):
        return self._choices(await self.store.list(interaction.guild_id), current, builtin=True)

    # ----------------------------------------------------------------- helpers

    @property
    def _builtin_name(self) -> str:
        return self.library.builtin.deck.name

    async def _target(self, guild_id: int, name: str) -> DeckInfo | None:
        """The imported deck `name` picks, or None for the built-in deck. `built-in` (what the
        autocomplete sends) is always the built-in deck; an imported deck of the built-in's
        display name (allowed before such names were refused) is picked by that name."""
        if name_key(name) in (BUILTIN_KEY, "builtin", name_key(self._builtin_name + BUILTIN_SUFFIX)):
            return None
        info = await self.store.find(guild_id, name)
        if info is None and is_builtin_name(name, self._builtin_name):
            return None
        return info or await self._find(guild_id, name)

    def _choices(self, decks: list[DeckInfo], current: str, *, builtin: bool) -> list[app_commands.Choice[str]]:
        needle = current.strip().casefold()
        names = ([self._builtin_name + BUILTIN_SUFFIX] if builtin else []) + [d.name for d in decks]
        values = ([BUILTIN_KEY] if builtin else []) + [d.name for d in decks]
        return [
            app_commands.Choice(name=clip(n, 100), value=v)
            for n, v in zip(names, values, strict=True)
            if needle in n.casefold()
        ][:25]

    async def _find(self, guild_id: int, name: str) -> DeckInfo:
        info = await self.store.find(guild_id, name)
        if info is None:
            decks = await self.store.list(guild_id)
            known = ", ".join(f"**{safe(d.name)}**" for d in decks[:10]) or "none yet (use `/deck import`)"
            raise BadInput(f"There is no imported deck called **{safe(name)}** here. Decks: {known}.")
        return info


async def setup(bot) -> None:
    await bot.add_cog(Decks(bot))
