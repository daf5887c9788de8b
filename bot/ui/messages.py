"""Small helpers for replying to an interaction exactly once."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import discord

from bot.core.errors import StudyBotError
from bot.storage.errors import is_transient

log = logging.getLogger(__name__)

ERROR_COLOUR = discord.Colour.red()
STORAGE_BUSY = "The bot's storage is busy right now; please try again in a moment."
SOMETHING_WRONG = "Sorry, something went wrong on my side. Please try again in a moment."
UNKNOWN_INTERACTION = 10062  # Discord's code for an interaction answered after its 3 seconds (or twice)


def expired(error: BaseException) -> bool:
    """True for Discord's "Unknown interaction": the bot answered too late (a stall, an overload).
    An expected outcome under load, not a bug: one log line, no traceback, no second reply (it
    would be refused the same way)."""
    return isinstance(error, discord.NotFound) and error.code == UNKNOWN_INTERACTION


def clip(text: str, limit: int) -> str:
    """Cut text to Discord's limit, ending with an ellipsis when cut."""
    text = text.strip()
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def safe(text: str, limit: int = 80) -> str:
    """Text a member typed, shown as plain text within `limit`: no markdown, no mentions."""
    return clip(discord.utils.escape_markdown(discord.utils.escape_mentions(text)), limit)


def member_name(name: str) -> str:
    """A name a member chose (display name, nickname), shown as plain text: a name such as
    `[Nitro](https://...)` or `@everyone` must not become a link, markdown or a ping in a bot message."""
    return safe(name, 40)


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
        await reply(interaction, clip(f"⚠️ {text}", 2000), ephemeral=True)  # never over Discord's limit
    except discord.HTTPException as exc:
        if expired(exc):
            log.warning("could not deliver an error reply to user %s: %s", interaction.user.id, exc)
        else:
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


def failure_text(error: BaseException) -> str:
    """What to tell a member whose action failed on the bot's side (not because of their input)."""
    return STORAGE_BUSY if is_transient(error) else SOMETHING_WRONG


@asynccontextmanager
async def component_errors(interaction: discord.Interaction, what: str) -> AsyncIterator[None]:
    """For button and modal callbacks, whose failures discord.py only logs (the member would see
    "This interaction failed"): a friendly ephemeral reply instead, and the error logged with context."""
    try:
        yield
    except StudyBotError as exc:
        await reply_error(interaction, str(exc))
    except Exception as exc:
        if expired(exc):
            log.warning(
                "%s: too late (guild=%s user=%s): %s", what, interaction.guild_id, interaction.user.id, exc
            )
            return
        log.exception("%s failed (guild=%s user=%s)", what, interaction.guild_id, interaction.user.id)
        await reply_error(interaction, failure_text(exc))
