"""How a private practice test (/test) looks: questions, answer buttons, feedback and the result."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

import discord

from bot.core.questions import Kind, Question
from bot.ui.limits import Panel
from bot.ui.messages import clip, component_errors, reply_error
from bot.ui.quiz import KIND_TITLES, add_option_fields
from content.model import Deck, Term

TEST_COLOUR = discord.Colour.from_rgb(114, 137, 218)
RIGHT_COLOUR = discord.Colour.green()
WRONG_COLOUR = discord.Colour.red()
MISSED_SHOWN = 10  # missed terms listed in the result; the rest are in the review button

NOT_YOURS = "This test belongs to someone else: run /test yourself."
ENDED = (
    "⏹️ This practice test has ended: you started a newer one, left it for over an hour, or the bot restarted. "
    "Your answers so far are in your /review schedule. Start a new one with /test."
)
FINISHED = "That test is already finished: your result is on the message above. Start another with /test."
ALREADY_ANSWERED = "You already answered that question. Carry on with the question showing now."


def duration_text(elapsed: timedelta) -> str:
    """ "45 s", "2 min 05 s", "1 h 02 min"."""
    seconds = max(0, int(elapsed.total_seconds()))
    minutes, secs = divmod(seconds, 60)
    hours, minutes = divmod(minutes, 60)
    if hours:
        return f"{hours} h {minutes:02d} min"
    if minutes:
        return f"{minutes} min {secs:02d} s"
    return f"{secs} s"


class TestButton(
    discord.ui.DynamicItem[discord.ui.Button],
    template=r"pt:(?P<owner>\d{1,20}):(?P<key>[0-9a-z]{1,12}):(?P<q>\d{1,2}):(?P<choice>[A-D]|true|false|typed|end)",
):
    """An answer button of a practice test. The owner and question number are in the custom_id."""

    def __init__(
        self, owner: int, key: str, index: int, choice: str, label: str, style=discord.ButtonStyle.primary
    ):
        self.owner, self.key, self.index, self.choice = owner, key, index, choice
        row = 1 if choice == "end" else 0
        super().__init__(
            discord.ui.Button(
                label=clip(label, 80), style=style, row=row, custom_id=f"pt:{owner}:{key}:{index}:{choice}"
            )
        )

    @classmethod
    async def from_custom_id(cls, interaction, item, match):
        return cls(
            int(match["owner"]), match["key"], int(match["q"]), match["choice"], item.label or "?", item.style
        )

    async def callback(self, interaction: discord.Interaction) -> None:
        async with component_errors(interaction, f"practice test button {self.choice}"):
            await interaction.client.get_cog("Practice").on_button(
                interaction, self.owner, self.key, self.index, self.choice
            )


class ReviewMissedButton(
    discord.ui.DynamicItem[discord.ui.Button], template=r"rvm:(?P<owner>\d{1,20}):(?P<test>\d{1,18})"
):
    """ "Review the missed ones now": starts a /review session over a test's missed cards."""

    def __init__(self, owner: int, test_id: int) -> None:
        self.owner, self.test_id = owner, test_id
        super().__init__(
            discord.ui.Button(
                label="Review the missed ones now", emoji="🔁", style=discord.ButtonStyle.success,
                custom_id=f"rvm:{owner}:{test_id}",
            )
        )  # fmt: skip

    @classmethod
    async def from_custom_id(cls, interaction, item, match):
        return cls(int(match["owner"]), int(match["test"]))

    async def callback(self, interaction: discord.Interaction) -> None:
        if interaction.user.id != self.owner:
            await reply_error(interaction, NOT_YOURS)
            return
        await interaction.client.get_cog("Review").start_missed(interaction, self.test_id)


