"""How /progress looks: a short summary of the member's figures above the mastery chart, which is
the main view (the embed's image, attached as `CHART_NAME`)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import discord

from bot.core.homework import Assignment, count_statuses
from bot.core.homework import Progress as HomeworkProgress
from bot.core.progress import Progress
from bot.core.srs import MASTERED_STABILITY_DAYS
from bot.ui.limits import Panel
from bot.ui.messages import clip, member_name

PROGRESS_COLOUR = discord.Colour.from_rgb(46, 134, 171)
CHART_NAME = "mastery.png"
NBSP = "\u00a0"  # a no-break space: a figure and its word stay on one line


@dataclass(frozen=True, slots=True)
class TopicLearned:
    """Terms of one topic learned in /learn, of the topic's terms."""

    topic: str  # the topic's name
    learned: int
    terms: int


@dataclass(frozen=True, slots=True)
class Cards:
    """What there is to study here: the terms and the questions of the decks in use."""

    terms: int
    questions: int

    @property
    def total(self) -> int:
        return self.terms + self.questions


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def _accuracy(share: float | None, correct: int, total: int, none_text: str) -> str:
    return none_text if share is None else f"{share:.0%} right ({correct}/{total})"


def learned_text(topics: list[TopicLearned]) -> str:
    """/learn's part of /progress in one short line: learned terms in all, then per topic (topics
    with none left out)."""
    learned, terms = sum(t.learned for t in topics), sum(t.terms for t in topics)
    if not learned:
        return "None yet: /learn takes you from new to learned, a few terms at a time"
    per_topic = " · ".join(f"{t.topic}{NBSP}{t.learned}/{t.terms}" for t in topics if t.learned)
    return clip(f"**{learned} of {terms}** terms: {per_topic}", 1024)


def homework_text(homework: Sequence[tuple[Assignment, HomeworkProgress]]) -> str:
    """ "✅ 2 done · ⏰ 1 late · ❌ 1 missing · ⏳ 1 to do", counted as a teacher's report counts them."""
    counts = count_statuses(p for _, p in homework)
    parts = [
        f"✅{NBSP}{counts.done}{NBSP}done",
        f"⏰{NBSP}{counts.late}{NBSP}late",
        f"❌{NBSP}{counts.missing}{NBSP}missing",
    ]
    if counts.pending:
        parts.append(f"⏳{NBSP}{counts.pending}{NBSP}to{NBSP}do")
    return " · ".join(parts) + " · /homework"


def progress_embed(
    progress: Progress,
    cards: Cards,
    name: str,
    learned: list[TopicLearned] | None = None,
    *,
    homework: Sequence[tuple[Assignment, HomeworkProgress]] | None = None,
) -> discord.Embed:
    """The figures in a few lines, with the chart as the embed's image, the terms learned in
    /learn per topic when `learned` is given, and the member's homework in this server when it
    has any."""
    p = progress
    streak = f"🔥 {p.day_streak}-day streak" if p.day_streak else "No streak yet"
    today = _plural(p.reviews_today, "review") + " today" if p.reviews_today else "no reviews yet today"
    embed = Panel(
        title=clip(f"📈 Study progress · {member_name(name)}", 256),
        description=(
            f"Studied **{p.cards_seen} of {cards.total}** terms and questions · **{p.mastered}**{NBSP}mastered\n"
            f"{streak} · {today}"
        ),
        colour=PROGRESS_COLOUR,
    )
    due = f"**{p.due_now}** now" if p.due_now else "nothing now"
    # No-break spaces keep "2 within 24 h" on one line in the narrow inline field (a phone wrapped
    # it as "24 / h").
    embed.add_field(name="Due", value=f"{due} · {p.due_next_24h}{NBSP}within{NBSP}24{NBSP}h", inline=True)
    embed.add_field(
        name="Practice tests",
        value=_accuracy(p.test_accuracy, p.test_correct, p.test_questions, "No tests yet: try /test"),
        inline=True,
    )
    embed.add_field(
        name="Quizzes",
        value=_accuracy(p.quiz_accuracy, p.quiz_correct, p.quiz_answered, "No quiz answers yet"),
        inline=True,
    )
    if learned is not None:
        embed.add_field(name="Learned in /learn", value=learned_text(learned), inline=False)
    if homework:
        embed.add_field(name="Homework here", value=homework_text(homework), inline=False)
    embed.set_image(url=f"attachment://{CHART_NAME}")
    embed.set_footer(
        text=f"{cards.total} = {_plural(cards.terms, 'term')} + {_plural(cards.questions, 'question')} "
        f"in the decks used here. Mastered = remembered well enough to last {MASTERED_STABILITY_DAYS:.0f}+ "
        "days. Days follow UTC."
    )
    return embed
