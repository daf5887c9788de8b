"""How /about looks: the bot's version, deck, uptime and latency."""

from __future__ import annotations

import math
from datetime import timedelta

import discord

from bot.ui.limits import Panel
from bot.ui.practice import duration_text

ABOUT_COLOUR = discord.Colour.blurple()


def uptime_text(uptime: timedelta) -> str:
    """`2 d 3 h` from a day on, else as the practice test's clock: `1 h 02 min`, `2 min 05 s`, `40 s`."""
    days, rest = divmod(max(timedelta(0), uptime), timedelta(days=1))
    return f"{days} d {rest // timedelta(hours=1)} h" if days else duration_text(rest)


def latency_text(latency: float) -> str:
    """The gateway heartbeat latency; discord.py gives inf (or nan) before the first heartbeat."""
    return f"{latency * 1000:.0f} ms" if math.isfinite(latency) and latency >= 0 else "not measured yet"


def about_embed(
    *,
    version: str,
    deck_name: str,
    terms: int,
    topics: int,
    questions: int,
    uptime: timedelta,
    latency: float,
    servers: int,
) -> discord.Embed:
    embed = Panel(
        title="ℹ️ About this bot",
        description="A study bot for the vocabulary of a Customer Relations course. "
        "Try /define, /review, /quiz start or /test.",
        colour=ABOUT_COLOUR,
    )
    embed.add_field(name="Version", value=version, inline=True)
    embed.add_field(name="Uptime", value=uptime_text(uptime), inline=True)
    embed.add_field(name="Latency", value=latency_text(latency), inline=True)
    embed.add_field(
        name="Deck",
        value=f"{deck_name}: {terms:,} terms in {topics} topics, {questions} questions",
        inline=False,
    )
    embed.add_field(name="Servers", value=f"{servers:,}", inline=True)
    embed.set_footer(text="/privacy export shows what the bot stores about you.")
    return embed
