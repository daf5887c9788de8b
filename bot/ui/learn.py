"""How /learn looks: its questions, the answer buttons and typed-answer box, feedback, round and
session summaries, and the "Add to /review" offer.

Every button and box carries the session in its custom_id (owner, session id, `seq`), so clicks and
submitted boxes reach the Learn cog after a restart; the cog decides what they mean.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import discord

from bot.core.learn import Stage
from bot.core.questions import Kind, Question
from bot.ui.limits import Panel
from bot.ui.messages import clip, component_errors
from bot.ui.practice import feedback_embed, question_panel
from bot.ui.quiz import KIND_TITLES
from bot.ui.review import b36
from content.model import Deck, Term

LEARN_COLOUR = discord.Colour.from_rgb(155, 89, 182)
ROUND_COLOUR = discord.Colour.blurple()
DONE_COLOUR = discord.Colour.gold()
MISSED_SHOWN = 10
NAMES_SHOWN = 15

NOT_YOURS = "This is someone else's /learn session: run /learn yourself."
REPLACED = (
    "⏹️ This /learn session was replaced by a newer one. Your progress is kept: carry on in your "
    "latest /learn message, or run /learn again."
)
ALREADY_ANSWERED = "You already answered that. Carry on with the question showing now."
OVER = "That /learn session is over. Run /learn to start another."
EMPTY_ANSWER = "Your answer was empty. Click ✏️ Type your answer again and type the term."

STAGE_NAMES = {
    Stage.CHOICE: "multiple choice",
    Stage.RECALL: "type it",
    Stage.RECALL_AGAIN: "type it again",
    Stage.LEARNED: "learned",
}
_SESSION = r"(?P<owner>\d{1,20}):(?P<sid>[0-9a-z]{1,12}):(?P<seq>\d{1,7})"
BUTTON_TEMPLATE = rf"learn:{_SESSION}:(?P<action>[A-D]|true|false|typed|skip|next)"
TYPED_ID = re.compile(rf"learn:typed:{_SESSION}")


# ----------------------------------------------------------------------------- what is shown


@dataclass(frozen=True, slots=True)
class Counts:
    """Where the member stands with the session's topic (terms learned before included)."""

    learned: int
    in_progress: int
    not_started: int

    def text(self) -> str:
        return (
            f"✅ Learned **{self.learned}** · 📖 In progress **{self.in_progress}** · "
            f"🆕 Not started **{self.not_started}**"
        )


@dataclass(frozen=True, slots=True)
class Feedback:
    """The answer just given: its question, right or not, what was given, and the term's stages."""

    question: Question
    correct: bool
    given: str
    reason: str
    before: Stage
    after: Stage
    review: bool  # a question asked in between: it changes no stage


@dataclass(frozen=True, slots=True)
class Screen:
    """One state of a session's message. `kind`: "question", "round" (a round is over) or "done"."""

    owner: int
    sid: int
    seq: int
    kind: str
    topic_name: str
    round_number: int
    goal: int
    learned_now: int  # terms learned in this session
    counts: Counts
    question: Question | None = None
    stage: Stage | None = None
    review: bool = False
    feedback: Feedback | None = None
    missed: Sequence[Term] = ()
    learned_terms: Sequence[Term] = ()


# ----------------------------------------------------------------------------- components


class LearnButton(discord.ui.DynamicItem[discord.ui.Button], template=BUTTON_TEMPLATE):
    """An answer, "Don't know" or "Continue" button of a /learn session."""

    def __init__(
        self, owner: int, sid: int, seq: int, action: str, label: str, style=discord.ButtonStyle.primary, row=0
    ):
        self.owner, self.sid, self.seq, self.action = owner, sid, seq, action
        custom_id = f"learn:{owner}:{b36(sid)}:{seq}:{action}"
        super().__init__(discord.ui.Button(label=clip(label, 80), style=style, custom_id=custom_id, row=row))

    @classmethod
    async def from_custom_id(cls, interaction, item, match):
        return cls(
            int(match["owner"]), int(match["sid"], 36), int(match["seq"]), match["action"], item.label or "?"
        )

    async def callback(self, interaction: discord.Interaction) -> None:
        async with component_errors(interaction, f"learn button {self.action}"):
            await interaction.client.get_cog("Learn").on_button(
                interaction, self.owner, self.sid, self.seq, self.action
            )


