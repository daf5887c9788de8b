"""Which deck a server draws from: the built-in one, its imported decks, or both.

Every feature asks `await bot.decks.for_guild(guild_id)` and gets a `ServerDeck` (a merged
`content.Deck` plus its lookup index), so define, autocomplete, quizzes, daily terms, reviews,
tests and matching work with imported terms unchanged. Most servers use the built-in deck alone:
they get the shared one without touching the database. The others are built once and cached
until a teacher imports, removes or selects a deck there.
"""

from __future__ import annotations

import logging
import unicodedata
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass

import content
from bot.core.errors import BadInput
from bot.core.lookup import TermIndex
from bot.storage.decks import DeckStore, Selection
from content.importer import ImportedTerm, build_imported_deck
from content.text import compact

log = logging.getLogger(__name__)

CACHE_SIZE = 128  # servers whose merged deck stays built; imported decks are at most 2,000 terms
MAX_NAME = 60
BUILTIN_KEY = "built-in"  # what /deck use takes for the built-in deck


def check_name(name: str) -> str:
    """A deck name as typed, tidied; raises BadInput with what to do instead."""
    # Invisible characters (zero-width spaces, direction overrides, control codes) are dropped.
    name = " ".join("".join(c for c in name if unicodedata.category(c) not in ("Cc", "Cf")).split())
    if not any(c.isalnum() for c in name):
        raise BadInput("Give the deck a name with letters or digits, for example `Unit 3 vocabulary`.")
    if len(name) > MAX_NAME:
        raise BadInput(f"Deck names can be up to {MAX_NAME} characters; that one has {len(name)}.")
    if name.casefold() in (BUILTIN_KEY, "builtin"):
        raise BadInput("That name is kept for the built-in deck; choose another.")
    return name


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


class DeckLibrary:
    def __init__(self, builtin: ServerDeck, store: DeckStore) -> None:
        self.builtin = builtin
        self.store = store
        self._custom: set[int] = set()
        # guild -> (the selection it was built from, the deck)
        self._cache: OrderedDict[int, tuple[tuple, ServerDeck]] = OrderedDict()

    async def load(self) -> None:
        """Read which servers draw on imported decks (start-up)."""
        self._custom = await self.store.custom_guilds()
        self._cache.clear()

    async def for_guild(self, guild_id: int | None) -> ServerDeck:
        """The deck this server's features draw from (the built-in deck in DMs)."""
        if guild_id is None or guild_id not in self._custom:
            return self.builtin
        cached = self._cache.get(guild_id)
        if cached is not None:
            self._cache.move_to_end(guild_id)
            return cached[1]
        selection = await self.store.selection(guild_id)
        found = await self._build(guild_id, selection)
        self._cache[guild_id] = (selection.key, found)
        while len(self._cache) > CACHE_SIZE:
            self._cache.popitem(last=False)
        return found

    async def changed(self, guild_id: int, selection: Selection | None = None) -> None:
        """Decks may have been imported, removed or selected here (by a command, or by
        `python -m bot import`): the next use rebuilds the server's deck if its selection changed."""
        selection = selection or await self.store.selection(guild_id)
        cached = self._cache.get(guild_id)
        if cached is not None and cached[0] != selection.key:
            del self._cache[guild_id]
        if selection.builtin_only:
            self._custom.discard(guild_id)
        else:
            self._custom.add(guild_id)

    async def _build(self, guild_id: int, selection: Selection) -> ServerDeck:
        parts = [self.builtin.deck] if selection.builtin else []
        for info in selection.in_use:
            parts.append(build_imported_deck(info.id, info.name, await self.store.terms(info.id)))
        if not parts:  # cannot be selected, but a server must never be left with nothing to study
            log.warning("guild %s had no deck selected; using the built-in deck", guild_id)
            return self.builtin
        if len(parts) == 1 and parts[0] is self.builtin.deck:
            return self.builtin
        name = " + ".join(p.name for p in parts)
        return ServerDeck.of(content.Deck.merged(name, parts))
