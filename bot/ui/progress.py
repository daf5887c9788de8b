"""How /progress looks: the member's study figures, mastery per topic and the chart attachment."""

from __future__ import annotations

from collections.abc import Sequence

import discord

from bot.core.progress import Progress, TopicMastery
from bot.core.srs import MASTERED_STABILITY_DAYS
from bot.ui.limits import Panel
from bot.ui.messages import clip

PROGRESS_COLOUR = discord.Colour.from_rgb(46, 134, 171)
CHART_NAME = "mastery.png"


def _accuracy(share: float | None, correct: int, total: int, none_text: str) -> str:
    return none_text if share is None else f"{share:.0%} ({correct}/{total} right)"


def progress_embed(
    progress: Progress, mastery: Sequence[tuple[str, TopicMastery]], total_cards: int, name: str
) -> discord.Embed:
    """The figures as stored, with the chart (attached as `CHART_NAME`) as the embed's image."""
    p = progress
    embed = Panel(title=clip(f"📈 Study progress · {name}", 256), colour=PROGRESS_COLOUR)
    embed.add_field(name="Cards seen", value=f"{p.cards_seen} of {total_cards}", inline=True)
    embed.add_field(name="Mastered", value=str(p.mastered), inline=True)
    embed.add_field(name="Due now", value=str(p.due_now), inline=True)
    embed.add_field(name="Due in the next 24 h", value=str(p.due_next_24h), inline=True)
    embed.add_field(name="Reviews today", value=str(p.reviews_today), inline=True)
    embed.add_field(
        name="Day streak", value=f"{p.day_streak} day{'s' if p.day_streak != 1 else ''} 🔥", inline=True
    )
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
    lines = [
        f"**{topic}**: {m.mastered}/{m.total} mastered · {m.seen} studied"
        for topic, m in mastery
    ]  # fmt: skip
    embed.add_field(name="Mastery per topic", value=clip("\n".join(lines) or "No topics.", 1024), inline=False)
    embed.set_image(url=f"attachment://{CHART_NAME}")
    embed.set_footer(
        text=f"Mastered = remembered well enough to last {MASTERED_STABILITY_DAYS:.0f}+ days. "
        "Days and streaks follow UTC."
    )
    return embed