class AddToReviewButton(discord.ui.DynamicItem[discord.ui.Button], template=r"learn:add:(?P<owner>\d{1,20})"):
    """ "Add to /review": the member's learned terms go into their flashcards."""

    def __init__(self, owner: int) -> None:
        self.owner = owner
        super().__init__(
            discord.ui.Button(
                label="Add to /review",
                emoji="🗂️",
                style=discord.ButtonStyle.success,
                custom_id=f"learn:add:{owner}",
            )
        )

    @classmethod
    async def from_custom_id(cls, interaction, item, match):
        return cls(int(match["owner"]))

    async def callback(self, interaction: discord.Interaction) -> None:
        async with component_errors(interaction, "learn add to review"):
            await interaction.client.get_cog("Learn").on_add(interaction, self.owner)


class TypedAnswerBox(discord.ui.Modal):
    """The box for a typed answer. Its session is in its custom_id and discord.py never keeps it in
    memory (`is_finished`): the Learn cog answers every submission from the custom_id, also one
    sent after a restart."""

    answer = discord.ui.TextInput(
        label="Your answer", placeholder="The term, e.g. Customer Loyalty", max_length=100, custom_id="answer"
    )

    def __init__(self, owner: int, sid: int, seq: int) -> None:
        super().__init__(title="Type the term", custom_id=f"learn:typed:{owner}:{b36(sid)}:{seq}")

    def is_finished(self) -> bool:
        return True  # so send_modal does not store it


@dataclass(frozen=True, slots=True)
class TypedSubmission:
    owner: int
    sid: int
    seq: int
    text: str


def typed_submission(interaction: discord.Interaction) -> TypedSubmission | None:
    """The typed answer in a submitted /learn box, or None when the interaction is not one."""
    if interaction.type is not discord.InteractionType.modal_submit:
        return None
    data = interaction.data or {}
    match = TYPED_ID.fullmatch(data.get("custom_id", ""))
    if match is None:
        return None
    text = _value(data.get("components") or [], "answer")
    return TypedSubmission(int(match["owner"]), int(match["sid"], 36), int(match["seq"]), text)


def _value(components: list, custom_id: str) -> str:
    """A text input's value in a modal submission (inside action rows or labels)."""
    for component in components:
        if component.get("custom_id") == custom_id and "value" in component:
            return component.get("value") or ""
        inner = list(component.get("components") or [])
        if "component" in component:
            inner.append(component["component"])
        found = _value(inner, custom_id)
        if found:
            return found
    return ""


# ----------------------------------------------------------------------------- rendering


def render(screen: Screen, deck: Deck) -> dict:
    """The message for a screen: `content`, `embeds` and `view`, for a send or an edit."""
    embeds = [] if screen.feedback is None else [_feedback(screen.feedback, deck)]
    view = discord.ui.View(timeout=None)
    if screen.kind == "question":
        embeds.append(_question(screen))
        _answer_buttons(view, screen)
    elif screen.kind == "round":
        embeds.append(_round(screen))
        view.add_item(LearnButton(screen.owner, screen.sid, screen.seq, "next", "Continue ▶️"))
    else:
        embeds.append(_done(screen))
        if screen.learned_terms:
            view.add_item(AddToReviewButton(screen.owner))
    return {"content": None, "embeds": embeds, "view": view if view.children else None}


def _answer_buttons(view: discord.ui.View, screen: Screen) -> None:
    question, make = screen.question, lambda *a, **k: LearnButton(screen.owner, screen.sid, screen.seq, *a, **k)
    if question.kind is Kind.TRUE_FALSE:
        view.add_item(make("true", "True", discord.ButtonStyle.success))
        view.add_item(make("false", "False", discord.ButtonStyle.danger))
    elif question.kind is Kind.TYPED:
        view.add_item(make("typed", "✏️ Type your answer"))
    else:
        for key, text in zip(question.choice_keys, question.options, strict=True):
            view.add_item(make(key, f"{key}: {text}" if question.kind is Kind.TERM else key))
    view.add_item(make("skip", "Don't know", discord.ButtonStyle.secondary, row=1))


