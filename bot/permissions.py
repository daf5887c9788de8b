"""The Discord permissions the bot needs, in one place.

The bot needs permissions only for messages it posts by itself: quiz questions, reveals and podiums,
the daily term, scheduled-quiz notices (all with embeds), and later edits of those messages (its
own, which needs no extra permission). Replies to slash commands and buttons, private cards, the
/progress chart and the /privacy export file included, travel through the interaction and need no
channel permission at all. tests/test_permissions.py reads the code to keep this list honest.
"""

from __future__ import annotations

#: What the bot must have in a channel to post there itself (the scheduler checks exactly these).
#: Without Embed Links a question or term card would arrive empty.
CHANNEL_POST: tuple[str, ...] = ("view_channel", "send_messages", "embed_links")

#: The same for a thread, where Discord checks Send Messages in Threads instead of Send Messages.
THREAD_POST: tuple[str, ...] = ("view_channel", "send_messages_in_threads", "embed_links")

#: Everything the invite link asks for.
INVITE: tuple[str, ...] = CHANNEL_POST
#: The OAuth2 scopes: the bot user, and its slash commands.
INVITE_SCOPES: tuple[str, ...] = ("bot", "applications.commands")


def missing_to_post(permissions, *, thread: bool = False) -> list[str]:
    """Which of the permissions to post (`CHANNEL_POST`, or `THREAD_POST` in a thread) a
    discord.Permissions lacks, e.g. the bot's own from `interaction.app_permissions`."""
    return [name for name in (THREAD_POST if thread else CHANNEL_POST) if not getattr(permissions, name)]


def missing_text(missing: list[str], channel_id: int) -> str:
    """ "I'm missing the Send Messages and Embed Links permissions in <#123>"."""
    names = [name.replace("_", " ").title() for name in missing]
    listed = names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"
    return f"I'm missing the {listed} permission{'s' if len(names) > 1 else ''} in <#{channel_id}>"


def invite_url(client_id: int) -> str:
    """The OAuth2 URL that adds the bot to a server with `INVITE_SCOPES` and `INVITE` permissions."""
    import discord

    return discord.utils.oauth_url(
        client_id, permissions=discord.Permissions(**dict.fromkeys(INVITE, True)), scopes=INVITE_SCOPES
    )
