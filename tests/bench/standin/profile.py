"""Where a bot's CPU goes per interaction: python -m tests.bench.standin.profile [KIND ...] [--floor].

KIND is define, autocomplete, click (a quiz answer), review (a rating) or test (a /test answer). The
real bot process (or, with --floor, the floor bot) runs against the stand-in; after a warm-up, py-spy
samples it (all threads, without pausing it) while N interactions of that kind run at a steady rate.
Printed: the share of samples inside named parts of the path (inclusive), and the self time per
package. Needs py-spy (`pip install py-spy`; not a dependency of the project).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import re
import shutil
import signal
import subprocess
import tempfile
from collections import Counter
from pathlib import Path

from tests.bench.bench_interactions import queries
from tests.bench.standin import harness as h

# py-spy's raw samples: "Class.method (package/file.py:line);..." from the root to the leaf, then a count.
# Each sample goes to the FIRST part below that one of its frames matches (so the parts add up to 100%):
# the REST calls first (everything under them, aiohttp and JSON included), then the bot's own work,
# then the receiving side.
PARTS = (
    (
        "REST: the interaction's first response (send_message / defer / edit_message / autocomplete)",
        r"^InteractionResponse\.(send_message|defer|edit_message|autocomplete|send_modal) \(",
    ),
    (
        "REST: followup after a defer (Webhook.send, edit_original_response)",
        r"^(Webhook\.send|WebhookMessage\.edit|Interaction\.edit_original_response|InteractionMessage\.edit) \(",
    ),
    (
        "REST: channel messages (quiz answer-count edits, posts)",
        r"^(Message\.edit|PartialMessage\.edit|Messageable\.send) \(",
    ),
    ("bot: storage (SQL in aiosqlite's thread, bot/storage)", r"\((aiosqlite/|bot/storage/)"),
    ("bot: logging", r"\(logging/"),
    ("bot: lookup (TermIndex)", r"\(bot/core/lookup"),
    ("bot: embeds and views it builds (bot/ui)", r"^(?!\w+\.(callback|from_custom_id) )\S+ \(bot/ui/"),
    ("bot: its other code (cogs, core, StudyTree._call)", r"\((bot/(cogs|core|app|decks|permissions)|content/)"),
    (
        "discord.py: read + parse gateway events (zlib, JSON, Interaction, the clicked message)",
        r"^DiscordWebSocket\.(received_message|poll_event) \(",
    ),
    (
        "discord.py: button dispatch (ViewStore, DynamicItem)",
        r"^(ViewStore|BaseView|View|DynamicItem)\.\S+ \(discord/ui/",
    ),
    ("discord.py: app command dispatch (CommandTree, transforms)", r"\(discord/app_commands/"),
    ("aiohttp outside a request: reading sockets, parsing HTTP answers and websocket frames", r"\(aiohttp/"),
)
LOOP = "asyncio event loop itself (select, task scheduling)"

# Inclusive lines worth knowing on their own (overlapping the parts above).
NOTABLE = (
    ("JSON decode (events, REST answers)", r"^(loads|JSONDecoder\.\w+) \(json/"),
    ("JSON encode (REST payloads)", r"^(dumps|JSONEncoder\.\w+) \(json/"),
    ("zlib decompress of gateway events", r"_ZlibDecompressionContext\.decompress"),
    ("discord.py parses the clicked message (Message, components)", r"^Message\.__init__ \(discord/message"),
    ("discord.py builds the Interaction", r"^Interaction\._from_data \("),
    ("Route(): URL-quoting the 200-character interaction token", r"^Route\.__init__ \("),
    ("aiohttp opens a new TCP connection (pool had none free)", r"^TCPConnector\._create_connection \("),
    ("aiohttp client request + response (all)", r"^ClientSession\._request \("),
    ("logging (all)", r"\(logging/"),
)


async def scenario(target: h.Target, kind: str, count: int, members: h.Members, rate: float = 100):
    """Warm up, then return an async function that fires `count` interactions of `kind`."""
    full, partial = queries()
    if kind in ("define", "autocomplete"):
        focused = "term" if kind == "autocomplete" else None
        make = h.slash(target, "define", {"term": partial if focused else full}, members=members, focused=focused)
        await h.fire(target, make, 60, 100)
        return lambda: h.fire(target, make, count, rate)
    if kind == "click" and target.kind == "bot":
        rounds = await h.start_rounds(target, min(20, len(target.guilds)), channel_index=1, members=members)
        make = h.quiz_clicks(target, rounds, members)
        await h.fire(target, make, 60, 100)
        return lambda: h.fire(target, make, count, rate, settle=2.5, within=60)
    if target.kind == "floor":
        message = {"id": "1", "channel_id": "1", "content": "", "embeds": [], "flags": 0, "type": 0}
        button = {"type": 2, "style": 1, "label": "A", "custom_id": "quiz:1:1:A"}
        message.update(components=[{"type": 1, "components": [button]}], author=target.standin.bot_user)
        message.update(attachments=[], timestamp="2026-01-01T00:00:00+00:00")
        make = h.floor_clicks(target, [(message, "quiz:1:1:A")], members)
        await h.fire(target, make, 60, 100)
        return lambda: h.fire(target, make, count, rate, within=60)
    steps = h.review_steps(target, members) if kind == "review" else h.test_steps(target, members)
    prepared = await h.prepare_clicks(target, count + 20, steps)
    await h.fire(target, h.clicks_of(target, prepared[:20]), 20, 50)
    return lambda: h.fire(target, h.clicks_of(target, prepared[20:]), count, min(rate, 50))


def analyse(raw: Path) -> tuple[int, Counter, Counter]:
    """(samples, samples per part, samples per notable line) from py-spy's raw output."""
    parts, notable, total = Counter(), Counter(), 0
    part_rx = [(name, re.compile(rx)) for name, rx in PARTS]
    notable_rx = [(name, re.compile(rx)) for name, rx in NOTABLE]
    for line in raw.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack or not count.isdigit():
            continue
        n = int(count)
        total += n
        frames = stack.split(";")
        part = next((name for name, rx in part_rx if any(rx.search(f) for f in frames)), None)
        if part is None:  # every stack has asyncio at its root: only a leaf there is the loop's own work
            part = LOOP if re.search(r"\((asyncio|selectors)", frames[-1]) else "other"
        parts[part] += n
        for name, rx in notable_rx:
            if any(rx.search(f) for f in frames):
                notable[name] += n
    return total, parts, notable


