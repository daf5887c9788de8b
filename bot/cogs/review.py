"""/review: private flashcards rated 1-5, scheduled with FSRS.

Sessions live in the buttons, not in memory, so they survive a restart. Which clicks count:

* Only the owner's (the owner's id is in every custom_id).
* Only on a card nobody has reviewed since it was shown: each card's buttons carry the member's
  review-log head at the time it was shown (`ReviewToken.head`); a click is refused when the log
  has a newer review of that card (`StudyRepo.reviewed_since`). Log ids only grow, so this is
  exact even when clicks land in the same millisecond, and it is checked and written under a
  per-member lock, so a double click rates a card once. It holds across restarts: it is all in
  the database.
* A leech (a card forgotten 8 times, `bot.storage.leeches`) forgotten again since the member last
  studied it comes as a "study it again" view (its answer and a note) instead of the bare card;
  "Studied it" rates nothing and moves on, and the card comes back bare to be tested.
* Only in the member's newest session: session ids are start times in ms, made strictly
  increasing per member. The newest id seen is kept in memory; a click from an older session
  ends that session politely. Starting a session also edits the previous session's message to
  say it ended (when its interaction token is still valid). After a restart, or an hour without
  clicks (the memory is bounded: `bot.core.expiring`), the memory is empty: the first session
  clicked becomes current until a newer one is clicked, and the card check above still stops
  any card from being rated twice.

A rating is stored before its reply (the next card) goes out. If that reply fails (a 5xx,
"Unknown interaction" after a stall), the rating is remembered as undelivered, and the member's
retry on the same card shows the next card instead of being refused as stale.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

import discord
from discord import app_commands
from discord.ext import commands

from bot.cogs.common import deck_for, resolve_topic, topic_choices
from bot.cogs.server_fsrs import scheduler_for
from bot.core import srs
from bot.core.errors import BadInput
from bot.core.expiring import SESSION_IDLE, Expiring, KeyedLocks
from bot.core.memo import PerObject
from bot.storage.leeches import LeechRepo
from bot.storage.study import StudyRepo
from bot.ui import review as ui
from bot.ui.messages import reply_error, user_errors
from content.model import Deck

log = logging.getLogger(__name__)

# Learning cards due within this window are shown when nothing else is left (as Anki does).
LEARN_AHEAD = timedelta(minutes=20)
TOKEN_LIFE = timedelta(minutes=15)  # an interaction can edit its message for this long
CATALOGS_KEPT = 32  # decks whose card lists stay built (the built-in one plus recently used servers')


def _ms(at: datetime) -> int:
    return int(at.timestamp() * 1000)


@dataclass(frozen=True)
class Catalog:
    """A deck's review cards in study order, and the short keys their buttons carry."""

    deck: Deck
    cards: dict[str, ui.Card]
    keys: dict[str, str]

    @classmethod
    def of(cls, deck: Deck) -> Catalog:
        cards: dict[str, ui.Card] = {card.id: card for card in deck.study_cards()}
        return cls(deck, cards, {ui.card_key(card_id): card_id for card_id in cards})

    def candidates(self, topic: str | None) -> list[str]:
        return [cid for cid, card in self.cards.items() if topic is None or card.topic == topic]

    def study_order(self, topic: str | None, owner: int) -> list[str]:
        """The candidates in the order new cards come to this member: the topics mixed."""
        cards = [(cid, self.cards[cid].topic) for cid in self.candidates(topic)]
        return srs.mix_topics(cards, srs.new_card_rng(owner))


@dataclass(frozen=True, slots=True)
class Undelivered:
    """A rating stored while its reply (the next card) has not reached the member yet.

    A click on that card's buttons again (same session, card and count) shows the next card
    instead of being refused as stale: the member's retry after a failed reply.
    """

    sid: int
    card_id: str
    reviewed: int
    token: ui.ReviewToken  # the session after the rating
    note: str

    def answers(self, token: ui.ReviewToken, card_id: str) -> bool:
        """True when a click with this token was made on the card this rating is about."""
        return (self.sid, self.card_id, self.reviewed) == (token.sid, card_id, token.reviewed)


