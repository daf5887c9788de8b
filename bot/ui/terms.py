"""How a term looks: the /define card and the "did you mean" list."""

from __future__ import annotations

from collections.abc import Sequence

import discord

from bot.ui.limits import Panel
from bot.ui.messages import clip, safe
from content.model import Deck, Term

TERM_COLOUR = discord.Colour.from_rgb(46, 134, 171)


def term_embed(term: Term, deck: Deck, *, title_prefix: str = "") -> discord.Embed:
    """The term card: definition, example, topic, other names and related terms, within embed limits."""
    embed = Panel(
        title=clip(f"{title_prefix}{term.name}", 256),
        description=clip(term.definition, 4096),
        colour=TERM_COLOUR,
    )
    if term.example:
        embed.add_field(name="Example", value=clip(f"*{term.example}*", 1024), inline=False)
    if term.aliases:
        embed.add_field(name="Also called", value=clip(", ".join(term.aliases), 1024), inline=True)
    embed.add_field(name="Topic", value=clip(deck.topic_name(term.topic), 1024), inline=True)
    related = [r.name for r in (deck.get(rid) for rid in term.related) if r is not None]
    if related:
        embed.add_field(name="Related", value=clip(" · ".join(related), 1024), inline=False)
    embed.set_footer(text=f"{deck.name} deck · /define to look up another term")
    return embed


def corrected_text(query: str, term: Term) -> str:
    """The line above a card found by forgiving a typo, so the member sees the right spelling."""
    return f"🔎 Showing results for **{safe(term.name, 100)}** (you typed *{safe(query, 60)}*)"


def did_you_mean_text(query: str, suggestions: Sequence[Term]) -> str:
    """The private reply when nothing matches; the suggestions themselves are its buttons."""
    shown = safe(query, 60) or "that"
    if not suggestions:
        return (
            f"I couldn't find a term matching **{shown}**. Try a shorter word, an acronym such as CRM, "
            "or pick from the suggestions while you type."
        )
    return f"I couldn't find **{shown}**. Did you mean one of these?"


class ShowTermButton(discord.ui.DynamicItem[discord.ui.Button], template=r"define:(?P<term>[a-z0-9-]{1,90})"):
    """A suggestion button: it shows the term's card in the channel, as a /define with the right name
    does. It works after a restart because its state is in the custom_id."""

    def __init__(self, term: Term) -> None:
        self.term_id = term.id
        super().__init__(
            discord.ui.Button(
                label=clip(term.name, 80),
                style=discord.ButtonStyle.secondary,
                custom_id=f"define:{term.id}",
            )
        )

    @classmethod
    async def from_custom_id(cls, interaction, item, match):
        deck = (await interaction.client.decks.for_guild(interaction.guild_id)).deck
        term = deck.get(match["term"])
        if term is None:  # the deck changed since the button was made
            self = cls.__new__(cls)
            discord.ui.DynamicItem.__init__(self, item)
            self.term_id = match["term"]
            return self
        return cls(term)

    async def callback(self, interaction: discord.Interaction) -> None:
        deck = (await interaction.client.decks.for_guild(interaction.guild_id)).deck
        term = deck.get(self.term_id)
        if term is None:
            await interaction.response.edit_message(content="That term is no longer in the deck.", view=None)
            return
        # A new public message, not an edit of the private suggestions: picking a suggestion is
        # looking the term up by its right name. If this reply fails, the buttons are still there.
        await interaction.response.send_message(embed=term_embed(term, deck))


def suggestions_view(suggestions: Sequence[Term]) -> discord.ui.View | None:
    if not suggestions:
        return None
    view = discord.ui.View(timeout=None)
    for term in suggestions[:5]:
        view.add_item(ShowTermButton(term))
    return view
