"""Which deck a server draws from: the built-in one, its imported decks, or both.

Every feature asks `await bot.decks.for_guild(guild_id)` and gets a `ServerDeck` (a merged
`content.Deck` plus its lookup index), so define, autocomplete, quizzes, daily terms, reviews,
tests and matching work with imported terms unchanged. Most servers use the built-in deck alone:
they get the shared one without touching the database. The others are built once and cached
until a teacher imports, removes or selects a deck there.

Processes of one bot share the database: when a teacher changes a server's decks, the process
that ran the command tells the others (`announce`, LISTEN/NOTIFY on PostgreSQL, see
`bot.storage.notify`), and they drop what they hold for that server (`heard`).

Building a server's deck is CPU work (about 0.3 s for 2,000 imported terms), so it runs in a
worker thread, once per server however many interactions ask meanwhile (autocomplete sends one
per keystroke). The cache is bounded by the terms it holds, not by a number of servers: many
servers with small decks all stay built, and a few huge decks cannot hold hundreds of megabytes.
"""

from __future__ import annotations

import asyncio
import logging
import unicodedata
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass

import content
from bot.core.errors import BadInput
from bot.core.lookup import TermIndex
from bot.storage.decks import DeckInfo, DeckStore, Selection, name_key
from content.importer import ImportedTerm, build_imported_deck
from content.text import compact

log = logging.getLogger(__name__)

# Terms of built server decks kept in memory. A term costs about 1.2 KB with its share of the
# lookup index, so this is about 75 MB at most: 380 servers using the built-in deck plus a short
# list of their own, or 27 servers with 2,000-term decks. The shared built-in deck is not counted.
CACHE_TERMS = 60_000
MAX_NAME = 60
BUILTIN_KEY = "built-in"  # what /deck use takes for the built-in deck
BUILTIN_SUFFIX = " (built-in)"  # how /deck use shows the built-in deck


def check_name(name: str, builtin_name: str | None = None) -> str:
    """A deck name as typed, tidied; raises BadInput with what to do instead.

    `builtin_name` (the built-in deck's display name) is refused too: /deck use could not tell
    the two apart.
    """
    # Invisible characters (zero-width spaces, direction overrides, control codes) are dropped.
    name = " ".join("".join(c for c in name if unicodedata.category(c) not in ("Cc", "Cf")).split())
    if not any(c.isalnum() for c in name):
        raise BadInput("Give the deck a name with letters or digits, for example `Unit 3 vocabulary`.")
    if len(name) > MAX_NAME:
        raise BadInput(f"Deck names can be up to {MAX_NAME} characters; that one has {len(name)}.")
    if is_builtin_name(name, builtin_name):
        raise BadInput("That name is kept for the built-in deck; choose another, for example `Unit 3 vocabulary`.")
    return name


def is_builtin_name(name: str, builtin_name: str | None) -> bool:
    """Whether `name` names the built-in deck: `built-in`, or its display name (with or without
    the " (built-in)" that /deck use shows)."""
    key = name_key(name)
    names = {BUILTIN_KEY, "builtin"}
    if builtin_name:
        names |= {name_key(builtin_name), name_key(builtin_name + BUILTIN_SUFFIX)}
    return key in names


@dataclass(frozen=True, slots=True)
class ServerDeck:
    deck: content.Deck
    index: TermIndex

    @classmethod
    def of(cls, deck: content.Deck) -> ServerDeck:
        return cls(deck, TermIndex(deck.terms))


def shared_names(deck: content.Deck, terms: Sequence[ImportedTerm]) -> list[str]:
    """Imported term names that `deck` already uses as a name or alias (lookups find the first)."""
    taken = {compact(label) for term in deck.terms for label in (term.name, *term.aliases)}
    return [t.name for t in terms if compact(t.name) in taken]


def clash_note(clashes: Sequence[str], *, show=str, where: str = "here") -> str:
    """What /deck import and `python -m bot import` say when imported names are already in use.

    `show` formats one term name (bold and escaped in Discord, plain on the command line).
    """
    names = ", ".join(show(n) for n in clashes[:5]) + (" …" if len(clashes) > 5 else "")
    verb = "shares" if len(clashes) == 1 else "share"
    return (
        f"{len(clashes)} of its terms {verb} a name with a deck in use {where} ({names}): "
        "/define shows the one already in use; `/deck use` with `action: only` studies this deck alone."
    )


def assemble(
    builtin: ServerDeck, use_builtin: bool, parts: Sequence[tuple[DeckInfo, Sequence[ImportedTerm]]]
) -> ServerDeck:
    """The merged deck and its lookup index (CPU only: run it in a worker thread)."""
    decks = [builtin.deck] if use_builtin else []
    decks += [build_imported_deck(info.id, info.name, terms) for info, terms in parts]
    if not decks:  # cannot be selected, but a server must never be left with nothing to study
        return builtin
    if len(decks) == 1 and decks[0] is builtin.deck:
        return builtin
    return ServerDeck.of(content.Deck.merged(" + ".join(d.name for d in decks), decks))


