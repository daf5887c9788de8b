"""How a /review session looks: card fronts and backs, the 1-5 rating buttons, summaries.

Every button carries its whole session in its custom_id (see `ReviewToken`), so a click still
works after the bot restarts; the Review cog decides what a click means.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, replace
from datetime import datetime

import discord

from bot.core import srs
from bot.ui.limits import Panel
from bot.ui.messages import clip, component_errors
from bot.ui.times import moment, relative
from content.model import Deck, ListQuestion, OpenQuestion, Term

Card = Term | OpenQuestion | ListQuestion

REVIEW_COLOUR = discord.Colour.from_rgb(46, 134, 171)
BACK_COLOUR = discord.Colour.from_rgb(87, 160, 92)
DONE_COLOUR = discord.Colour.gold()
LEECH_COLOUR = discord.Colour.orange()
# How each 1-5 button reads: the scheduling rating it maps to (from `srs.map_rating`, so the
# buttons follow the mapping) and how well the member knew the card (`srs.RATING_FEELINGS`).
RATING_FEELINGS = srs.RATING_FEELINGS
#: The card's question, in the source cards' wording; the buttons below it say the scale.
RATING_QUESTION = "How well did you know this?"
RATING_HELP = "Forgot it: it comes back soon. Got it: it waits longer, and longest when it was instant."


def rating_name(rating: int) -> str:
    """The scheduling rating a 1-5 answer stands for: Again, Hard, Good or Easy."""
    return srs.map_rating(rating).name


def rating_label(rating: int) -> str:
    """A rating button's label, e.g. "1 Again · forgot"."""
    return f"{rating} {rating_name(rating)} · {RATING_FEELINGS[rating]}"


_RATING_STYLES = {
    1: discord.ButtonStyle.danger,
    2: discord.ButtonStyle.secondary,
    3: discord.ButtonStyle.secondary,
    4: discord.ButtonStyle.primary,
    5: discord.ButtonStyle.success,
}
_CUSTOM_ID_MAX = 100
_B36 = "0123456789abcdefghijklmnopqrstuvwxyz"


def b36(number: int) -> str:
    """A non-negative integer in base 36 (custom_ids are limited to 100 characters)."""
    if number < 0:
        raise ValueError("negative")
    digits = ""
    while True:
        number, rest = divmod(number, 36)
        digits = _B36[rest] + digits
        if not number:
            return digits


# ----------------------------------------------------------------------------- session state


@dataclass(frozen=True, slots=True)
class Scope:
    """Which cards a session draws: a topic (None = all) with or without new cards, or a test's misses."""

    include_new: bool = True
    topic: str | None = None
    test_id: int | None = None

    def code(self, deck: Deck) -> str:
        """`n`/`d` (new cards or due only) + the topic's position in the deck, or `t` + a test id."""
        if self.test_id is not None:
            return "t" + b36(self.test_id)
        where = next((str(i) for i, t in enumerate(deck.topics) if t.id == self.topic), "")
        return ("n" if self.include_new else "d") + where

    @classmethod
    def parse(cls, code: str, deck: Deck) -> Scope:
        if code.startswith("t"):
            return cls(include_new=False, test_id=int(code[1:], 36))
        index = int(code[1:]) if code[1:] else None
        # A deck with fewer topics than when the button was made: fall back to every topic.
        topic = deck.topics[index].id if index is not None and index < len(deck.topics) else None
        return cls(include_new=code[0] == "n", topic=topic)


@dataclass(frozen=True, slots=True)
class ReviewToken:
    """What one review button knows: whose session, which card, and how the session stands.

    `sid` orders a member's sessions (start time in ms, made unique per member); `reviewed` and
    `rating_sum` are the session's counters for the summary; `head` is the member's review-log
    head when the card was shown, so a click on a card reviewed since then is recognised as stale.
    """

    owner: int
    sid: int
    reviewed: int
    rating_sum: int
    head: int
    scope: str
    card: str  # a card key: the card id, or "#" + a digest when the id is too long (see card_key)
    action: str  # "s" show answer, "1".."5" rate, "x" stop, "l" a leech studied again

    @property
    def custom_id(self) -> str:
        return (
            f"rv:{self.owner}:{b36(self.sid)}:{self.reviewed}:{self.rating_sum}:{b36(self.head)}:"
            f"{self.scope}:{self.card}:{self.action}"
        )

    def with_action(self, action: str) -> ReviewToken:
        return replace(self, action=action)

    @property
    def average(self) -> float | None:
        return self.rating_sum / self.reviewed if self.reviewed else None


TEMPLATE = (
    r"rv:(?P<owner>\d{1,20}):(?P<sid>[0-9a-z]{1,12}):(?P<n>\d{1,5}):(?P<sum>\d{1,6}):(?P<head>[0-9a-z]{1,13}):"
    r"(?P<scope>[nd]\d{0,3}|t[0-9a-z]{1,13}):(?P<card>#[0-9a-f]{10}|[a-z0-9-]{1,90}):(?P<action>[s1-5xl])"
)


