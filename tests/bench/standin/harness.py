"""Drive bots through the stand-in and measure: latency as the member sees it, bot CPU per interaction.

A `Target` is one bot process with its own stand-in (the real bot, or the floor). `fire` sends
interactions on an open-loop schedule (a fixed rate, whatever the bot's backlog, as members click),
waits for every answer, and returns a `Batch`: latencies from the moment the INTERACTION_CREATE left
the gateway to the moment the member could see the answer (for a "thinking" defer, the followup),
and the process's CPU time over the batch minus its idle rate, divided by the interactions sent.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from tests.bench.standin import interactions as ix
from tests.bench.standin import payloads as p
from tests.bench.standin.process import BotProcess
from tests.bench.standin.server import StandIn

Maker = Callable[[int], tuple[dict, ix.Exchange]]


@dataclass
class Target:
    kind: str
    standin: StandIn
    proc: BotProcess
    ready_s: float = 0.0
    idle_cpu_per_s: float = 0.0

    @property
    def guilds(self) -> list[p.Guild]:
        return self.standin.guilds

    async def measure_idle(self, seconds: float = 2.0) -> float:
        before, start = self.proc.cpu_seconds(), time.perf_counter()
        await asyncio.sleep(seconds)
        self.idle_cpu_per_s = (self.proc.cpu_seconds() - before) / (time.perf_counter() - start)
        return self.idle_cpu_per_s

    async def send(self, made: tuple[dict, ix.Exchange]) -> ix.Exchange:
        return await self.standin.send(*made)

    async def ask(self, made: tuple[dict, ix.Exchange], within: float = 30.0) -> ix.Exchange:
        """Send one interaction and wait for its visible answer (raises when none came)."""
        exchange = await self.send(made)
        if not await exchange.wait(within):
            raise RuntimeError(
                f"{self.kind}: no answer to {exchange.name} (callback {exchange.callback_type}, "
                f"expired {exchange.expired})\n{self.proc.tail_log()}"
            )
        return exchange


async def launch(
    kind: str,
    guilds: int,
    workdir: Path,
    *,
    profile: Path | None = None,
    env: dict[str, str] | None = None,
    **standin_options,
) -> Target:
    """Start a stand-in with `guilds` servers and a bot process against it (`env`: its settings)."""
    standin = StandIn(guilds, **standin_options)
    await standin.start()
    proc = BotProcess(kind, standin, workdir, profile=profile, env=env)
    await proc.start()
    target = Target(kind, standin, proc)
    try:
        target.ready_s = await proc.wait_ready(within=180)
    except BaseException:
        await shutdown(target)
        raise
    return target


async def shutdown(target: Target) -> None:
    with contextlib.suppress(Exception):
        await target.proc.stop()
    await target.standin.stop()


@dataclass
class Batch:
    sent: int
    latencies_ms: list[float]  # answered ones only
    callback_ms: list[float]
    cpu_s: float  # net of the idle rate
    wall_s: float
    expired: int = 0  # callbacks that came after Discord's 3 seconds
    unanswered: int = 0
    rest_calls: float = 0.0  # per interaction
    harness_cpu_s: float = 0.0  # this process (stand-in + load generator) over the batch
    send_lag_ms: list[float] = field(default_factory=list)  # how late each event left vs its schedule
    refused: int = 0  # answered, but not with what `fire`'s `accepted` expects (e.g. a closed question)

    @property
    def failed(self) -> int:
        return self.sent - len(self.latencies_ms)

    def percentile(self, q: float) -> float:
        """Latency percentile with every unanswered interaction counted as infinitely late."""
        ordered = sorted(self.latencies_ms) + [math.inf] * self.failed
        if not ordered:
            return math.inf
        if q == 0.5:
            return statistics.median(ordered)
        return ordered[min(len(ordered) - 1, int(len(ordered) * q))]

    @property
    def p50(self) -> float:
        return self.percentile(0.5)

    @property
    def p99(self) -> float:
        return self.percentile(0.99)

    @property
    def cpu_ms_each(self) -> float:
        return self.cpu_s * 1000 / max(1, self.sent)

    @property
    def send_lag_p99(self) -> float:
        """How late (ms) the stand-in sent events against the schedule: when this is large, the
        harness (or the machine), not the bot, set the pace."""
        ordered = sorted(self.send_lag_ms)
        return ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))] if ordered else 0.0


async def fire(
    target: Target,
    make: Maker,
    count: int,
    rate: float,
    *,
    settle: float = 0.5,
    within: float = 30.0,
    accepted: Callable[[dict | list | None], bool] | None = None,
) -> Batch:
    """Send `count` interactions at `rate` per second (open loop) and wait for all of them.
    `accepted(reply)`: whether an answer is the one the batch means to measure (counted in `refused`)."""
    exchanges: list[ix.Exchange] = []
    lag: list[float] = []
    cpu0, own0, t0 = target.proc.cpu_seconds(), time.process_time(), time.perf_counter()
    for i in range(count):
        due = t0 + i / rate
        delay = due - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        exchanges.append(await target.send(make(i)))
        lag.append((exchanges[-1].sent_at - due) * 1000)
    end = time.perf_counter() + within
    for ex in exchanges:
        await ex.wait(max(0.01, end - time.perf_counter()))
    await asyncio.sleep(settle)  # work the bot does after answering (logs, counters) belongs to the batch
    wall = time.perf_counter() - t0
    cpu = target.proc.cpu_seconds() - cpu0 - target.idle_cpu_per_s * wall
    answered = [ex for ex in exchanges if ex.visible_at is not None]
    return Batch(
        sent=count,
        latencies_ms=[ex.latency_ms for ex in answered],
        callback_ms=[ex.callback_ms for ex in exchanges if ex.callback_at is not None],
        cpu_s=max(0.0, cpu),
        wall_s=wall,
        expired=sum(ex.expired for ex in exchanges),
        unanswered=sum(ex.visible_at is None and not ex.expired for ex in exchanges),
        rest_calls=statistics.fmean(ex.rest_calls for ex in exchanges) if exchanges else 0.0,
        harness_cpu_s=time.process_time() - own0,
        send_lag_ms=lag,
        refused=0 if accepted is None else sum(not accepted(ex.reply) for ex in answered),
    )


# ---------------------------------------------------------------------- building interactions


class Members:
    """Fresh member ids: one per quiz answer, review session or test (each answers once)."""

    def __init__(self, start: int = 2 * 10**17) -> None:
        self.next = start

    def __call__(self) -> int:
        self.next += 1
        return self.next


def spread(target: Target, i: int) -> tuple[p.Guild, int]:
    """The i-th interaction's server and channel: spread evenly over every server."""
    guild = target.guilds[(i * 7919) % len(target.guilds)]
    return guild, guild.text_channels[0]