@dataclass(frozen=True, slots=True)
class _Built:
    key: tuple  # the Selection.key it was built from
    server: ServerDeck
    terms: int  # what it counts against CACHE_TERMS


class DeckLibrary:
    def __init__(self, builtin: ServerDeck, store: DeckStore, *, cache_terms: int = CACHE_TERMS) -> None:
        self.builtin = builtin
        self.store = store
        self.cache_terms = cache_terms
        self._custom: set[int] = set()
        self._cache: OrderedDict[int, _Built] = OrderedDict()  # guild -> its built deck, LRU order
        self._cached_terms = 0
        self._building: dict[int, asyncio.Task[ServerDeck]] = {}  # guild -> the build in flight
        #: Tells the bot's other processes that a server's decks changed here (None: one process).
        self.announce: Callable[[int], Awaitable[None]] | None = None

    async def load(self) -> None:
        """Read which servers draw on imported decks (start-up)."""
        self._custom = await self.store.custom_guilds()
        self._cache.clear()
        self._cached_terms = 0
        self._building.clear()

    async def for_guild(self, guild_id: int | None) -> ServerDeck:
        """The deck this server's features draw from (the built-in deck in DMs)."""
        if guild_id is None or guild_id not in self._custom:
            return self.builtin
        cached = self._cache.get(guild_id)
        if cached is not None:
            self._cache.move_to_end(guild_id)
            return cached.server
        task = self._building.get(guild_id)
        if task is None:
            task = asyncio.create_task(self._build(guild_id), name=f"deck-build-{guild_id}")
            self._building[guild_id] = task
            task.add_done_callback(self._forget_build)
        # Shielded: an interaction that gives up must not cancel the build others wait for.
        return await asyncio.shield(task)

    def _forget_build(self, task: asyncio.Task) -> None:
        for guild_id, running in list(self._building.items()):
            if running is task:
                del self._building[guild_id]
        if not task.cancelled():
            task.exception()  # seen: its waiters got the error, and the next use builds again

    async def changed(self, guild_id: int, selection: Selection | None = None, *, announce: bool = True) -> None:
        """Decks may have been imported, removed or selected here (by a command, or by
        `python -m bot import`): the next use rebuilds the server's deck if its selection changed.
        The bot's other processes are told too (unless `announce` is False: one of them told us)."""
        await self._reread(guild_id, selection)
        if announce and self.announce is not None:
            await self.announce(guild_id)

    async def heard(self, payload: str) -> None:
        """Another process changed a server's decks (`payload`: the server's id): read them again."""
        try:
            guild_id = int(payload)
        except ValueError:
            log.warning("ignoring a deck change notice that names no server: %r", payload[:40])
            return
        await self.changed(guild_id, announce=False)

    async def _reread(self, guild_id: int, selection: Selection | None) -> None:
        selection = selection or await self.store.selection(guild_id)
        cached = self._cache.get(guild_id)
        if cached is None or cached.key != selection.key:
            self._drop(guild_id)
            # A build in flight may have read the old selection: it still answers whoever
            # waits for it, but is not kept.
            self._building.pop(guild_id, None)
        if selection.builtin_only:
            self._custom.discard(guild_id)
        else:
            self._custom.add(guild_id)

    async def clashes(self, guild_id: int, terms: Sequence[ImportedTerm]) -> list[str]:
        """Names of `terms` that the decks in use on this server already have."""
        server = await self.for_guild(guild_id)
        return await asyncio.to_thread(shared_names, server.deck, terms)

    async def _build(self, guild_id: int) -> ServerDeck:
        me = asyncio.current_task()
        selection = await self.store.selection(guild_id)
        parts = [(info, await self.store.terms(info.id)) for info in selection.in_use]
        if not selection.builtin and not parts:
            log.warning("guild %s had no deck selected; using the built-in deck", guild_id)
        built = await asyncio.to_thread(assemble, self.builtin, selection.builtin, parts)
        log.debug("guild %s: deck built, %d terms", guild_id, len(built.deck.terms))
        if self._building.get(guild_id) is me:
            self._keep(
                guild_id, _Built(selection.key, built, 0 if built is self.builtin else len(built.deck.terms))
            )
        return built

    def _keep(self, guild_id: int, built: _Built) -> None:
        self._drop(guild_id)
        self._cache[guild_id] = built
        self._cached_terms += built.terms
        # The newest entry stays even when it alone is over the budget.
        while self._cached_terms > self.cache_terms and len(self._cache) > 1:
            _guild, old = self._cache.popitem(last=False)
            self._cached_terms -= old.terms

    def _drop(self, guild_id: int) -> None:
        old = self._cache.pop(guild_id, None)
        if old is not None:
            self._cached_terms -= old.terms