def _footer(screen: Screen) -> str:
    return clip(
        f"{screen.topic_name} · goal: {screen.learned_now}/{screen.goal} learned this session",
        2048,
    )


def _question(screen: Screen) -> discord.Embed:
    question = screen.question
    if screen.review:
        step = "a question in between, so that two typed answers are never back to back: it moves no term on"
    else:
        ladder = [Stage.CHOICE, Stage.RECALL, Stage.RECALL_AGAIN]
        step = (
            " → ".join(f"**{STAGE_NAMES[s]}**" if s is screen.stage else STAGE_NAMES[s] for s in ladder)
            + " → learned"
        )
    embed = question_panel(
        question, f"Learn · round {screen.round_number} · {KIND_TITLES[question.kind]}", LEARN_COLOUR
    )
    embed.add_field(name="Step", value=step, inline=False)
    embed.add_field(name="Where you stand", value=screen.counts.text(), inline=False)
    embed.set_footer(text=_footer(screen))
    return embed


def _feedback(feedback: Feedback, deck: Deck) -> discord.Embed:
    embed = feedback_embed(feedback.question, deck, feedback.correct, given=feedback.given, reason=feedback.reason)
    embed.add_field(name="Next", value=_next_note(feedback), inline=False)
    return embed


def _next_note(feedback: Feedback) -> str:
    if feedback.review:
        return "That was a question in between: it moves no term on here."
    if feedback.correct:
        if feedback.after is Stage.LEARNED:
            return "🎓 **Learned!**"
        if feedback.after is Stage.RECALL:
            return "Next time you type it from memory."
        return "Next time you type it once more, after another question."
    if feedback.before is Stage.CHOICE:
        return "It comes back later in this round."
    return f"Back to **{STAGE_NAMES[feedback.after]}**; it comes back later in this round."


def _round(screen: Screen) -> discord.Embed:
    embed = Panel(
        title=f"Round {screen.round_number} done",
        description=screen.counts.text(),
        colour=ROUND_COLOUR,
    )
    embed.add_field(
        name="Your goal",
        value=f"{screen.learned_now} of {screen.goal} terms learned this session.",
        inline=False,
    )
    embed.set_footer(text=clip(f"{screen.topic_name} · click Continue for the next round", 2048))
    return embed


def _names(terms: Sequence[Term]) -> str:
    names = ", ".join(t.name for t in terms[:NAMES_SHOWN])
    return names + (f" and {len(terms) - NAMES_SHOWN} more" if len(terms) > NAMES_SHOWN else "")


def _done(screen: Screen) -> discord.Embed:
    learned = screen.learned_terms
    embed = Panel(
        title="🎉 Learn session complete",
        description=(
            f"You learned **{len(learned)}** term{'s' if len(learned) != 1 else ''}: {_names(learned)}.\n"
            f"{screen.counts.text()}"
        ),
        colour=DONE_COLOUR,
    )
    for term in screen.missed[:MISSED_SHOWN]:
        embed.add_field(name=clip(f"❌ Missed: {term.name}", 256), value=clip(term.definition, 200), inline=False)
    if len(screen.missed) > MISSED_SHOWN:
        embed.add_field(name="…", value=f"and {len(screen.missed) - MISSED_SHOWN} more.", inline=False)
    embed.set_footer(
        text=clip(
            f"{screen.topic_name} · Add to /review puts every term you have learned (here and before) into "
            "your flashcards, so it comes back before you forget it.",
            2048,
        )
    )
    return embed


def added_text(added: Sequence[Term], already: int) -> str:
    """The line shown once learned terms went into /review."""
    if not added:
        return "✅ Everything you learned is in your /review already."
    text = f"✅ Added {len(added)} term{'s' if len(added) != 1 else ''} to your /review: {_names(added)}."
    if already:
        text += f" ({already} {'was' if already == 1 else 'were'} there already.)"
    return text + " Run /review when they are due."