def slash(target: Target, name: str, options: dict, *, members: Members, focused: str | None = None) -> Maker:
    def make(i: int):
        guild, channel = spread(target, i)
        opts = {k: (v[i % len(v)] if isinstance(v, list) else v) for k, v in options.items()}
        return target.standin.factory.command(
            name, opts, guild=guild, channel_id=channel, user_id=members(), focused=focused
        )

    return make


def moved(message: dict, guild: p.Guild, channel_id: int) -> dict:
    """The same message as if posted in another stand-in's channel (for the floor's clicks)."""
    return {**message, "channel_id": str(channel_id), "guild_id": str(guild.id)}


async def start_rounds(
    target: Target, count: int, *, channel_index: int, members: Members, within: float = 30
) -> list[tuple]:
    """Start a quiz round (50 multiple-choice questions, 120 s each) in `count` servers; returns
    (guild, channel, question message) per round, the message read from what the bot posted."""
    started = []
    for guild in target.guilds[:count]:
        channel = guild.text_channels[channel_index]
        options = {"questions": 50, "mode": "multiple_choice", "seconds": 120}
        made = target.standin.factory.command(
            "quiz", options, sub="start", guild=guild, channel_id=channel, user_id=members(), teacher=True
        )
        since = len(target.standin.channel_log)  # an earlier round's question in this channel is closed
        await target.ask(made)

        def is_question(action, message, channel=channel):
            ids = [b["custom_id"] for b in ix.buttons(message)]
            return (
                action == "POST" and message["channel_id"] == str(channel) and ids and ids[0].startswith("quiz:")
            )

        message = await target.standin.wait_channel_message(is_question, within=within, since=since)
        started.append((guild, channel, message))
    return started


