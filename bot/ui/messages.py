"""Small helpers for replying to an interaction exactly once."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import discord

from bot.core.errors import StudyBotError

log = logging.getLogger(__name__)

ERROR_COLOUR = discord.Colour.red()


def clip(text: str, limit: int) -> str:
    """Cut text to Discord's limit, ending with an ellipsis when cut."""
    text = text.strip()
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def missing_permissions(perms: list[str]) -> str:
    names = ", ".join(p.replace("_", " ").replace("guild", "server").title() for p in perms)
    return f"You need the **{names}** permission to do that."


async def reply(interaction: discord.Interaction, content: str | None = None, **kwargs) -> None:
    """Send the response, or a follow-up when the interaction was already answered or deferred."""
    if interaction.response.is_done():
        await interaction.followup.send(content, **kwargs)
    else:
        await interaction.response.send_message(content, **kwargs)


async def reply_error(interaction: discord.Interaction, text: str) -> None:
    """A friendly ephemeral error. Never raises: the member already has a problem."""
    try:
        await reply(interaction, f"⚠️ {text}", ephemeral=True)
    except discord.HTTPException:
        log.warning("could not deliver an error reply to user %s", interaction.user.id, exc_info=True)


@asynccontextmanager
async def user_errors(interaction: discord.Interaction) -> AsyncIterator[None]:
    """Turn a StudyBotError raised in the block into a friendly ephemeral reply.

    Bad input is an expected outcome, not a bug, so it never reaches tree.on_error
    (which logs a traceback and is kept for real failures).
    """
    try:
        yield
    except StudyBotError as exc:
        await reply_error(interaction, str(exc))
