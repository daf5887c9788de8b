"""/match play and /match best: pair five terms with their definitions against the clock.

`/match` is a group because Discord cannot run a command that has subcommands: `/match play`
starts a game, `/match best` shows the server's fastest times. A game lives in memory (after a
restart, or an hour without a click, its buttons say it ended); finished games are stored. The
clock starts when the board is sent; each wrong pair adds `PENALTY`. A game is dropped only once
its time is stored and the result reached the member.
"""

from __future__ import annotations

import logging
import random
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

import discord
from discord import app_commands
from discord.ext import commands

from bot.cogs.common import deck_for, resolve_topic, topic_choices
from bot.core.errors import BadInput
from bot.core.expiring import SESSION_IDLE, Expiring, KeyedLocks
from bot.storage.study import MatchTime, StudyRepo
from bot.ui import match as ui
from bot.ui.messages import reply_error, user_errors
from bot.ui.review import b36
from content.model import Deck, Term

log = logging.getLogger(__name__)

PAIRS = 5
PENALTY = timedelta(seconds=5)


def pick_pairs(deck: Deck, pool: tuple[Term, ...], rng: random.Random, count: int = PAIRS) -> list[Term]:
    """`count` terms whose definitions cannot be confused: no near-synonyms, no shared definitions."""
    chosen: list[Term] = []
    for term in rng.sample(pool, len(pool)):
        if all(not deck.same_group(term, c) and term.definition != c.definition for c in chosen):
            chosen.append(term)
            if len(chosen) == count:
                break
    return chosen


@dataclass(frozen=True, slots=True)
class MatchResult:
    """A finished game as stored, with what its result screen shows."""

    elapsed_ms: int
    previous_best: MatchTime | None
    board: list[MatchTime] | None


@dataclass
class MatchGame:
    """One member's board. `slots[d]` is the index (in `terms`) of the term defined in slot d.

    A pick is tried on a copy (`after`) that replaces the game only once the member has the new
    board, so a failed reply undoes it. `result` is set once the finished game is stored.
    """

    owner: int
    key: str
    guild_id: int | None
    terms: list[Term]
    slots: list[int]
    started_at: datetime
    matched: set[int] = field(default_factory=set)
    selected: tuple[str, int] | None = None
    penalties: int = 0
    result: MatchResult | None = None

    def after(self, side: str, index: int) -> tuple[MatchGame, str]:
        """The game as it would be after this pick (this one unchanged), and the pick's outcome."""
        trial = replace(self, matched=set(self.matched))
        return trial, trial.pick(side, index)

    @property
    def matched_slots(self) -> set[int]:
        return {slot for slot, term_index in enumerate(self.slots) if term_index in self.matched}

    @property
    def done(self) -> bool:
        return len(self.matched) == len(self.terms)

    def pick(self, side: str, index: int) -> str:
        """Select a term or definition; the second pick from the other side makes a pair.

        Returns "selected", "matched", "wrong" or "taken" (already matched; nothing changes).
        """
        if (side == "t" and index in self.matched) or (side == "d" and index in self.matched_slots):
            return "taken"
        if self.selected is None or self.selected[0] == side:
            self.selected = (side, index)
            return "selected"
        picks = dict([self.selected, (side, index)])
        self.selected = None
        if self.slots[picks["d"]] == picks["t"]:
            self.matched.add(picks["t"])
            return "matched"
        self.penalties += 1
        return "wrong"

    def elapsed_ms(self, now: datetime) -> int:
        """Time since the board was sent, plus the penalties."""
        return int(((now - self.started_at) + PENALTY * self.penalties) / timedelta(milliseconds=1))


NOTES = {
    "selected": "Now pick its partner.",
    "matched": "✅ A match!",
    "wrong": "❌ Not a pair: +5 seconds.",
    "taken": "That one is already matched.",
}