async def stop_rounds(target: Target, rounds: list[tuple], members: Members) -> None:
    for guild, channel, _message in rounds:
        made = target.standin.factory.command(
            "quiz", {}, sub="stop", guild=guild, channel_id=channel, user_id=members(), teacher=True
        )
        await target.ask(made)


def locked_in(reply) -> bool:
    """A quiz click's reply that took the answer (not "closed", "already answered" ...)."""
    return isinstance(reply, dict) and str(reply.get("content", "")).startswith("🔒 Locked in")


def quiz_clicks(target: Target, rounds: list[tuple], members: Members) -> Maker:
    """Answer clicks spread over the rounds, each from a new member, on a random-looking option."""

    def make(i: int):
        guild, channel, message = rounds[i % len(rounds)]
        choices = [b["custom_id"] for b in ix.buttons(message)]
        custom_id = choices[(i * 31) % len(choices)]
        return target.standin.factory.click(message, custom_id, guild=guild, channel_id=channel, user_id=members())

    return make


def floor_clicks(floor: Target, messages: list[tuple[dict, str]], members: Members) -> Maker:
    """The same clicks (same message and custom_id) sent to the floor bot, in its own servers."""

    def make(i: int):
        message, custom_id = messages[i % len(messages)]
        guild, channel = spread(floor, i)
        return floor.standin.factory.click(
            moved(message, guild, channel), custom_id, guild=guild, channel_id=channel, user_id=members()
        )

    return make


async def prepare_clicks(target: Target, count: int, steps, *, concurrency: int = 8) -> list[tuple]:
    """Run `steps(i)` (an async function that leads member i up to a click and returns
    (guild, channel, user, message, custom_id)) for `count` members, a few at a time."""
    limit = asyncio.Semaphore(concurrency)

    async def one(i: int):
        async with limit:
            return await steps(i)

    return await asyncio.gather(*(one(i) for i in range(count)))


def clicks_of(target: Target, prepared: list[tuple]) -> Maker:
    def make(i: int):
        guild, channel, user, message, custom_id = prepared[i]
        return target.standin.factory.click(message, custom_id, guild=guild, channel_id=channel, user_id=user)

    return make


def button_ending(message: dict, suffix: str) -> str:
    for button in ix.buttons(message):
        if button["custom_id"].endswith(suffix):
            return button["custom_id"]
    raise LookupError(f"no button ending in {suffix!r} in {[b['custom_id'] for b in ix.buttons(message)]}")


def review_steps(target: Target, members: Members, rating: str = "4"):
    """/review -> Show answer -> (the click to measure) a rating."""

    async def steps(i: int):
        guild, channel = spread(target, i)
        user = members()
        factory = target.standin.factory
        front = await target.ask(factory.command("review", {}, guild=guild, channel_id=channel, user_id=user))
        show = button_ending(front.reply, ":s")
        back = await target.ask(factory.click(front.reply, show, guild=guild, channel_id=channel, user_id=user))
        message = target.standin.messages[int(back.reply["id"])]
        return guild, channel, user, message, button_ending(message, f":{rating}")

    return steps


def test_steps(target: Target, members: Members):
    """/test questions:5 mode:multiple_choice -> (the click to measure) answer A."""

    async def steps(i: int):
        guild, channel = spread(target, i)
        user = members()
        options = {"questions": 5, "mode": "multiple_choice"}
        first = await target.ask(
            target.standin.factory.command("test", options, guild=guild, channel_id=channel, user_id=user)
        )
        return guild, channel, user, first.reply, button_ending(first.reply, ":A")

    return steps
