"""`python -m bot playground`: the real bot against an offline simulated Discord in your browser.

The bot is built exactly as for Discord (create_bot); simcord replaces the network underneath
discord.py, and its preview serves a local page with a #class channel where you can use every
slash command, button and modal as one of the demo members. No token, no Discord account.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import sys
import tempfile
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

from bot.config import Settings, configure_logging

log = logging.getLogger(__name__)

DEMO_MEMBERS = ("ms_rivera", "alex", "sam", "jordan")
WELCOME = (
    "Welcome to the playground! This is the real study bot in a simulated Discord. "
    "Pick who you are with **Viewing as** (ms_rivera is the teacher), then type `/` below: "
    "try `/define clv`, `/define custmer loyality` or `/term`."
)


@dataclass
class Playground:
    env: object
    guild: object
    channel: object
    members: dict[str, object]
    preview: object

    @property
    def url(self) -> str:
        return self.preview.url


@asynccontextmanager
async def open_playground(settings: Settings, *, port: int | None = None, deck=None) -> AsyncIterator[Playground]:
    """Start the bot in a simulated Discord with a demo class server and serve the preview page."""
    try:
        import discord
        import simcord
    except ImportError:  # pragma: no cover - depends on the installed extras
        raise SystemExit(
            'error: the playground needs simcord\'s preview; install it with: pip install -e ".[playground]"'
        ) from None
    from bot.app import create_bot

    bot = create_bot(settings, deck=deck)
    try:
        # check_errors=False: a visitor's mistake must not tear the playground down; errors are logged.
        async with simcord.run(bot, check_errors=False) as env:
            await bot.tree.sync()
            guild = env.create_guild("Customer Relations class")
            channel = guild.create_text_channel("class")
            teachers = guild.create_role(
                "Teacher", permissions=discord.Permissions(manage_guild=True, manage_messages=True)
            )
            members = {}
            for name in DEMO_MEMBERS:
                roles = [teachers] if name == "ms_rivera" else []
                members[name] = guild.add_member(env.create_user(name), roles=roles)
            await members["ms_rivera"].send(channel, WELCOME)
            viewers = list(members.values())
            async with env.preview(channel, viewers=viewers, layout="channel", port=port) as preview:
                yield Playground(env, guild, channel, members, preview)
    finally:
        # simcord detaches the bot without closing it, and an open aiosqlite connection is a
        # non-daemon thread: without this the process would hang after "Playground stopped."
        if bot.db is not None:
            await bot.db.close()
            bot.db = None


async def _serve(settings: Settings, port: int | None) -> None:
    async with open_playground(settings, port=port) as playground:
        print(f"Playground ready: open {playground.url}", flush=True)
        print("Pick a member at the top of the page and type / in #class. Press Ctrl+C to stop.", flush=True)
        await playground.preview.wait_closed()


def run_playground(settings: Settings, *, port: int | None = None, database_path: Path | None = None) -> int:
    configure_logging(settings.log_level)
    with tempfile.TemporaryDirectory(prefix="studybot-playground-") as tmp:
        path = database_path or Path(tmp) / "playground.sqlite3"
        settings = dataclasses.replace(settings, database_path=path, token=None)
        try:
            asyncio.run(_serve(settings, port))
        except KeyboardInterrupt:
            print("Playground stopped.", file=sys.stderr)
        except OSError as exc:
            print(f"error: cannot start the playground page: {exc}", file=sys.stderr)
            return 1
    return 0