def card_key(card_id: str) -> str:
    """The card's id, or "#" + a 40-bit digest when the id would make custom_ids too long."""
    if len(card_id) <= 40:
        return card_id
    return "#" + hashlib.blake2s(card_id.encode(), digest_size=5).hexdigest()


class ReviewButton(discord.ui.DynamicItem[discord.ui.Button], template=TEMPLATE):
    """A review button; its state is in the custom_id, so clicks work after a restart."""

    def __init__(self, token: ReviewToken, label: str, style: discord.ButtonStyle, row: int | None = None):
        self.token = token
        custom_id = token.custom_id
        if len(custom_id) > _CUSTOM_ID_MAX:
            raise ValueError(f"review custom_id too long ({len(custom_id)} characters)")
        super().__init__(discord.ui.Button(label=label, style=style, custom_id=custom_id, row=row))

    @classmethod
    async def from_custom_id(cls, interaction, item, match):
        token = ReviewToken(
            owner=int(match["owner"]),
            sid=int(match["sid"], 36),
            reviewed=int(match["n"]),
            rating_sum=int(match["sum"]),
            head=int(match["head"], 36),
            scope=match["scope"],
            card=match["card"],
            action=match["action"],
        )
        return cls(token, item.label or token.action, item.style)

    async def callback(self, interaction: discord.Interaction) -> None:
        async with component_errors(interaction, f"review button {self.token.action}"):
            await interaction.client.get_cog("Review").on_button(interaction, self.token)


def front_view(token: ReviewToken) -> discord.ui.View:
    view = discord.ui.View(timeout=None)
    view.add_item(ReviewButton(token.with_action("s"), "Show answer", discord.ButtonStyle.primary))
    view.add_item(ReviewButton(token.with_action("x"), "Stop", discord.ButtonStyle.secondary))
    return view


def study_view(token: ReviewToken) -> discord.ui.View:
    """Under a leech shown to study again: "Studied it" moves on (nothing is rated)."""
    view = discord.ui.View(timeout=None)
    view.add_item(ReviewButton(token.with_action("l"), STUDIED_LABEL, discord.ButtonStyle.primary))
    view.add_item(ReviewButton(token.with_action("x"), "Stop", discord.ButtonStyle.secondary))
    return view


def back_view(token: ReviewToken) -> discord.ui.View:
    view = discord.ui.View(timeout=None)
    for rating, style in _RATING_STYLES.items():
        view.add_item(ReviewButton(token.with_action(str(rating)), rating_label(rating), style, row=0))
    view.add_item(ReviewButton(token.with_action("x"), "Stop", discord.ButtonStyle.secondary, row=1))
    return view


# ----------------------------------------------------------------------------- card faces


def card_title(card: Card) -> str:
    """The front of a card: the term's name, or the question's prompt."""
    return card.name if isinstance(card, Term) else card.prompt


def _kind(card: Card) -> str:
    if isinstance(card, OpenQuestion):
        return "performance indicator"
    if isinstance(card, ListQuestion):
        return "list question"
    return "term"


def _hint(card: Card) -> str:
    if isinstance(card, OpenQuestion):
        return "Answer it in your own words, then click **Show answer**."
    if isinstance(card, ListQuestion):
        return "Name the items to yourself, then click **Show answer**."
    return "What does it mean? Say it to yourself, then click **Show answer**."


def front_embed(
    card: Card,
    deck: Deck,
    *,
    number: int,
    is_new: bool,
    due: datetime | None,
    scope_note: str = "",
    lapses: int = 0,
) -> discord.Embed:
    """The question side of a card: new or due since when, what to do, and its topic (and, for a
    leech, that it keeps being forgotten)."""
    if is_new or due is None:
        status = f"🆕 New {_kind(card)}"
    else:
        status = f"🔁 {_kind(card).capitalize()} to review · due {relative(due)}"
    if srs.is_leech(lapses):
        status += f"\n{leech_line(lapses)}"
    embed = Panel(
        title=clip(card_title(card), 256), description=f"{status}\n\n{_hint(card)}", colour=REVIEW_COLOUR
    )
    embed.add_field(name="Topic", value=clip(deck.topic_name(card.topic), 1024), inline=True)
    embed.set_footer(text=clip(f"Card {number} of this session{scope_note}", 2048))
    return embed


def back_embed(card: Card, deck: Deck, *, number: int, scope_note: str = "") -> discord.Embed:
    """The answer side: definition and example, model answer and key points, or the list's items."""
    embed = Panel(title=clip(card_title(card), 256), colour=BACK_COLOUR)
    _answer(embed, card, deck)
    embed.add_field(name=RATING_QUESTION, value=RATING_HELP, inline=False)
    embed.set_footer(text=clip(f"Card {number} of this session{scope_note}", 2048))
    return embed