class Review(commands.Cog):
    def __init__(self, bot) -> None:
        self.bot = bot
        self.repo = StudyRepo(bot.db)
        self.leeches = LeechRepo(bot.db)
        clock = discord.utils.utcnow
        self.newest: Expiring[int, int] = Expiring(SESSION_IDLE, clock)  # member -> newest session id seen
        # member -> (sid, last interaction drawing it); an interaction's token dies after 15 minutes.
        self.live: Expiring[int, tuple[int, discord.Interaction]] = Expiring(TOKEN_LIFE, clock)
        self.undelivered: Expiring[int, Undelivered] = Expiring(SESSION_IDLE, clock)
        self.locks: KeyedLocks[int] = KeyedLocks()
        self.catalogs: PerObject[Deck, Catalog] = PerObject(Catalog.of, size=CATALOGS_KEPT)

    def forget_member(self, user_id: int) -> None:
        """Drop everything held in memory about the member (their sessions' bookkeeping)."""
        for state in (self.newest, self.live, self.undelivered):
            state.pop(user_id)

    async def catalog_for(self, guild_id: int | None) -> Catalog:
        """The cards of the server's deck (built once per deck; a server's deck changes on /deck use)."""
        return self.catalogs((await self.bot.decks.for_guild(guild_id)).deck)

    async def cog_load(self) -> None:
        self.bot.add_dynamic_items(ui.ReviewButton)

    async def cog_unload(self) -> None:
        self.bot.remove_dynamic_items(ui.ReviewButton)

    # ----------------------------------------------------------------- commands

    @app_commands.command(name="review", description="Study your flashcards: due cards first, then new ones.")
    @app_commands.describe(topic="Only cards from this topic", new="Include new cards (default: yes)")
    async def review(self, interaction: discord.Interaction, topic: str | None = None, new: bool = True) -> None:
        async with user_errors(interaction):
            topic_id = resolve_topic(await deck_for(interaction), topic)
            await self.start(interaction, ui.Scope(include_new=new, topic=topic_id))

    @review.autocomplete("topic")
    async def topic_autocomplete(self, interaction: discord.Interaction, current: str):
        return topic_choices(await deck_for(interaction), current)

    async def start_missed(self, interaction: discord.Interaction, test_id: int) -> None:
        """ "Review the missed ones now" under a /test result: a session over that test's misses."""
        async with user_errors(interaction):
            await self.start(interaction, ui.Scope(include_new=False, test_id=test_id))

    async def start(self, interaction: discord.Interaction, scope: ui.Scope) -> None:
        """Start a session in a new ephemeral message (from /review or "Review the missed ones now")."""
        owner, now = interaction.user.id, discord.utils.utcnow()
        cat = await self.catalog_for(interaction.guild_id)
        if scope.test_id is not None and await self.repo.test_missed(owner, scope.test_id) is None:
            raise BadInput("I can't find that practice test. Take a new one with /test.")
        sid = max(_ms(now), (self.newest.get(owner) or 0) + 1)
        token = ui.ReviewToken(owner, sid, 0, 0, 0, scope.code(cat.deck), "", "s")
        # The head is read before the card is chosen: anything logged later makes the card stale.
        head = await self.repo.review_head(owner)
        card_id, state = await self.next_card(cat, owner, scope, 0, now)
        if card_id is None:
            topic = cat.deck.topic_name(scope.topic) if scope.topic else None
            text = ui.nothing_due_text(await self.what_next(cat, owner, scope, now), topic)
            await interaction.response.send_message(text, ephemeral=True)
            return
        embed, view = await self.front(cat, replace(token, head=head), card_id, state)
        await interaction.response.send_message(embed=embed, view=view, ephemeral=True)
        await self.take_over(owner, sid, interaction)

    async def take_over(self, owner: int, sid: int, interaction: discord.Interaction) -> None:
        """Make `sid` the member's session, telling the previous session's message that it ended."""
        self.newest[owner] = max(sid, self.newest.get(owner) or 0)
        previous = self.live.get(owner)
        self.live[owner] = (sid, interaction)
        if previous is not None and previous[0] != sid and not previous[1].is_expired():
            try:
                await previous[1].edit_original_response(content=ui.ENDED_BY_NEWER, embed=None, view=None)
            except discord.HTTPException:  # token expired (15 min) or message gone: its buttons still refuse
                log.debug("could not mark review session %s of %s as ended", previous[0], owner)

    # ----------------------------------------------------------------- choosing cards

    async def missed_cards(self, cat: Catalog, owner: int, test_id: int) -> list[str]:
        missed = await self.repo.test_missed(owner, test_id) or []
        return list(dict.fromkeys(cid for cid in missed if cid in cat.cards))

    async def next_card(
        self,
        cat: Catalog,
        owner: int,
        scope: ui.Scope,
        reviewed: int,
        now: datetime,
        just_rated: str | None = None,
    ) -> tuple[str | None, srs.CardState | None]:
        """The card to show next and its state (None for a new card); (None, None) when done.

        Learning cards due within `LEARN_AHEAD` fill in when nothing is due, except the card just
        rated: seeing it again at once would only test short-term memory. For that reason the
        card just rated or studied comes after another due card when there is one.
        """
        if scope.test_id is not None:
            # The misses of a test, once each, in test order: the session's counter is the position.
            missed = await self.missed_cards(cat, owner, scope.test_id)
            if reviewed >= len(missed):
                return None, None
            card_id = missed[reviewed]
            return card_id, (await self.repo.get_cards(owner, [card_id])).get(card_id)
        candidates = cat.study_order(scope.topic, owner)
        states = await self.repo.get_cards(owner, candidates)
        new_today = await self.repo.count_new_today(owner, now) if scope.include_new else 0
        options = dict(
            now=now,
            new_today=new_today,
            new_per_day=self.bot.settings.new_cards_per_day,
            include_new=scope.include_new,
            limit=2,
        )
        queue = srs.select_queue(states, candidates, **options)
        if not queue:
            ahead = [cid for cid in candidates if cid != just_rated]
            queue = srs.select_queue(states, ahead, **{**options, "include_new": False}, learn_ahead=LEARN_AHEAD)
        if not queue:
            return None, None
        card_id = next((cid for cid in queue.cards if cid != just_rated), queue.cards[0])
        return card_id, states.get(card_id)

    async def what_next(self, cat: Catalog, owner: int, scope: ui.Scope, now: datetime) -> ui.WhatNext:
        if scope.test_id is not None:
            missed = await self.missed_cards(cat, owner, scope.test_id)
            states = await self.repo.get_cards(owner, missed)
            return ui.WhatNext(next_due=srs.next_due(states, missed, now), missed_scope=True)
        candidates = cat.candidates(scope.topic)
        states = await self.repo.get_cards(owner, candidates)
        waiting = sum(1 for cid in candidates if cid not in states)
        per_day = self.bot.settings.new_cards_per_day
        unlock = None
        if scope.include_new and waiting and per_day:
            if not srs.new_allowance(await self.repo.count_new_today(owner, now), per_day):
                unlock = srs.next_new_cards_at(now)
        return ui.WhatNext(
            next_due=srs.next_due(states, candidates, now),
            new_waiting=waiting,
            new_unlock=unlock,
            new_included=scope.include_new,
        )

    # ----------------------------------------------------------------- drawing

    @staticmethod
    def _scope_note(cat: Catalog, scope: ui.Scope) -> str:
        if scope.test_id is not None:
            return " · cards you missed in your test"
        return f" · {cat.deck.topic_name(scope.topic)}" if scope.topic else ""

    async def front(self, cat: Catalog, token: ui.ReviewToken, card_id: str, state: srs.CardState | None):
        """The card as it is shown first: its question, or for a leech forgotten again since it was
        last studied, its answer to study again."""
        token = replace(token, card=ui.card_key(card_id))
        scope = ui.Scope.parse(token.scope, cat.deck)
        number, note = token.reviewed + 1, self._scope_note(cat, scope)
        card = cat.cards[card_id]
        if state is not None and state.leech and await self.leeches.needs_study(token.owner, card_id):
            embed = ui.study_embed(card, cat.deck, number=number, lapses=state.lapses, scope_note=note)
            return embed, ui.study_view(token)
        embed = ui.front_embed(
            card,
            cat.deck,
            number=number,
            is_new=state is None,
            due=state.due if state else None,
            scope_note=note,
            lapses=state.lapses if state else 0,
        )
        return embed, ui.front_view(token)

    async def show_next(
        self,
        interaction: discord.Interaction,
        cat: Catalog,
        token: ui.ReviewToken,
        note: str | None,
        just_rated: str | None = None,
    ) -> bool:
        """Edit the session's message to its next card (True), or to the summary when nothing is left."""
        now = discord.utils.utcnow()
        scope = ui.Scope.parse(token.scope, cat.deck)
        head = await self.repo.review_head(token.owner)
        card_id, state = await self.next_card(cat, token.owner, scope, token.reviewed, now, just_rated)
        if card_id is None:
            await self.finish(interaction, cat, token, stopped=False, note=note)
            return False
        embed, view = await self.front(cat, replace(token, head=head), card_id, state)
        await interaction.response.edit_message(content=note, embed=embed, view=view)
        return True

    async def finish(
        self, interaction, cat: Catalog, token: ui.ReviewToken, *, stopped: bool, note: str | None = None
    ) -> None:
        scope = ui.Scope.parse(token.scope, cat.deck)
        nxt = await self.what_next(cat, token.owner, scope, discord.utils.utcnow())
        embed = ui.summary_embed(token, nxt, stopped=stopped)
        await interaction.response.edit_message(content=note, embed=embed, view=None)
        if (self.live.get(token.owner) or (None,))[0] == token.sid:
            self.live.pop(token.owner)

    # ----------------------------------------------------------------- clicks

    async def on_button(self, interaction: discord.Interaction, token: ui.ReviewToken) -> None:
        owner = token.owner
        if interaction.user.id != owner:
            await reply_error(interaction, ui.NOT_YOURS)
            return
        if token.sid < (self.newest.get(owner) or 0):
            await interaction.response.edit_message(content=ui.ENDED_BY_NEWER, embed=None, view=None)
            return
        cat = await self.catalog_for(interaction.guild_id)
        if token.action == "x":
            await self.finish(interaction, cat, token, stopped=True)
            self._claim(owner, token.sid, None)
            return
        card_id = cat.keys.get(token.card)
        if card_id is None:  # the deck changed since the card was shown: move on
            note = "That card is no longer in the deck, so here is the next one."
            going_on = await self.show_next(interaction, cat, token, note)
            self._claim(owner, token.sid, interaction if going_on else None)
            return
        # One click of the member at a time, from the check to the reply: a double click rates once
        # and its second click finds the card rated and shown.
        async with self.locks.hold(owner):
            if await self.repo.reviewed_since(owner, card_id, token.head):
                rated = self.undelivered.get(owner)
                if rated is None or not rated.answers(token, card_id):
                    await reply_error(interaction, ui.STALE_CARD)
                    return
                # The rating was stored but its reply failed: this retry shows the next card.
            elif token.action == "s":
                embed = ui.back_embed(
                    cat.cards[card_id],
                    cat.deck,
                    number=token.reviewed + 1,
                    scope_note=self._scope_note(cat, ui.Scope.parse(token.scope, cat.deck)),
                )
                await interaction.response.edit_message(content=None, embed=embed, view=ui.back_view(token))
                self._claim(owner, token.sid, interaction)
                return
            elif token.action == "l":
                # Nothing is rated: the member read the answer, which is no test of their memory.
                await self.leeches.mark_studied(owner, card_id)
                going_on = await self.show_next(interaction, cat, token, ui.STUDIED_NOTE, just_rated=card_id)
                self._claim(owner, token.sid, interaction if going_on else None)
                return
            else:
                rating, now = int(token.action), discord.utils.utcnow()
                scheduler = await scheduler_for(self.bot, interaction.guild_id)
                outcome = await self.repo.record_review(
                    owner, card_id, rating, "review", interaction.guild_id, now, scheduler=scheduler
                )
                after = replace(token, reviewed=token.reviewed + 1, rating_sum=token.rating_sum + rating)
                rated = Undelivered(
                    token.sid, card_id, token.reviewed, after, ui.rated_line(rating, outcome.state.due)
                )
                self.undelivered[owner] = rated
            # Stored; the member sees it once the next card is shown (a retry of a failed reply lands here too).
            going_on = await self.show_next(interaction, cat, rated.token, rated.note, just_rated=card_id)
            self.undelivered.pop(owner)
            self._claim(owner, token.sid, interaction if going_on else None)

    def _claim(self, owner: int, sid: int, interaction: discord.Interaction | None) -> None:
        """A click whose reply reached the member: its session is their current one, and its
        message (when the session goes on) is the one to mark as ended by a newer session."""
        self.newest[owner] = max(sid, self.newest.get(owner) or 0)
        if interaction is not None:
            self.live[owner] = (sid, interaction)


async def setup(bot) -> None:
    await bot.add_cog(Review(bot))
