"""How server decks look: the import report, /deck list and the remove confirmation."""

from __future__ import annotations

from collections.abc import Sequence

import discord

from bot.decks import BUILTIN_SUFFIX, clash_note
from bot.storage.decks import DeckInfo
from bot.ui.limits import Panel
from bot.ui.messages import clip, reply_error, safe
from bot.ui.times import relative
from content.importer import Problem

DECK_COLOUR = discord.Colour.from_rgb(46, 134, 171)
PROBLEMS_SHOWN = 10


def problems_text(filename: str, problems: Sequence[Problem]) -> str:
    lines = [f"**{safe(filename)}** was not imported; nothing was stored. Fix these and try again:"]
    lines += [f"• {safe(str(p), 180)}" for p in problems[:PROBLEMS_SHOWN]]
    if len(problems) > PROBLEMS_SHOWN:
        lines.append(f"…and {len(problems) - PROBLEMS_SHOWN} more.")
    lines.append(
        "Accepted: CSV with a header `term,definition` (optional `aliases,topic,example`), or one "
        "`term<TAB>definition` per line (Quizlet and Anki text exports). UTF-8, up to 2,000 terms and 1 MB."
    )
    return clip("\n".join(lines), 2000)


def imported_text(info: DeckInfo, topics: int, clashes: Sequence[str] = ()) -> str:
    spread = f" in {topics} topics" if topics > 1 else ""
    text = (
        f"✅ Imported **{safe(info.name)}**: {info.term_count} terms{spread}.\n"
        f"It is not in use yet: `/deck use name:{safe(info.name)}` adds it to this server's quizzes, daily terms, "
        "/define and reviews."
    )
    if clashes:
        text += "\nℹ️ " + clash_note(clashes, show=lambda n: f"**{safe(n, 40)}**")
    return clip(text, 2000)


def deck_list_embed(decks: Sequence[DeckInfo], builtin_name: str, builtin_terms: int, builtin_on: bool):
    lines = [f"{'✅' if builtin_on else '▫️'} **{builtin_name}**{BUILTIN_SUFFIX} · {builtin_terms} terms"]
    for deck in decks:
        when = relative(deck.created_at)
        by = f" by <@{deck.created_by}>" if deck.created_by else ""  # 0: the command line, or a forgotten member
        lines.append(
            f"{'✅' if deck.in_use else '▫️'} **{safe(deck.name)}** · {deck.term_count} terms · imported {when}{by}"
        )
    if not decks:
        lines.append("\nNo imported decks yet. A teacher can add one with `/deck import`.")
    embed = Panel(title="Decks on this server", description=clip("\n".join(lines), 4096), colour=DECK_COLOUR)
    embed.set_footer(text="✅ in use by quizzes, daily terms, /define and reviews · /deck use to change")
    return embed


def selection_text(builtin_on: bool, builtin_name: str, in_use: Sequence[DeckInfo]) -> str:
    names = ([f"**{builtin_name}**{BUILTIN_SUFFIX}"] if builtin_on else []) + [
        f"**{safe(d.name)}**" for d in in_use
    ]
    return "📚 This server now studies: " + ", ".join(names) + "."


class RemoveDeckButton(
    discord.ui.DynamicItem[discord.ui.Button],
    template=r"deckrm:(?P<owner>\d{1,20}):(?P<deck>\d{1,18}):(?P<ok>[yn])",
):
    """Confirm or cancel a /deck remove. Only the teacher who asked may answer; it survives restarts."""

    def __init__(self, owner: int, deck_id: int, confirm: bool) -> None:
        self.owner, self.deck_id, self.confirm = owner, deck_id, confirm
        super().__init__(
            discord.ui.Button(
                label="Remove it" if confirm else "Keep it",
                style=discord.ButtonStyle.danger if confirm else discord.ButtonStyle.secondary,
                custom_id=f"deckrm:{owner}:{deck_id}:{'y' if confirm else 'n'}",
            )
        )

    @classmethod
    async def from_custom_id(cls, interaction, item, match):
        return cls(int(match["owner"]), int(match["deck"]), match["ok"] == "y")

    async def callback(self, interaction: discord.Interaction) -> None:
        if interaction.user.id != self.owner:
            await reply_error(interaction, "Only the teacher who asked can confirm this.")
            return
        await interaction.client.get_cog("Decks").on_remove_answer(interaction, self.deck_id, self.confirm)


def remove_confirm(owner: int, info: DeckInfo) -> tuple[str, discord.ui.View]:
    view = discord.ui.View(timeout=None)
    view.add_item(RemoveDeckButton(owner, info.id, True))
    view.add_item(RemoveDeckButton(owner, info.id, False))
    text = (
        f"Remove **{safe(info.name)}** ({info.term_count} terms) from this server? Quizzes, daily terms and "
        f"reviews stop using it. {CARDS_AFTER_REMOVE} This cannot be undone."
    )
    return text, view


# Term ids carry the deck's id, which is never given to another deck (migration 0006).
CARDS_AFTER_REMOVE = (
    "Members' flashcards and answers for its terms stay in their own history (and in `/privacy export`) "
    "but never come back in reviews, and never attach to another deck's terms, even ones with the same "
    "names: importing the file again starts new cards."
)


def removed_text(info: DeckInfo, note: str = "") -> str:
    return f"🗑️ Removed **{safe(info.name)}** ({info.term_count} terms).{note}\n{CARDS_AFTER_REMOVE}"
