"""`python -m bot playground`: the real bot against an offline simulated Discord in your browser.

The bot is built exactly as for Discord (create_bot); simcord replaces the network underneath
discord.py, and its preview serves a local page with a #class channel where you can use every
slash command, button and modal as one of the demo members. No token, no Discord account.

Two things make the page behave like Discord rather than like a test snapshot (`LiveSession`):
- the simulated clock starts at the real time and follows it, so answer times, speed points,
  countdowns and uptime mean what they say (simcord's clock otherwise stands still between
  timers);
- the page updates by itself when the bot posts or edits (simcord's preview otherwise shows what
  the bot did only after someone clicks "Refresh preview").
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import os
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from bot.config import Settings, configure_logging

log = logging.getLogger(__name__)

#: The name the README suggests giving the application on Discord.
BOT_NAME = "CR Study Bot"
DEMO_MEMBERS = ("ms_rivera", "alex", "sam", "jordan")
WELCOME = (
    "👋 Welcome to the playground! This is the real study bot in a simulated Discord. "
    "Pick who you are with **Viewing as** (ms_rivera is the teacher; alex, sam and jordan are "
    "students), then type `/` in the box below and pick a command: try **/define** with `clv` "
    "or a misspelling like `custmer loyality`, **/term**, **/review**, or **/quiz start** (click "
    "*+ options* for the number of questions). Open this page in a second tab as a student to "
    "play a quiz together."
)
#: How often the clock catches up with real time and the page is republished if the bot did something.
LIVE_TICK = 0.25


class LiveSession:
    """Keeps the playground's simulated Discord in step with real time and its page up to date.

    Every simcord operation (advancing the clock, a browser action, a refresh) must run alone, so
    the background pump and the page's actions share one lock. Before each browser action the
    clock catches up, so an answer clicked 5 s after a question is stored 5 s after it.
    """

    def __init__(self, env, preview) -> None:
        self.env = env
        self.preview = preview
        self.lock = asyncio.Lock()
        self._real_start = time.perf_counter()  # not time.monotonic: simcord swaps that for its clock
        self._simulated_start = env.now()
        self._published = -1
        self._revisions: dict[str, int] = {}
        self._task: asyncio.Task | None = None

    async def catch_up(self) -> None:
        """Advance the simulated clock to now (timers due meanwhile fire, the bot settles)."""
        target = self._simulated_start + timedelta(seconds=time.perf_counter() - self._real_start)
        behind = (target - self.env.now()).total_seconds()
        if behind <= 0.001:
            return
        try:
            await self.env.advance_time(behind)
        except TimeoutError:
            # The bot is still busy (a slow disk, say); the next tick catches up the rest.
            log.warning("the playground clock fell behind: the bot took long to settle")

    async def publish_if_changed(self) -> None:
        """Republish every open page when the bot made a request (posted, edited, replied...)."""
        if len(self.env.http_requests) != self._published:
            await self.env.settle()  # let the bot finish what it started, then look at the channel
            self._published = len(self.env.http_requests)
            self._follow_newest()
            await self.preview.refresh()

    def _follow_newest(self) -> None:
        """Bring each page to the newest message its viewer can see, as a chat does.

        The preview keeps a page on the message of its last action, so a quiz's next question
        would wait below the fold behind "New messages · jump to latest".
        """
        from simcord.backend.access import can_access_message

        for page in tuple(self.preview._pages.values()):
            if page.layout != "channel":
                continue
            messages = self.env.backend.messages.get(page.channel_id, {})
            for message_id in sorted(messages, reverse=True):
                if page.target_id is not None and message_id <= page.target_id:
                    break
                if can_access_message(self.env, page.channel_id, messages[message_id], page.viewer, history=True):
                    page.target_id = page.window_end_id = message_id
                    break

    @asynccontextmanager
    async def turn(self) -> AsyncIterator[None]:
        """Hold the simulation for one operation, with the clock at the real time."""
        async with self.lock:
            await self.catch_up()
            # The page draws "in 15 seconds" against this instant, once per message: it must be now
            # when the action publishes the bot's reply, not the time of the last refresh.
            self.preview._advance_presentation_time()
            yield

    def start(self) -> None:
        original = self.preview._action

        async def action(context_id, body):
            async with self.turn():
                return await original(context_id, self._current(context_id, body))

        # The page's actions reach the preview through this one method (simcord 3.2.1, pinned).
        self.preview._action = action
        self._task = asyncio.create_task(self._pump(), name="playground-live")

    def _current(self, context_id, body):
        """A click on a message the page showed a moment ago still counts, as on Discord.

        The preview refuses an action made on an older revision of its page ("stale revision");
        here the page is republished whenever the bot edits something, so without this a click
        right after a counter update would be refused. Discord has no such check: the bot gets
        the click and decides (a closed question says so). A replay of the same request gets
        the same answer, so the preview's duplicate check still matches it.
        """
        if not isinstance(body, dict) or "published_revision" not in body:
            return body
        request = str(body.get("request_id"))
        if request not in self._revisions:
            try:
                page = self.preview._get_page(context_id)
            except Exception:  # an unknown page: the preview itself answers that
                return body
            self._revisions = {request: page.revision}  # only the latest request can be replayed
        return {**body, "published_revision": self._revisions[request]}

    async def _pump(self) -> None:
        while True:
            await asyncio.sleep(LIVE_TICK)
            try:
                async with self.turn():
                    await self.publish_if_changed()
            except asyncio.CancelledError:
                raise
            except Exception:  # a failed tick must not end the live updates
                log.exception("playground live update failed")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
            self._task = None


@dataclass
class Playground:
    env: object
    guild: object
    channel: object
    members: dict[str, object]
    preview: object
    live: LiveSession

    @property
    def url(self) -> str:
        return self.preview.url

    @property
    def bot_channel(self):
        """#class as the bot's discord.py sees it (to post as the bot)."""
        return self.env.bot.get_channel(self.channel.id)

    def turn(self):
        """`async with playground.turn():` around driver code (a member's slash, click...) that
        runs beside the page: it waits for the page's actions and catches the clock up first."""
        return self.live.turn()


