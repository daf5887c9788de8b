"""Run a discord.py bot against the stand-in: python -m tests.bench.standin.launch {bot|floor}.

`bot` runs the real bot's own entry point, `bot.__main__.main(["run"])`, unchanged: the same settings
(DISCORD_TOKEN, DATABASE_PATH or DATABASE_URL, SHARD_COUNT, SHARD_IDS, LOG_LEVEL from the
environment), logging, cogs and database. `floor`
runs the minimal bot of floor_bot.py. Before either starts, discord.py is pointed at the stand-in
(BENCH_STANDIN_URL) through the two places discord.py 2.7.1 takes Discord's address from:
`discord.http.Route.BASE` (every REST call, interaction callbacks and followups included, builds its
URL from it) and `DiscordWebSocket.DEFAULT_GATEWAY` (a plain Client, or the sharded bot given
SHARD_COUNT, connects there; the sharded bot without SHARD_COUNT asks GET /gateway/bot, which the
stand-in answers with its own address; READY's resume_gateway_url points at the stand-in too).

The only addition to the bot process: one line "BENCH-READY <CLOCK_MONOTONIC seconds>" on stdout when
discord.py dispatches on_ready, so the harness can time start -> ready. With BENCH_PROFILE=FILE the
process runs under cProfile and writes FILE when it stops (SIGINT).
"""

from __future__ import annotations

import os
import sys
import time


def point_discord_at(url: str) -> None:
    import yarl
    from discord.gateway import DiscordWebSocket
    from discord.http import Route

    Route.BASE = f"{url}/api/v10"
    DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(url.replace("http://", "ws://", 1) + "/gateway/")


def say_ready() -> None:
    sys.stdout.write(f"BENCH-READY {time.monotonic():.6f}\n")
    sys.stdout.flush()


def _run_bot() -> int:
    import bot.app
    from bot.__main__ import main

    create = bot.app.create_bot

    def create_and_watch(*args, **kwargs):
        client = create(*args, **kwargs)

        async def on_ready() -> None:
            say_ready()

        client.add_listener(on_ready, "on_ready")
        return client

    bot.app.create_bot = create_and_watch  # cmd_run imports it from bot.app when it runs
    return main(["run"])


def _run_floor() -> int:
    from tests.bench.standin.floor_bot import run

    return run(os.environ["DISCORD_TOKEN"], on_ready=say_ready)


def main(argv: list[str]) -> int:
    kind = argv[0] if argv else "bot"
    point_discord_at(os.environ["BENCH_STANDIN_URL"])
    run = {"bot": _run_bot, "floor": _run_floor}[kind]
    profile_to = os.environ.get("BENCH_PROFILE")
    if not profile_to:
        return run()
    import cProfile

    profiler = cProfile.Profile()
    try:
        return profiler.runcall(run)
    finally:
        profiler.dump_stats(profile_to)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