class Match(commands.Cog):
    match = app_commands.Group(name="match", description="Matching game: pair five terms with their definitions")

    def __init__(self, bot) -> None:
        self.bot = bot
        self.repo = StudyRepo(bot.db)
        clock = discord.utils.utcnow
        self.games: Expiring[int, MatchGame] = Expiring(
            SESSION_IDLE, clock
        )  # one per member; abandoned ones expire
        self.last_key: Expiring[int, int] = Expiring(SESSION_IDLE, clock)
        self.finished: Expiring[int, str] = Expiring(SESSION_IDLE, clock)  # member -> key of their last game
        self.locks: KeyedLocks[int] = KeyedLocks()  # a member's clicks are handled one at a time

    def forget_member(self, user_id: int) -> None:
        """Drop everything held in memory about the member (their game in progress too)."""
        for state in (self.games, self.last_key, self.finished):
            state.pop(user_id)

    async def cog_load(self) -> None:
        self.bot.add_dynamic_items(ui.MatchButton)

    async def cog_unload(self) -> None:
        self.bot.remove_dynamic_items(ui.MatchButton)

    @match.command(name="play", description="Match five terms to their definitions as fast as you can.")
    @app_commands.describe(topic="Only terms from this topic")
    async def play(self, interaction: discord.Interaction, topic: str | None = None) -> None:
        deck = await deck_for(interaction)
        async with user_errors(interaction):
            topic_id = resolve_topic(deck, topic)
            terms = pick_pairs(deck, deck.terms_in(topic_id), self.bot.rng)
            if len(terms) < PAIRS:
                raise BadInput(f"That topic has too few different terms for a game of {PAIRS}. Try another one.")
            slots = self.bot.rng.sample(range(PAIRS), PAIRS)
            now = discord.utils.utcnow()
            owner = interaction.user.id
            key = max(int(now.timestamp() * 1000), self.last_key.get(owner, 0) + 1)
            self.last_key[owner] = key
            game = MatchGame(owner, b36(key), interaction.guild_id, terms, slots, now)
            embed, view = self.board(game)
            await interaction.response.send_message(embed=embed, view=view, ephemeral=True)
            self.games[owner] = game  # only once the member has the board

    @play.autocomplete("topic")
    async def topic_autocomplete(self, interaction: discord.Interaction, current: str):
        return topic_choices(await deck_for(interaction), current)

    @match.command(name="best", description="The server's fastest matching games.")
    async def best(self, interaction: discord.Interaction) -> None:
        if interaction.guild is None:
            await reply_error(interaction, "Fastest times are kept per server: run /match best in a server.")
            return
        board = await self.repo.fastest_matches(interaction.guild_id, limit=10)
        mine = await self.repo.personal_best_match(interaction.user.id)
        await interaction.response.send_message(
            embed=ui.best_embed(board, mine, interaction.guild.name), ephemeral=True
        )

    def board(self, game: MatchGame):
        embed = ui.board_embed(
            game.terms, game.slots, game.matched, game.penalties, int(game.started_at.timestamp())
        )
        view = ui.board_view(game.owner, game.key, game.terms, game.matched, game.matched_slots, game.selected)
        return embed, view

    async def on_pick(self, interaction: discord.Interaction, owner: int, key: str, side: str, index: int) -> None:
        async with self.locks.hold(owner):
            game = self.games.get(owner)
            if (game is None or game.key != key) and self.finished.get(owner) == key:
                await reply_error(interaction, ui.FINISHED)  # e.g. a double click on the last pair
                return
            if game is None or game.key != key:
                await interaction.response.edit_message(content=ui.ENDED, embed=None, view=None)
                return
            if game.result is None:
                after, outcome = game.after(side, index)
                if not after.done:
                    embed, view = self.board(after)
                    await interaction.response.edit_message(content=NOTES[outcome], embed=embed, view=view)
                    self.games[owner] = after
                    return
                game = await self.store(after)
            # Stored: the game is over; this click, or the next one if this reply fails, shows it.
            result = game.result
            embed = ui.result_embed(
                elapsed_ms=result.elapsed_ms,
                penalties=game.penalties,
                previous_best=result.previous_best,
                board=result.board,
            )
            await interaction.response.edit_message(content=None, embed=embed, view=None)
            self.games.pop(owner)
            self.finished[owner] = key

    async def store(self, game: MatchGame) -> MatchGame:
        """Store the finished game's time and keep it, with its result, as the member's game."""
        now = discord.utils.utcnow()
        elapsed = game.elapsed_ms(now)
        before = await self.repo.personal_best_match(game.owner)
        await self.repo.record_match_time(game.owner, game.guild_id, elapsed, game.penalties, now)
        board = await self.repo.fastest_matches(game.guild_id, limit=5) if game.guild_id else None
        game.result = MatchResult(elapsed, before, board)
        self.games[game.owner] = game
        return game


async def setup(bot) -> None:
    await bot.add_cog(Match(bot))