def local_zone_name() -> str:
    """The machine's IANA time zone, so Discord timestamps read in the visitor's own time."""
    candidates = [os.environ.get("TZ", "").lstrip(":")]
    try:
        candidates.append(Path("/etc/timezone").read_text(encoding="utf-8").strip())
    except OSError:
        pass
    localtime = Path("/etc/localtime")
    if localtime.is_symlink():
        candidates.append(str(localtime.resolve()).partition("zoneinfo/")[2])
    for name in candidates:
        if name:
            try:
                ZoneInfo(name)
                return name
            except (ValueError, KeyError, OSError):
                continue
    return "UTC"


class _DropMessages(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return not any(fragment in record.getMessage() for fragment in NOT_YOUR_CONCERN)


#: discord.py warnings about the simulator's machinery, not about this bot: simcord checks
#: discord.py on import with a client that has no intents ("Guilds intent seems to be disabled"),
#: and the bot plays no audio, so the missing voice libraries do not matter.
NOT_YOUR_CONCERN = ("Guilds intent seems to be disabled", "voice will NOT be supported")


@contextmanager
def _quiet() -> Iterator[None]:
    """Drop the NOT_YOUR_CONCERN warnings while discord.py clients are created."""
    loggers = [logging.getLogger(name) for name in ("discord.state", "discord.client")]
    drop = _DropMessages()
    for logger in loggers:
        logger.addFilter(drop)
    try:
        yield
    finally:
        for logger in loggers:
            logger.removeFilter(drop)


@contextmanager
def _mentions_in_embeds() -> Iterator[None]:
    """Show `<@id>` and `<#id>` in embed descriptions and field values as names, as Discord does.

    simcord's preview resolves those names already but renders mentions only in message text;
    the bot's leaderboards and lists put them in embeds.
    """
    from simcord.preview import _markdown

    policies = _markdown._FIELD_POLICIES
    fields = ("embed_description", "embed_field_value")
    saved = {field: policies[field]["mentions"] for field in fields}
    for field in fields:
        policies[field]["mentions"] = True
    try:
        yield
    finally:
        for field, value in saved.items():
            policies[field]["mentions"] = value


def _import_simcord():
    try:
        with _quiet():
            import simcord
    except ImportError:  # pragma: no cover - depends on the installed extras
        raise SystemExit(
            'error: the playground needs simcord\'s preview; install it with: pip install -e ".[playground]"'
        ) from None
    return simcord


@asynccontextmanager
async def open_playground(settings: Settings, *, port: int | None = None, deck=None) -> AsyncIterator[Playground]:
    """Start the bot in a simulated Discord with a demo class server and serve the live preview page."""
    simcord = _import_simcord()
    import discord

    from bot.app import create_bot

    with _quiet():  # when simcord was imported earlier, the voice notes come with the bot's client
        bot = create_bot(settings, deck=deck)
    # check_errors=False: a visitor's mistake must not tear the playground down; errors are logged.
    # One simulated process with one shard, unless SHARD_COUNT says otherwise (the bot is sharded).
    env = simcord.Env(bot, check_errors=False, shard_count=bot.shard_count or 1)
    # simcord's clock starts on 2026-01-01; the playground's starts now, so message times, the
    # daily term and scheduled quizzes happen when the visitor expects them. (Backend is simcord's
    # internal API; simcord is pinned exactly in pyproject.toml.)
    env.backend.advance_clock(max(0.0, (datetime.now(UTC) - env.now()).total_seconds()))
    try:
        await env.start()  # a failed start detaches the bot itself
    except BaseException:
        await _close_database(bot)
        raise
    try:
        with env.time_context(), _mentions_in_embeds():
            await bot.tree.sync()
            await bot.user.edit(username=BOT_NAME)
            guild = env.create_guild("Customer Relations class")
            channel = guild.create_text_channel("class")
            teachers = guild.create_role(
                "Teacher", permissions=discord.Permissions(manage_guild=True, manage_messages=True)
            )
            members = {}
            for name in DEMO_MEMBERS:
                roles = [teachers] if name == "ms_rivera" else []
                members[name] = guild.add_member(env.create_user(name), roles=roles)
            await env.settle()
            await bot.get_channel(channel.id).send(WELCOME)
            viewers = list(members.values())
            async with env.preview(
                channel, viewers=viewers, layout="channel", port=port, timezone=local_zone_name()
            ) as preview:
                live = LiveSession(env, preview)
                live.start()
                try:
                    yield Playground(env, guild, channel, members, preview, live)
                finally:
                    await live.stop()
    finally:
        try:
            await env.shutdown()
        finally:
            await _close_database(bot)


async def _close_database(bot) -> None:
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
