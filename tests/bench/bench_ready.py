"""Start -> ready and memory over sockets: the real `python -m bot` process and the floor bot, each
connecting to the stand-in with N servers (READY, then N GUILD_CREATEs with channels and roles).

The gateway target (issue 12): one shard holds at most 2,500 servers (Discord closes a bigger one),
so the RSS one process needs per server, from 100 to 2,500, must keep a shard of 2,500 under
SHARD_MB."""

from __future__ import annotations

import asyncio
import statistics
import tempfile
from pathlib import Path

from tests.bench.common import Row
from tests.bench.standin import harness as h

SIZES = (100, 1000, 2500)
SHARD_SERVERS = 2500  # Discord's most servers on one shard
SHARD_MB = 200.0


async def once(kind: str, servers: int, workdir: Path) -> dict[str, float]:
    target = await h.launch(kind, servers, workdir)
    try:
        await asyncio.sleep(0.5)  # let the last GUILD_CREATE's objects settle before reading memory
        rss, peak = target.proc.memory_mb()
        line = target.standin.timeline
        start = target.proc.started_at
        return {
            "ready": target.ready_s,
            "identify": line["identify"] - start,
            "streamed": line["guilds_sent"] - line["identify"],
            "after": target.proc.ready_at - line["guilds_sent"],
            "rss": rss,
            "peak": peak,
        }
    finally:
        await h.shutdown(target)


def _median(runs: list[dict[str, float]], key: str) -> float:
    return statistics.median(r[key] for r in runs)


def _spread(runs: list[dict[str, float]], key: str) -> str:
    values = sorted(r[key] for r in runs)
    return f" (runs {values[0]:.1f}-{values[-1]:.1f})" if len(values) > 1 else ""


async def main(quick: bool) -> list[Row]:
    repeats = 1 if quick else 3
    rows = []
    rss: dict[int, float] = {}
    with tempfile.TemporaryDirectory(prefix="bench-ready-") as tmp:
        for servers in SIZES:
            got: dict[str, list[dict[str, float]]] = {"bot": [], "floor": []}
            for i in range(repeats):
                for kind in ("bot", "floor"):  # one at a time: start-up is CPU-bound
                    got[kind].append(await once(kind, servers, Path(tmp) / f"{kind}-{servers}-{i}"))
            b, f = got["bot"], got["floor"]
            rss[servers] = _median(b, "rss")
            rows.append(
                Row(
                    f"start -> ready, {servers:,} servers: spawn of the process to discord.py's on_ready "
                    "(includes discord.py's fixed 2 s wait after the last GUILD_CREATE): bot / floor, median",
                    f"{_median(b, 'ready'):.1f}{_spread(b, 'ready')} / {_median(f, 'ready'):.1f} s; bot: "
                    f"{_median(b, 'identify'):.1f} s to IDENTIFY (imports, set-up, login), "
                    f"{_median(b, 'streamed'):.1f} s READY + GUILD_CREATEs, {_median(b, 'after'):.1f} s after the "
                    f"last one (floor {_median(f, 'identify'):.1f} / {_median(f, 'streamed'):.1f} / "
                    f"{_median(f, 'after'):.1f} s)",
                )
            )
            rows.append(
                Row(
                    f"RSS after ready, {servers:,} servers (discord.py's guild cache included): bot / floor",
                    f"{_median(b, 'rss'):.0f} / {_median(f, 'rss'):.0f} MB (peak {_median(b, 'peak'):.0f} / "
                    f"{_median(f, 'peak'):.0f} MB)",
                )
            )
    rows.append(_per_server(rss))
    return rows


def _per_server(rss: dict[int, float]) -> Row:
    """RSS growth per server between the smallest and largest size, and what a full shard needs."""
    small, large = min(rss), max(rss)
    per_server = (rss[large] - rss[small]) / (large - small)
    shard = rss[small] + per_server * (SHARD_SERVERS - small)
    return Row(
        f"bot RSS growth per server ({small:,} -> {large:,} servers) and one full shard's RSS "
        f"({SHARD_SERVERS:,} servers, from that growth)",
        f"{per_server * 1024:.1f} KB per server; {shard:.0f} MB per shard",
        f"shard < {SHARD_MB:.0f} MB",
        shard < SHARD_MB and rss[large] < SHARD_MB,
    )


def run(quick: bool = False) -> list[Row]:
    return asyncio.run(main(quick))