def question_panel(question: Question, title: str, colour: discord.Colour) -> discord.Embed:
    """A private question: its prompt, the options (A-D) or how to type the answer (/test, /learn)."""
    embed = Panel(title=title, description=clip(question.prompt, 2000), colour=colour)
    add_option_fields(embed, question)
    if question.kind is Kind.TYPED:
        embed.add_field(
            name="How to answer", value="Click **✏️ Type your answer** and type the term.", inline=False
        )
    return embed


def question_embed(question: Question, number: int, total: int, correct_so_far: int) -> discord.Embed:
    embed = question_panel(
        question, f"Practice test · {number}/{total} · {KIND_TITLES[question.kind]}", TEST_COLOUR
    )
    embed.set_footer(text=f"Score so far: {correct_so_far}/{number - 1}")
    return embed


def question_view(owner: int, key: str, index: int, question: Question) -> discord.ui.View:
    view = discord.ui.View(timeout=None)
    if question.kind is Kind.TRUE_FALSE:
        view.add_item(TestButton(owner, key, index, "true", "True", discord.ButtonStyle.success))
        view.add_item(TestButton(owner, key, index, "false", "False", discord.ButtonStyle.danger))
    elif question.kind is Kind.TYPED:
        view.add_item(TestButton(owner, key, index, "typed", "✏️ Type your answer"))
    else:
        for choice, text in zip(question.choice_keys, question.options, strict=True):
            label = f"{choice}: {text}" if question.kind is Kind.TERM else choice
            view.add_item(TestButton(owner, key, index, choice, label))
    view.add_item(TestButton(owner, key, index, "end", "End test", discord.ButtonStyle.secondary))
    return view


def right_answer_text(question: Question, deck: Deck) -> str:
    """The right answer, as a student reads it."""
    term = deck.get(question.term_id)
    if question.kind is Kind.TYPED:
        return term.name
    if question.kind is Kind.TRUE_FALSE:
        if question.answer == "true":
            return "True"
        shown = deck.get(question.shown_term_id)
        return f"False: that is the definition of {shown.name if shown else 'another term'}"
    return question.option_label(question.answer)


def feedback_embed(
    question: Question, deck: Deck, correct: bool, *, given: str, reason: str = ""
) -> discord.Embed:
    """Right or wrong, with the correct answer and the term's definition."""
    term = deck.get(question.term_id)
    lines = [f"Your answer: {given}" + (f" ({reason})" if reason else "")]
    if not correct:
        lines.append(f"Correct answer: **{clip(right_answer_text(question, deck), 600)}**")
    if term is not None:
        lines.append(f"**{term.name}**: {term.definition}")
    return Panel(
        title="✅ Right!" if correct else "❌ Not quite",
        description=clip("\n".join(lines), 1800),
        colour=RIGHT_COLOUR if correct else WRONG_COLOUR,
    )


def summary_embed(
    *, correct: int, total: int, elapsed: timedelta, missed: Sequence[Term], ended_early: bool
) -> discord.Embed:
    """Score, time taken and the missed terms with their definitions (within embed limits)."""
    share = correct / total if total else 0.0
    embed = Panel(
        title="📝 Practice test ended early" if ended_early else "📝 Practice test complete",
        description=f"Score: **{correct}/{total}** ({share:.0%}) · ⏱️ {duration_text(elapsed)}",
        colour=discord.Colour.gold(),
    )
    if not missed:
        embed.description += "\n🌟 No mistakes!"
        embed.set_footer(text="Right answers count as Good in your /review schedule.")
        return embed
    for term in missed[:MISSED_SHOWN]:
        embed.add_field(name=clip(f"❌ {term.name}", 256), value=clip(term.definition, 300), inline=False)
    if len(missed) > MISSED_SHOWN:
        embed.add_field(name="…", value=f"and {len(missed) - MISSED_SHOWN} more.", inline=False)
    embed.set_footer(text="Missed terms come back soon in /review. Or review them now:")
    return embed


def summary_view(owner: int, test_id: int) -> discord.ui.View:
    view = discord.ui.View(timeout=None)
    view.add_item(ReviewMissedButton(owner, test_id))
    return view
