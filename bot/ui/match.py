"""How the matching game (/match) looks: the board of terms and definitions, the result, the fastest times."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

import discord

from bot.core.questions import mask_name
from bot.storage.study import MatchTime
from bot.ui.limits import Panel
from bot.ui.messages import clip, component_errors, reply_error
from bot.ui.times import relative
from content.model import Term

MATCH_COLOUR = discord.Colour.from_rgb(155, 89, 182)
MEDALS = ("🥇", "🥈", "🥉")

NOT_YOURS = "This game belongs to someone else: run /match play yourself."
ENDED = (
    "⏹️ This game has ended: you started a newer one, left it for over an hour, or the bot restarted. "
    "Start a new one with /match play."
)
FINISHED = "That game is already finished: your time is on the message above. Play again with /match play."
HOW_TO = "Pick a term, then its definition (or the other way round). A wrong pair adds 5 seconds."


def seconds_text(elapsed_ms: int) -> str:
    return f"{elapsed_ms / 1000:.1f} s"


class MatchButton(
    discord.ui.DynamicItem[discord.ui.Button],
    template=r"mt:(?P<owner>\d{1,20}):(?P<key>[0-9a-z]{1,12}):(?P<side>[td])(?P<index>[0-4])",
):
    """A term (side t) or definition (side d) button of one member's game."""

    def __init__(self, owner: int, key: str, side: str, index: int, label: str, style, *, disabled=False):
        self.owner, self.key, self.side, self.index = owner, key, side, index
        super().__init__(
            discord.ui.Button(
                label=clip(label, 80),
                style=style,
                disabled=disabled,
                row=0 if side == "t" else 1,
                custom_id=f"mt:{owner}:{key}:{side}{index}",
            )
        )

    @classmethod
    async def from_custom_id(cls, interaction, item, match):
        return cls(
            int(match["owner"]), match["key"], match["side"], int(match["index"]), item.label or "?", item.style
        )

    async def callback(self, interaction: discord.Interaction) -> None:
        if interaction.user.id != self.owner:
            await reply_error(interaction, NOT_YOURS)
            return
        async with component_errors(interaction, "match button"):
            await interaction.client.get_cog("Match").on_pick(
                interaction, self.owner, self.key, self.side, self.index
            )


def board_embed(
    terms: Sequence[Term], slots: Sequence[int], matched: set[int], penalties: int, started_ts: int
) -> discord.Embed:
    """The five definitions, numbered; matched ones show their term."""
    lines = []
    for slot, term_index in enumerate(slots):
        term = terms[term_index]
        text = clip(mask_name(term.definition, term), 600)
        if term_index in matched:
            lines.append(f"✅ **{slot + 1}. {term.name}**: ~~{text}~~")
        else:
            lines.append(f"**{slot + 1}.** {text}")
    embed = Panel(
        title="🧩 Match each term to its definition",
        description=clip("\n\n".join(lines), 4096),
        colour=MATCH_COLOUR,
    )
    embed.add_field(name="Matched", value=f"{len(matched)}/{len(terms)}", inline=True)
    embed.add_field(
        name="Penalties", value=f"{penalties} (+{penalties * 5} s)" if penalties else "none yet", inline=True
    )
    embed.add_field(name="Started", value=relative(datetime.fromtimestamp(started_ts, UTC)), inline=True)
    embed.set_footer(text=HOW_TO)
    return embed


def board_view(
    owner: int, key: str, terms: Sequence[Term], matched: set[int], matched_slots: set[int], selected
) -> discord.ui.View:
    """Row 1: the terms; row 2: the definition numbers. Matched buttons turn green and stop working."""
    view = discord.ui.View(timeout=None)
    for i, term in enumerate(terms):
        view.add_item(MatchButton(owner, key, "t", i, term.name, _style(i in matched, selected == ("t", i)),
                                  disabled=i in matched))  # fmt: skip
    for slot in range(len(terms)):
        done = slot in matched_slots
        view.add_item(MatchButton(owner, key, "d", slot, f"Definition {slot + 1}",
                                  _style(done, selected == ("d", slot)), disabled=done))  # fmt: skip
    return view


def _style(done: bool, selected: bool) -> discord.ButtonStyle:
    if done:
        return discord.ButtonStyle.success
    return discord.ButtonStyle.primary if selected else discord.ButtonStyle.secondary


def _board_lines(board: Sequence[MatchTime], limit: int = 10) -> str:
    lines = []
    for i, row in enumerate(board[:limit]):
        badge = MEDALS[i] if i < 3 else f"{i + 1}."
        penalties = f" ({row.penalties} penalt{'y' if row.penalties == 1 else 'ies'})" if row.penalties else ""
        lines.append(f"{badge} <@{row.user_id}> · {seconds_text(row.elapsed_ms)}{penalties}")
    return "\n".join(lines)


def result_embed(
    *,
    elapsed_ms: int,
    penalties: int,
    previous_best: MatchTime | None,
    board: Sequence[MatchTime] | None,
) -> discord.Embed:
    """The finished game: time with penalties, the member's best and the server's fastest times."""
    extra = (
        f" (including {penalties} wrong pair{'s' if penalties != 1 else ''}: +{penalties * 5} s)"
        if penalties
        else ""
    )
    embed = Panel(
        title="🏁 All five matched!",
        description=f"Your time: **{seconds_text(elapsed_ms)}**{extra}",
        colour=discord.Colour.gold(),
    )
    if previous_best is None:
        best = f"🎉 Your first finished game: {seconds_text(elapsed_ms)} is the time to beat."
    elif elapsed_ms < previous_best.elapsed_ms:
        best = f"🎉 New personal best! Your previous best was {seconds_text(previous_best.elapsed_ms)}."
    else:
        best = f"{seconds_text(previous_best.elapsed_ms)} (still standing)"
    embed.add_field(name="Personal best", value=best, inline=False)
    if board is not None:
        embed.add_field(
            name="Server's fastest", value=clip(_board_lines(board, 5), 1024) or "No games yet.", inline=False
        )
    embed.set_footer(text="Play again with /match play · all times with /match best")
    return embed


def best_embed(board: Sequence[MatchTime], mine: MatchTime | None, guild_name: str) -> discord.Embed:
    """/match best: each member's fastest game in this server, fastest first."""
    embed = Panel(title=clip(f"⏱️ Fastest matchers · {guild_name}", 256), colour=discord.Colour.gold())
    embed.description = _board_lines(board) or "Nobody has finished a game here yet. Be the first: /match play!"
    embed.add_field(
        name="Your best (any server)",
        value=seconds_text(mine.elapsed_ms) if mine else "You haven't finished a game yet.",
        inline=False,
    )
    return embed
