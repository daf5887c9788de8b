"""The bot: `create_bot(settings)` builds it without connecting; `setup_hook` does the async set-up."""

from __future__ import annotations

import asyncio
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
from bot.process import ThisProcess, settle_heap
from bot.storage import Database, open_database
from bot.storage.decks import DeckStore
from bot.ui import messages

log = logging.getLogger(__name__)

#: Where a server's deck changes are announced to the bot's other processes (PostgreSQL only).
DECKS_CHANNEL = "studybot_decks"

# The bot never joins a voice channel: discord.py's start-up warnings that voice libraries are
# missing ("PyNaCl is not installed, voice will NOT be supported") are noise an operator cannot act on.
discord.VoiceClient.warn_nacl = discord.VoiceClient.warn_dave = False

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
    "bot.cogs.assign",
    "bot.cogs.homework",
    "bot.cogs.report",
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
        elif messages.expired(original):  # answered after Discord's 3 s: one line, and no reply (refused too)
            log.warning(
                "command %s too late (guild=%s user=%s): %s",
                interaction.command and interaction.command.qualified_name,
                interaction.guild_id,
                interaction.user.id,
                original,
            )
            return
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


class StudyBot(commands.AutoShardedBot):
    """The study bot. With `commands_only`, set-up only registers the slash commands (for `sync`).

    Sharded: SHARD_COUNT and SHARD_IDS run a range of the bot's shards in this process; without
    them, one process runs as many shards as Discord recommends. What this process is among the
    bot's processes (its shards, its share of the request budget, its outbox) is `self.process`.
    """

    def __init__(
        self,
        settings: Settings,
        *,
        rng: random.Random | None = None,
        deck: content.Deck | None = None,
        commands_only: bool = False,
    ) -> None:
        super().__init__(
            # Slash commands only: interactions arrive whatever the intents, and the guilds intent
            # brings each server's channels, roles and the bot's own member (`guild.me`), which the
            # channel permission checks use. No message, typing, reaction or voice events, so no
            # member's message ever reaches the bot, and no prefix commands.
            command_prefix=(),
            intents=discord.Intents(guilds=True),
            max_messages=None,  # the bot reads no messages: nothing to cache
            member_cache_flags=discord.MemberCacheFlags.none(),  # members come with each interaction
            chunk_guilds_at_startup=False,
            tree_cls=StudyTree,
            help_command=None,
            # Nobody is pinged by accident, whatever a member types into a term or an import.
            allowed_mentions=discord.AllowedMentions.none(),
            shard_count=settings.shard_count,  # None: Discord's recommended count (GET /gateway/bot)
            shard_ids=settings.shard_ids,
        )
        self.settings = settings
        self.process = ThisProcess(settings.shards, settings.processes)
        self.feed = None  # LISTEN/NOTIFY between the bot's processes (PostgreSQL only)
        self.rng = rng or random.Random()
        self.db: Database | None = None
        self.deck: content.Deck | None = deck
        self.index: TermIndex | None = None  # of the built-in deck; per server: `decks.for_guild`
        self.decks: DeckLibrary | None = None
        self.started_at = time.monotonic()
        self.commands_only = commands_only
        #: `python -m bot run` sets this: once every shard is ready, the start-up heap is frozen
        #: (`bot.process.settle_heap`). Off in tests, which run many bots in one process.
        self.settle_heap_when_ready = False

    async def setup_hook(self) -> None:
        started = time.perf_counter()
        if self.deck is None:
            self.deck = content.load_deck()
        self.index = TermIndex(self.deck.terms)
        if self.commands_only:
            # `python -m bot sync` while the bot runs: no database is opened (no migration, no
            # recovery of "interrupted" rounds); the cogs are built only for their commands.
            self.decks = DeckLibrary(ServerDeck(self.deck, self.index), DeckStore(None))
            for extension in EXTENSIONS:
                await self.load_extension(extension)
            return
        self.db = await open_database(self.settings)
        version = await self.db.migrate()
        self.decks = DeckLibrary(ServerDeck(self.deck, self.index), DeckStore(self.db))
        await self.decks.load()
        if self.settings.database_url and self.process.shared:
            await self._listen_to_other_processes()
        for extension in EXTENSIONS:
            await self.load_extension(extension)
        log.info(
            "ready to connect: %d terms, schema v%d, %s, set-up %.0f ms",
            len(self.deck.terms),
            version,
            self.process.describe(),
            (time.perf_counter() - started) * 1000,
        )

    async def _listen_to_other_processes(self) -> None:
        """Other processes of the bot may change what this one keeps in memory (a server's deck
        selection): hear about it (see bot.storage.notify)."""
        from bot.storage.notify import ChangeFeed

        self.feed = ChangeFeed(self.db, self.settings.database_url)
        self.feed.listen(DECKS_CHANNEL, self.decks.heard, resync=self.decks.load)

        async def announce(guild_id: int) -> None:
            await self.feed.publish(DECKS_CHANNEL, str(guild_id))

        self.decks.announce = announce
        await self.feed.start()

    async def before_identify_hook(self, shard_id: int | None, *, initial: bool = False) -> None:
        # The shard count is known from here on: SHARD_COUNT, or what Discord recommended.
        self.process.shard_count = self.shard_count
        log.info("shard %s of %s connecting", shard_id, self.shard_count)
        await super().before_identify_hook(shard_id, initial=initial)

    async def add_cog(self, cog: commands.Cog, /, **options) -> None:
        if not self.commands_only:
            await super().add_cog(cog, **options)
            return
        # Only what discord.py's add_cog puts on the tree; cog_load (which reads and writes the
        # database, starts the scheduler) never runs, and the cog is not kept.
        group = cog.__cog_app_commands_group__
        for command in [group] if group else cog.get_app_commands():
            self.tree.add_command(command)

    def dispatch(self, event_name: str, /, *args, **kwargs) -> None:
        # The on_interaction listeners (quiz, learn) answer typed-answer boxes (modal submits) only;
        # commands and buttons reach the tree and the views without them. Dispatching the rest would
        # start a task per listener on every click and command, to do nothing.
        if event_name == "interaction" and args[0].type is not discord.InteractionType.modal_submit:
            return
        super().dispatch(event_name, *args, **kwargs)

    async def on_ready(self) -> None:
        if self.settle_heap_when_ready:
            self.settle_heap_when_ready = False  # once: a later READY (a new session) changes little
            log.info("ready: %d servers, %d start-up objects frozen", len(self.guilds), settle_heap())

    async def on_message(self, message: discord.Message) -> None:
        """Never a command: the bot has no message intents, and no prefix either (see __init__)."""

    async def close(self) -> None:
        if "_AutoShardedClient__queue" not in self.__dict__:
            # Set up but never logged in (tests, benchmarks): discord.py's sharded close() posts to
            # the event queue that login creates.
            self._AutoShardedClient__queue = asyncio.PriorityQueue()
        await super().close()
        if self.feed is not None:
            await self.feed.close()
            self.feed = None
        if self.db is not None:
            await self.db.close()
            self.db = None


def create_bot(
    settings: Settings,
    *,
    rng: random.Random | None = None,
    deck: content.Deck | None = None,
    commands_only: bool = False,
) -> StudyBot:
    """Build the bot without connecting (tests and the CLI use this).

    `rng` makes quizzes and random terms reproducible; `deck` replaces the built-in deck;
    `commands_only` builds a bot that only knows its slash commands and never opens the database
    (what `python -m bot sync` publishes).
    """
    return StudyBot(settings, rng=rng, deck=deck, commands_only=commands_only)


async def publish_commands(bot: StudyBot, guild_id: int | None) -> list[app_commands.AppCommand]:
    """Publish the bot's slash commands: to one server (at once) or globally (up to an hour)."""
    if guild_id:
        guild = discord.Object(id=guild_id)
        bot.tree.copy_global_to(guild=guild)
        return await bot.tree.sync(guild=guild)
    return await bot.tree.sync()
