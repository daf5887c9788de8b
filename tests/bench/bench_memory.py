"""Memory: RSS of the bot process with the built-in deck and 10,000 servers' settings.

The database gets 10,000 servers (time zone, daily term, 3 quiz schedules each, as in the scheduler
benchmark). A fresh process then starts the real bot without a gateway: `create_bot` and the same
set-up discord.py runs at login (`setup_hook`: deck, lookup index, database, migrations, every cog
and its loop). It then reads every server's settings the way the commands do (time zone, daily
term, quiz schedules, deck) and runs a tick's due queries at their real limits. RSS comes from
/proc (now and peak). discord.py's cache of the guilds themselves is not included: that comes with
a real gateway connection.

    python -m tests.bench.bench_memory DATABASE   # the measured process; prints JSON
"""

from __future__ import annotations

import asyncio
import json
import resource
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

from bot.storage.database import Database
from tests.bench.bench_scheduler import NOW, QUIZZES_PER_SERVER, _seed
from tests.bench.common import Row

SERVERS = 10_000
LIMIT_MB = 100


def rss_mb() -> dict[str, float]:
    """This process's resident set now and at its peak, in MB."""
    try:
        status = dict(line.split(":", 1) for line in Path("/proc/self/status").read_text().splitlines())
        return {"now": int(status["VmRSS"].split()[0]) / 1024, "peak": int(status["VmHWM"].split()[0]) / 1024}
    except OSError:  # not Linux: the peak is all there is (KiB on Linux, bytes on macOS)
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        peak = peak / 1024 / 1024 if sys.platform == "darwin" else peak / 1024
        return {"now": peak, "peak": peak}


async def measure(path: str) -> dict[str, object]:
    from bot.app import create_bot
    from bot.config import Settings

    result: dict[str, object] = {"imported": rss_mb()}
    started = time.perf_counter()
    bot = create_bot(Settings(token=None, database_path=Path(path)))
    await bot._async_setup_hook()  # what login() does first: the loop and the client's set-up
    await bot.setup_hook()
    result["set-up ms"] = (time.perf_counter() - started) * 1000
    result["set up"] = rss_mb()
    store = bot.get_cog("Scheduler").store
    later = NOW + timedelta(days=8)  # every schedule is due by then
    # The running bot: every server's settings read as /daily show, /schedule list and the
    # commands read them, and a tick with a full batch of due rows (the loop's own limits).
    tick = (await store.due_daily(later), await store.due_quiz_schedules(later))
    for guild_id in range(SERVERS):
        await store.get_timezone(guild_id)
        await store.get_daily(guild_id)
        await store.list_quiz_schedules(guild_id)
        await bot.decks.for_guild(guild_id)
    result["running"] = rss_mb()
    result["tick"] = [len(rows) for rows in tick]
    # Not something the bot does: every schedule row of every server in memory at once.
    held = (
        await store.due_daily(later, limit=SERVERS),
        await store.due_quiz_schedules(later, limit=QUIZZES_PER_SERVER * SERVERS),
    )
    result["all at once"] = rss_mb()
    result["held"] = [len(rows) for rows in held]
    await bot.close()
    return result


async def _prepare(path: Path) -> None:
    db = await Database.open(path)
    try:
        await db.migrate()
        await _seed(db, SERVERS)
    finally:
        await db.close()


def run(quick: bool = False) -> list[Row]:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bot.sqlite3"
        asyncio.run(_prepare(path))
        out = subprocess.run(
            [sys.executable, "-m", "tests.bench.bench_memory", str(path)],
            capture_output=True,
            text=True,
            cwd=Path(__file__).resolve().parents[2],
        )
    if out.returncode != 0:
        raise RuntimeError(f"the memory benchmark's bot process failed: {out.stderr}")
    figures = json.loads(out.stdout.splitlines()[-1])
    running, held = figures["running"], figures["held"]
    return [
        Row(
            "(internal) bot set-up without the gateway (create_bot + setup_hook: deck, index, database, cogs)",
            f"{figures['set-up ms']:.0f} ms",
        ),
        Row(
            "(internal) bot RSS after set-up, no gateway (no discord.py guild cache), 10,000 servers in the database",
            f"{figures['set up']['now']:.0f} MB (imports alone {figures['imported']['now']:.0f} MB)",
        ),
        Row(
            "(internal) bot RSS, no gateway (no discord.py guild cache), with 10,000 servers' settings read (each server's zone, daily term, "
            f"quiz schedules and deck; a tick of {sum(figures['tick']):,} due rows): now / peak",
            f"{running['now']:.0f} / {running['peak']:.0f} MB",
            f"<= {LIMIT_MB} MB",
            running["peak"] <= LIMIT_MB,
        ),
        Row(
            f"  (internal) worst case, not done by the bot: all {held[0]:,} daily terms and {held[1]:,} quiz schedules"
            " held at once",
            f"{figures['all at once']['now']:.0f} MB",
        ),
    ]


if __name__ == "__main__":
    print(json.dumps(asyncio.run(measure(sys.argv[1]))))