def leech_line(lapses: int) -> str:
    """What a leech's card says about it."""
    return f"🩹 Leech: you have forgotten this card {lapses} times."


def study_embed(card: Card, deck: Deck, *, number: int, lapses: int, scope_note: str = "") -> discord.Embed:
    """A leech forgotten again, shown with its answer to study instead of the bare card."""
    embed = Panel(title=clip(f"📖 Study it again: {card_title(card)}", 256), colour=LEECH_COLOUR)
    _answer(embed, card, deck)
    embed.description = clip(f"{leech_line(lapses)} {STUDY_NOTE}\n\n{embed.description}", 4096)
    embed.set_footer(text=clip(f"Card {number} of this session{scope_note}", 2048))
    return embed


def _answer(embed: discord.Embed, card: Card, deck: Deck) -> None:
    """The answer of a card into `embed`: its description and fields, then the topic."""
    if isinstance(card, Term):
        embed.description = clip(card.definition, 4096)
        if card.example:
            embed.add_field(name="Example", value=clip(f"*{card.example}*", 1024), inline=False)
        if card.aliases:
            embed.add_field(name="Also called", value=clip(", ".join(card.aliases), 1024), inline=False)
    elif isinstance(card, OpenQuestion):
        embed.description = clip(card.model_answer, 4096)
        if card.key_points:
            points = "\n".join(f"• {p}" for p in card.key_points)
            embed.add_field(name="Key points", value=clip(points, 1024), inline=False)
    else:
        embed.description = clip("\n".join(f"{i}. {item}" for i, item in enumerate(card.items, 1)), 4096)
        if card.note:
            embed.add_field(name="Note", value=clip(card.note, 1024), inline=False)
    embed.add_field(name="Topic", value=clip(deck.topic_name(card.topic), 1024), inline=True)


def rated_line(rating: int, due: datetime) -> str:
    """The note above the next card: what the last rating did."""
    return f"Rated **{rating}** ({rating_name(rating)}) · that card comes back {relative(due)}."


# ----------------------------------------------------------------------------- when it stops


@dataclass(frozen=True, slots=True)
class WhatNext:
    """When there is more to study: the next due card, and new cards waiting or unlocking."""

    next_due: datetime | None = None
    new_waiting: int = 0  # unstudied cards in the scope
    new_unlock: datetime | None = None  # set when today's new-card allowance is used up
    new_included: bool = True
    missed_scope: bool = False


def what_next_text(nxt: WhatNext) -> str:
    lines = []
    if nxt.next_due is not None:
        lines.append(f"⏰ Next card due {moment(nxt.next_due)}.")
    # A review of a test's misses has no new cards: only the due time matters there.
    if nxt.new_waiting and not nxt.missed_scope:
        if not nxt.new_included:
            lines.append(
                f"🆕 {nxt.new_waiting} new cards are waiting: run /review with `new: True` to start them."
            )
        elif nxt.new_unlock is not None:
            lines.append(f"🆕 You've started today's new cards; more unlock {relative(nxt.new_unlock)}.")
    if not lines:
        lines.append("You have studied every card here. Try another topic, or /test yourself.")
    return "\n".join(lines)


def nothing_due_text(nxt: WhatNext, topic_name: str | None) -> str:
    where = f" in **{topic_name}**" if topic_name else ""
    return f"🎉 Nothing is due{where} right now.\n{what_next_text(nxt)}"


def summary_embed(token: ReviewToken, nxt: WhatNext, *, stopped: bool) -> discord.Embed:
    """The end of a session: how many cards, the average rating, and when to come back."""
    title = "⏹️ Review stopped" if stopped else "🎉 All done for now"
    embed = Panel(title=title, colour=DONE_COLOUR)
    embed.add_field(
        name="Reviewed", value=f"{token.reviewed} card{'s' if token.reviewed != 1 else ''}", inline=True
    )
    average = token.average
    embed.add_field(name="Average rating", value="–" if average is None else f"{average:.1f} / 5", inline=True)
    embed.add_field(name="What's next", value=clip(what_next_text(nxt), 1024), inline=False)
    embed.set_footer(text="Your ratings are saved. /progress shows how far you've come.")
    return embed


ENDED_BY_NEWER = (
    "⏹️ This review session ended because you started a newer one. Your ratings so far are saved; "
    "carry on in your latest /review."
)
NOT_YOURS = "This card belongs to someone else: run /review yourself."
STUDIED_LABEL = "📖 Studied it"
STUDY_NOTE = (
    "Study it again now: read the answer and the example, and say them in your own words. "
    "It comes back soon without the answer, to test you."
)
STUDIED_NOTE = "📖 Studied. That card comes back soon without its answer."
STALE_CARD = (
    "That card was already answered, so nothing changed. Use the buttons on the card showing now, "
    "or run /review to pick up where you left off."
)
