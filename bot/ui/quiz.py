"""How a channel quiz looks: question cards, answer buttons, the typed-answer modal, reveals, podium."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime

import discord

from bot.core.questions import Kind, Question
from bot.core.quiz import MAX_POINTS, MIN_POINTS, Player, Reveal, places
from bot.ui.limits import Panel
from bot.ui.messages import clip, component_errors, member_name, reply_error
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


#: Which cog answers the typed-answer boxes of each feature (`typed:<feature>:<state>`).
TYPED_ANSWER_COGS = {"quiz": "Quiz", "test": "Practice"}
_TYPED_ID = re.compile(r"typed:(?P<feature>[a-z]+):(?P<state>[A-Za-z0-9:]{1,80})")
BOX_EXPIRED = "This answer box has expired. Click the answer button again."


class TypedAnswerModal(discord.ui.Modal):
    """The box for a typed answer, in a quiz or a practice test.

    Its state is in its custom_id (`typed:<feature>:<state>`, like ChoiceButton's), and discord.py
    never keeps it in memory: answer_typed_submission() answers every submission, also one sent
    after a restart or after the box sat open for a long time. Boxes of one question share a
    custom_id, which is harmless because nothing is kept per box.
    """

    answer = discord.ui.TextInput(
        label="Your answer", placeholder="The term, e.g. Customer Loyalty", max_length=100, custom_id="answer"
    )

    def __init__(self, feature: str, state: str, number: int) -> None:
        super().__init__(title=f"Question {number}: type the term", custom_id=f"typed:{feature}:{state}")

    def is_finished(self) -> bool:
        return True  # so send_modal does not store it: submissions go to answer_typed_submission


def _submitted_value(components: list, custom_id: str) -> str:
    """The value of one text input in a modal submission's components (rows or labels)."""
    for component in components:
        inner = component.get("components") or ([component["component"]] if "component" in component else [])
        if inner:
            found = _submitted_value(inner, custom_id)
            if found:
                return found
        elif component.get("custom_id") == custom_id:
            return component.get("value") or ""
    return ""


async def answer_typed_submission(interaction: discord.Interaction) -> bool:
    """Answer a submitted typed-answer box from its custom_id: the feature's cog gets
    `on_typed_answer(interaction, state, text)`. False when the interaction is not such a box."""
    if interaction.type is not discord.InteractionType.modal_submit:
        return False
    match = _TYPED_ID.fullmatch((interaction.data or {}).get("custom_id", ""))
    if match is None:
        return False
    feature = match["feature"]
    async with component_errors(interaction, f"typed answer ({feature})"):
        cog = interaction.client.get_cog(TYPED_ANSWER_COGS.get(feature, ""))
        if cog is None:
            await reply_error(interaction, BOX_EXPIRED)
        else:
            text = _submitted_value((interaction.data or {}).get("components") or [], "answer")
            await cog.on_typed_answer(interaction, match["state"], text)
    return True


def answer_text(question: Question, deck: Deck) -> str:
    """The right answer and its definition, each said once."""
    term = deck.get(question.term_id)
    definition = f"> {clip(term.definition, 1500)}"
    if question.kind is Kind.DEFINITION:
        return f"✅ **{question.answer}** · **{term.name}** means:\n{definition}"
    if question.kind is Kind.TERM:
        return f"✅ **{question.option_label(question.answer)}**\n{definition}"
    if question.kind is Kind.TRUE_FALSE:
        if question.answer == "true":
            return f"✅ **True**: **{term.name}** means:\n{definition}"
        shown = deck.get(question.shown_term_id)
        return f"✅ **False**: that was the definition of **{shown.name}**. **{term.name}** means:\n{definition}"
    return f"✅ **{term.name}**\n{definition}"


def reveal_embed(reveal: Reveal, total: int, deck: Deck, names: dict[int, str]) -> discord.Embed:
    """The closed question: the right answer once, how many chose each option, who was right, the fastest."""
    q = reveal.question
    embed = Panel(
        title=f"Question {reveal.question_no}/{total} · closed",
        description=answer_text(q, deck),
        colour=CLOSED_COLOUR,
    )

    def name(user_id: int) -> str:
        return member_name(names[user_id]) if user_id in names else mention(user_id)

    if q.options:
        split = "  ".join(
            f"**{key if q.kind is not Kind.TRUE_FALSE else key.title()}** {count}"
            for key, count in reveal.split.items()
        )
    else:
        split = f"right {reveal.split['right']} · wrong {reveal.split['wrong']}"
    embed.add_field(name="Answers", value=split or "none", inline=False)
    right = ", ".join(name(uid) for uid in reveal.right[:20])
    more = len(reveal.right) - 20
    embed.add_field(
        name="Right", value=clip(right + (f" and {more} more" if more > 0 else ""), 1024) or "nobody", inline=False
    )
    if reveal.fastest:
        fast = reveal.fastest
        embed.add_field(
            name="⚡ Fastest",
            value=f"{name(fast.user_id)} in {fast.elapsed_ms / 1000:.1f} s (+{fast.points} points)",
            inline=False,
        )
    return embed


def standings_lines(players: Sequence[Player], limit: int = 25) -> str:
    """One line per player; equal points share a place (and a medal: the first three places that scored)."""
    lines = []
    for place, p in zip(places(list(players[:limit])), players[:limit], strict=True):
        badge = MEDALS[place - 1] if place <= 3 and p.points > 0 else f"{place}."  # no medal for 0 points
        lines.append(f"{badge} **{member_name(p.name)}** · {p.points:,} points ({p.correct}/{p.answered} right)")
    if len(players) > limit:
        lines.append(f"… and {len(players) - limit} more")
    return "\n".join(lines)


def podium_embed(players: Sequence[Player], *, title: str, note: str = "") -> discord.Embed:
    """The end of a round: the standings, once, with medals for the first three places."""
    embed = Panel(title=title, colour=discord.Colour.gold())
    if not players:
        embed.description = note or "Nobody answered, so there is no podium this time."
        return embed
    embed.description = clip((note + "\n\n" if note else "") + standings_lines(players), 4096)
    tie = len(set(places(list(players)))) < len(players)
    embed.set_footer(text=("Equal points share a place. " if tie else "") + "Points are saved to /leaderboard.")
    return embed