async def profile(kind: str, target_kind: str, servers: int, count: int, rate: float, keep: Path | None) -> None:
    with tempfile.TemporaryDirectory(prefix="bench-profile-") as tmp:
        target = await h.launch(target_kind, servers, Path(tmp) / target_kind)
        try:
            await target.measure_idle(1.0)
            go = await scenario(target, kind, count, h.Members(), rate)
            raw = Path(tmp) / "samples.txt"
            command = ["py-spy", "record", "--pid", str(target.proc.pid), "--rate", "400", "--nonblocking"]
            spy = subprocess.Popen(  # noqa: ASYNC220 (starts at once; it samples the bot in the background)
                [*command, "--format", "raw", "--output", str(raw)],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            await asyncio.sleep(1.0)  # py-spy attaches
            user0, system0 = target.proc.user_system_seconds()
            batch = await go()
            user1, system1 = target.proc.user_system_seconds()
            spy.send_signal(signal.SIGINT)
            with contextlib.suppress(subprocess.TimeoutExpired):
                spy.wait(30)
        finally:
            await h.shutdown(target)
        total, parts, notable = analyse(raw)
        if keep is not None:
            shutil.copy(raw, keep / f"{target_kind}-{kind}.txt")
    print(f"\n## {target_kind}: {count} x {kind} at {rate:g}/s, {servers} servers")
    print(
        f"CPU {batch.cpu_ms_each:.2f} ms per interaction, p50 {batch.p50:.1f} / p99 {batch.p99:.1f} ms, "
        f"{batch.rest_calls:.1f} REST calls each; {total} samples"
    )
    user, system = user1 - user0, system1 - system0
    if user + system:
        print(f"user / system (kernel) time: {user / (user + system):.0%} / {system / (user + system):.0%}")
    print("where it goes (each sample counted once; ms = share x CPU per interaction):")
    for name, n in parts.most_common():
        print(f"  {n / total:6.1%}  {batch.cpu_ms_each * n / total:.3f} ms  {name}")
    print("inclusive, overlapping the above:")
    for name, n in notable.most_common():
        print(f"  {n / total:6.1%}  {batch.cpu_ms_each * n / total:.3f} ms  {name}")


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m tests.bench.standin.profile")
    parser.add_argument("kinds", nargs="*", default=["define", "click"])
    parser.add_argument("--floor", action="store_true", help="profile the floor bot instead")
    parser.add_argument("--servers", type=int, default=100)
    parser.add_argument("--count", type=int, default=800)
    parser.add_argument(
        "--rate", type=float, default=100, help="interactions per second (private clicks: at most 50)"
    )
    parser.add_argument("--keep", type=Path, help="a folder to keep py-spy's raw samples in")
    args = parser.parse_args()
    if shutil.which("py-spy") is None:
        raise SystemExit("py-spy is not installed: pip install py-spy")
    for kind in args.kinds:
        asyncio.run(
            profile(kind, "floor" if args.floor else "bot", args.servers, args.count, args.rate, args.keep)
        )


if __name__ == "__main__":
    main()
