"""Fan-out at Discord's limit: the real bot process posts K daily terms due at one minute (and a
few class-quiz notices due at the same minute), against the stand-in enforcing a global limit of
R requests per second (429 with `retry_after` and `"global": true` beyond it, over any sliding
second: stricter than a fixed window).

Reported: T / (K / R), where T runs from the minute to the last post's arrival (K / R is the
least time the limit allows), the 429s the stand-in answered, and how late after their minute
the class-quiz notices arrived. The servers' schedules are written before the bot starts, for a
whole minute far enough ahead that the bot is connected by then; the bench waits for it.
"""

from __future__ import annotations

import asyncio
import statistics
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.core.schedule import EVERY_DAY
from bot.storage.database import Database
from bot.storage.schedules import ScheduleStore
from tests.bench.common import Row
from tests.bench.standin.process import BotProcess
from tests.bench.standin.server import StandIn

RATE = 50  # requests/s: Discord's global limit for one bot token
NOTICES = 20
TARGET_RATIO = 1.15
NOTICE_TARGET = 5.0  # seconds after their minute
NOTICE = "Quiz starts in 1 minute"


async def prefill(path: Path, standin: StandIn, at: datetime, notices: int) -> None:
    """Every server's daily term (in #class) at `at`; the first `notices` servers' class quiz too."""
    db = await Database.open(path)
    try:
        await db.migrate()
        store, now = ScheduleStore(db), datetime.now(UTC)
        for guild in standin.guilds:
            await store.set_daily(guild.id, guild.text_channels[1], at.time(), None, now)
        for guild in standin.guilds[:notices]:
            await store.add_quiz_schedule(
                guild.id, guild.text_channels[2], EVERY_DAY, at.time(), questions=5, topic=None,
                mode="multiple_choice", seconds=20, created_by=guild.owner_id, now=now,
            )  # fmt: skip
    finally:
        await db.close()


def _posts(standin: StandIn, channels: set[str], text: str = "") -> list[float]:
    """When each message posted in `channels` (with `text` in its content) was created (epoch seconds).
    The quizzes' own messages (questions, a minute after their notice) are not counted: K is the
    due items."""
    return [
        standin.posted_at[int(m["id"])]
        for action, m in standin.channel_log
        if action == "POST" and m["channel_id"] in channels and text in (m.get("content") or "")
    ]


async def once(servers: int, workdir: Path) -> dict[str, float]:
    standin = StandIn(servers, global_limit=RATE)
    await standin.start()
    lead = 30 + servers / 100  # start-up and READY with every server, on a busy machine
    at = (datetime.now(UTC) + timedelta(seconds=lead)).replace(second=0, microsecond=0) + timedelta(minutes=1)
    workdir.mkdir(parents=True, exist_ok=True)  # noqa: ASYNC240 (once, before anything runs)
    await prefill(workdir / "bot.sqlite3", standin, at, NOTICES)
    proc = BotProcess("bot", standin, workdir)
    daily = {str(g.text_channels[1]) for g in standin.guilds}
    quiz = {str(g.text_channels[2]) for g in standin.guilds[:NOTICES]}
    try:
        await proc.start()
        await proc.wait_ready(within=300)
        if datetime.now(UTC) >= at:
            raise RuntimeError("the bot was not connected before the minute; raise the lead")
        deadline = at.timestamp() + servers / RATE * 4 + 120
        while len(_posts(standin, daily)) < servers or len(_posts(standin, quiz, NOTICE)) < NOTICES:
            if datetime.now(UTC).timestamp() > deadline:
                raise RuntimeError(f"posts missing after the deadline\n{proc.tail_log()}")
            await asyncio.sleep(0.5)
        await asyncio.sleep(1)  # a stray extra post would arrive now
    finally:
        await proc.stop()
        await standin.stop()
    terms, notices = _posts(standin, daily), _posts(standin, quiz, NOTICE)
    minute = at.timestamp()
    took = max(terms + notices) - minute
    return {
        "posts": len(terms) + len(notices),
        "took": took,
        "ratio": took / ((servers + NOTICES) / RATE),
        "refused": standin.global_429s + standin.limits.hits_429,
        "notice_worst": max(notices) - minute,
        "notice_median": statistics.median(notices) - minute,
        "extra": len(terms) - servers,
        "first": min(terms + notices) - minute,
    }


async def main(quick: bool) -> list[Row]:
    servers = 500 if quick else 2000
    with tempfile.TemporaryDirectory(prefix="bench-fanout-") as tmp:
        got = await once(servers, Path(tmp))
    k = servers + NOTICES
    return [
        Row(
            f"fan-out: {servers:,} daily terms + {NOTICES} class-quiz notices due at one minute, stand-in "
            f"enforcing {RATE} requests/s: T / (K / R) (K = {k:,}, R = {RATE})",
            f"{got['ratio']:.3f} ({got['took']:.1f} s for {got['posts']:,} posts, least possible "
            f"{k / RATE:.1f} s; {got['refused']} 429s; {got['extra']} posted twice)",
            f"<= {TARGET_RATIO}, 0 429s",
            got["ratio"] <= TARGET_RATIO and got["refused"] == 0 and got["extra"] == 0,
        ),
        Row(
            "  class-quiz notices after their minute, during that fan-out: median / worst",
            f"{got['notice_median']:.2f} / {got['notice_worst']:.2f} s",
            f"<= {NOTICE_TARGET:.0f} s",
            got["notice_worst"] <= NOTICE_TARGET,
        ),
    ]


def run(quick: bool = False) -> list[Row]:
    return asyncio.run(main(quick))
