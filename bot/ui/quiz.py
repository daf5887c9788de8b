"""How a channel quiz looks: question cards, answer buttons, the typed-answer modal, reveals, podium."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import discord

from bot.core.questions import Kind, Question
from bot.core.quiz import MAX_POINTS, MIN_POINTS, Player, Reveal
from bot.ui.limits import Panel
from bot.ui.messages import clip, component_errors
from content.model import Deck

QUIZ_COLOUR = discord.Colour.from_rgb(88, 101, 242)
CLOSED_COLOUR = discord.Colour.dark_grey()
MEDALS = ("🥇", "🥈", "🥉")
KIND_TITLES = {
    Kind.DEFINITION: "Pick the definition",
    Kind.TERM: "Pick the term",
    Kind.TRUE_FALSE: "True or false",
    Kind.TYPED: "Type the term",
}


def mention(user_id: int) -> str:
    return f"<@{user_id}>"


def add_option_fields(embed: discord.Embed, question: Question) -> None:
    """One field per option (A-D) for the multiple-choice kinds; nothing for the others."""
    if question.kind in (Kind.DEFINITION, Kind.TERM):
        for key, text in zip(question.choice_keys, question.options, strict=True):
            embed.add_field(name=key, value=clip(text, 1024), inline=False)


def question_embed(
    question: Question, number: int, total: int, deadline: datetime, answered: int
) -> discord.Embed:
    embed = Panel(
        title=f"Question {number}/{total} · {KIND_TITLES[question.kind]}",
        description=clip(question.prompt, 4096),
        colour=QUIZ_COLOUR,
    )
    add_option_fields(embed, question)
    ts = int(deadline.timestamp())
    embed.add_field(name="Closes", value=f"<t:{ts}:R> (<t:{ts}:T>)", inline=True)
    embed.add_field(name="Answers", value=str(answered), inline=True)
    embed.set_footer(
        text=f"Right answers earn {MAX_POINTS:,} points if instant, {MIN_POINTS} at the deadline, "
        "plus a streak bonus."
    )
    return embed


class ChoiceButton(
    discord.ui.DynamicItem[discord.ui.Button],
    template=r"quiz:(?P<round>\d+):(?P<q>\d+):(?P<choice>[A-D]|true|false|typed)",
):
    """An answer button. Its state is in the custom_id, so a click after a restart still reaches the bot."""

    def __init__(self, round_id: int, number: int, choice: str, label: str, style=discord.ButtonStyle.primary):
        self.round_id, self.number, self.choice = round_id, number, choice
        super().__init__(
            discord.ui.Button(label=clip(label, 80), style=style, custom_id=f"quiz:{round_id}:{number}:{choice}")
        )

    @classmethod
    async def from_custom_id(cls, interaction, item, match):
        return cls(int(match["round"]), int(match["q"]), match["choice"], item.label or match["choice"])

    async def callback(self, interaction: discord.Interaction) -> None:
        cog = interaction.client.get_cog("Quiz")
        async with component_errors(interaction, f"quiz button {self.choice} of round {self.round_id}"):
            await cog.on_choice(interaction, self.round_id, self.number, self.choice)


def question_view(round_id: int, number: int, question: Question) -> discord.ui.View:
    view = discord.ui.View(timeout=None)
    if question.kind is Kind.TRUE_FALSE:
        view.add_item(ChoiceButton(round_id, number, "true", "True", discord.ButtonStyle.success))
        view.add_item(ChoiceButton(round_id, number, "false", "False", discord.ButtonStyle.danger))
    elif question.kind is Kind.TYPED:
        view.add_item(ChoiceButton(round_id, number, "typed", "✏️ Answer"))
    else:
        for key, text in zip(question.choice_keys, question.options, strict=True):
            label = f"{key}: {text}" if question.kind is Kind.TERM else key
            view.add_item(ChoiceButton(round_id, number, key, label))
    return view


class TypedAnswerModal(discord.ui.Modal):
    answer = discord.ui.TextInput(
        label="Your answer", placeholder="The term, e.g. Customer Loyalty", max_length=100, custom_id="answer"
    )

    def __init__(self, on_submit_answer, number: int) -> None:
        super().__init__(title=f"Question {number}: type the term", timeout=300)
        self._on_submit_answer = on_submit_answer

    async def on_submit(self, interaction: discord.Interaction) -> None:
        async with component_errors(interaction, "typed quiz answer"):
            await self._on_submit_answer(interaction, self.answer.value)


def reveal_embed(reveal: Reveal, total: int, deck: Deck, names: dict[int, str]) -> discord.Embed:
    q = reveal.question
    term = deck.get(q.term_id)
    if q.kind is Kind.TYPED:
        right_text = term.name
    elif q.kind is Kind.TRUE_FALSE:
        right_text = (
            "True" if q.answer == "true" else f"False: that is the definition of {deck.get(q.shown_term_id).name}"
        )
    else:
        right_text = q.option_label(q.answer)
    embed = Panel(
        title=f"Question {reveal.question_no}/{total} · closed",
        description=clip(q.prompt, 2000),
        colour=CLOSED_COLOUR,
    )
    embed.add_field(name="✅ Answer", value=clip(right_text, 1024), inline=False)
    embed.add_field(name=term.name, value=clip(term.definition, 1024), inline=False)
    if q.options:
        split = "  ".join(
            f"**{key if q.kind is not Kind.TRUE_FALSE else key.title()}** {count}"
            for key, count in reveal.split.items()
        )
    else:
        split = f"right {reveal.split['right']} · wrong {reveal.split['wrong']}"
    embed.add_field(name="Answers", value=split or "none", inline=False)
    right = ", ".join(names.get(uid, mention(uid)) for uid in reveal.right[:20])
    more = len(reveal.right) - 20
    embed.add_field(
        name="Right", value=clip(right + (f" and {more} more" if more > 0 else ""), 1024) or "nobody", inline=False
    )
    if reveal.fastest:
        fast = reveal.fastest
        embed.add_field(
            name="⚡ Fastest",
            value=f"{names.get(fast.user_id, mention(fast.user_id))} "
            f"in {fast.elapsed_ms / 1000:.1f} s (+{fast.points} points)",
            inline=False,
        )
    return embed


def standings_lines(players: Sequence[Player], limit: int = 25) -> str:
    lines = []
    for i, p in enumerate(players[:limit]):
        badge = MEDALS[i] if i < 3 else f"{i + 1}."
        lines.append(
            f"{badge} **{discord.utils.escape_markdown(p.name)}**: {p.points:,} points "
            f"({p.correct}/{p.answered} right)"
        )
    if len(players) > limit:
        lines.append(f"… and {len(players) - limit} more")
    return "\n".join(lines)


def podium_embed(players: Sequence[Player], *, title: str, note: str = "") -> discord.Embed:
    embed = Panel(title=title, colour=discord.Colour.gold())
    if not players:
        embed.description = note or "Nobody answered, so there is no podium this time."
        return embed
    podium = "\n".join(
        f"{MEDALS[i]} **{discord.utils.escape_markdown(p.name)}** · {p.points:,}"
        for i, p in enumerate(players[:3])
    )
    embed.description = clip((note + "\n\n" if note else "") + podium, 4096)
    embed.add_field(name="Standings", value=clip(standings_lines(players), 1024), inline=False)
    embed.set_footer(text="Points are saved to /leaderboard.")
    return embed
