"""The bot: `create_bot(settings)` builds it without connecting; `setup_hook` does the async set-up."""

from __future__ import annotations

import logging
import random
import time

import discord
from discord import app_commands
from discord.ext import commands

import content
from bot.config import Settings
from bot.core.errors import StudyBotError
from bot.core.lookup import TermIndex
from bot.decks import DeckLibrary, ServerDeck
from bot.storage import Database
from bot.storage.decks import DeckStore
from bot.ui import messages

log = logging.getLogger(__name__)

EXTENSIONS = (
    "bot.cogs.define",
    "bot.cogs.quiz",
    "bot.cogs.settings",
    "bot.cogs.daily",
    "bot.cogs.schedule",
    "bot.cogs.scheduler",
    "bot.cogs.review",
    "bot.cogs.practice",
    "bot.cogs.learn",
    "bot.cogs.server_fsrs",
    "bot.cogs.match",
    "bot.cogs.progress",
    "bot.cogs.privacy",
    "bot.cogs.about",
    "bot.cogs.decks",
)


class StudyTree(app_commands.CommandTree):
    """Turns every error into one friendly ephemeral reply, logged with its context.

    Every slash command also gets one INFO line with its server, member, name and duration.
    """

    async def _call(self, interaction: discord.Interaction) -> None:
        # discord.py runs every command (and autocomplete) through here: timing it here covers failures too.
        if interaction.type is not discord.InteractionType.application_command:
            await super()._call(interaction)
            return
        started, failed = time.perf_counter(), True
        try:
            await super()._call(interaction)
            failed = interaction.command_failed
        finally:
            command = interaction.command
            log.info(
                "command /%s guild=%s user=%s %.0f ms%s",
                command.qualified_name if command else interaction.data.get("name"),
                interaction.guild_id or "dm",
                interaction.user.id,
                (time.perf_counter() - started) * 1000,
                " (failed)" if failed else "",
            )

    async def on_error(self, interaction: discord.Interaction, error: app_commands.AppCommandError) -> None:
        original = getattr(error, "original", error)
        if isinstance(original, StudyBotError):
            text = str(original)
        elif isinstance(error, app_commands.MissingPermissions):
            text = messages.missing_permissions(error.missing_permissions)
        elif isinstance(error, app_commands.NoPrivateMessage):
            text = "This command only works in a server, not in direct messages."
        elif isinstance(error, app_commands.CheckFailure):
            text = "You can't use this command here."
        else:
            command = interaction.command.qualified_name if interaction.command else "?"
            log.exception(
                "command %s failed (guild=%s user=%s)",
                command,
                interaction.guild_id,
                interaction.user.id,
                exc_info=original,
            )
            text = messages.failure_text(original)  # e.g. "storage busy" for a locked database
        await messages.reply_error(interaction, text)


class StudyBot(commands.Bot):
    def __init__(
        self, settings: Settings, *, rng: random.Random | None = None, deck: content.Deck | None = None
    ) -> None:
        intents = discord.Intents.default()
        intents.message_content = False  # slash commands only; no privileged intents needed
        super().__init__(
            command_prefix=commands.when_mentioned,
            intents=intents,
            tree_cls=StudyTree,
            help_command=None,
            # Nobody is pinged by accident, whatever a member types into a term or an import.
            allowed_mentions=discord.AllowedMentions.none(),
        )
        self.settings = settings
        self.rng = rng or random.Random()
        self.db: Database | None = None
        self.deck: content.Deck | None = deck
        self.index: TermIndex | None = None  # of the built-in deck; per server: `decks.for_guild`
        self.decks: DeckLibrary | None = None
        self.started_at = time.monotonic()

    async def setup_hook(self) -> None:
        started = time.perf_counter()
        if self.deck is None:
            self.deck = content.load_deck()
        self.index = TermIndex(self.deck.terms)
        self.db = await Database.open(self.settings.database_path)
        version = await self.db.migrate()
        self.decks = DeckLibrary(ServerDeck(self.deck, self.index), DeckStore(self.db))
        await self.decks.load()
        for extension in EXTENSIONS:
            await self.load_extension(extension)
        log.info(
            "ready to connect: %d terms, schema v%d, set-up %.0f ms",
            len(self.deck.terms),
            version,
            (time.perf_counter() - started) * 1000,
        )

    async def close(self) -> None:
        await super().close()
        if self.db is not None:
            await self.db.close()
            self.db = None


def create_bot(
    settings: Settings, *, rng: random.Random | None = None, deck: content.Deck | None = None
) -> StudyBot:
    """Build the bot without connecting (tests and the CLI use this).

    `rng` makes quizzes and random terms reproducible; `deck` replaces the built-in deck.
    """
    return StudyBot(settings, rng=rng, deck=deck)
