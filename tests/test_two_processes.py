"""Two bot processes, shard 0 and shard 1 of 2, on one PostgreSQL database, through the local Discord
stand-in over real sockets (tests/bench/standin): four class servers, two on each shard, each with a
daily term and a scheduled class quiz at the same minute.

Each server gets exactly one daily term, one "Quiz starts in 1 minute" notice and its quiz round,
all from the process that runs its shard (each process talks to the stand-in through its own port,
so the stand-in knows who sent what). Then shard 1's process restarts in the middle of the rounds:
it closes and marks its own servers' rounds as interrupted, while shard 0's rounds play on to
their end, untouched, and nothing is posted twice.

Real time is real here (two real processes): the schedules are set a minute or so ahead, and the
test waits for them, about three minutes in all. The limits below only decide whether something
arrived at all; nothing is timed.
"""

from __future__ import annotations

import asyncio
import contextlib
import time as clock
from datetime import UTC, datetime, timedelta

from bot.core.schedule import EVERY_DAY
from bot.storage.postgres import PostgresDatabase
from bot.storage.schedules import ScheduleStore
from tests.bench.standin import interactions as ix
from tests.bench.standin.process import BotProcess
from tests.bench.standin.server import StandIn

LEAD = 45  # seconds at least between now and the schedules' minute: both processes start meanwhile
ARRIVES = 150.0  # seconds: generous, for a busy 2-core machine


def whole_minute_after(moment: datetime, seconds: int) -> datetime:
    later = moment + timedelta(seconds=seconds)
    return later.replace(second=0, microsecond=0) + timedelta(minutes=1)


async def schedule_everything(url: str, standin: StandIn, at: datetime) -> None:
    """Each server's teacher set a daily term (in #class) and a daily class quiz (in #quiz) at `at`."""
    db = await PostgresDatabase.open(url, max_size=2)
    try:
        store, now = ScheduleStore(db), datetime.now(UTC)
        for guild in standin.guilds:
            await store.set_daily(guild.id, guild.text_channels[1], at.time(), None, now)
            await store.add_quiz_schedule(
                guild.id, guild.text_channels[2], EVERY_DAY, at.time(), questions=2, topic=None,
                mode="multiple_choice", seconds=10, created_by=guild.owner_id, now=now,
            )  # fmt: skip
    finally:
        await db.close()


def is_term(channel: int):
    return lambda action, m: (
        action == "POST" and m["channel_id"] == str(channel) and m["embeds"]
        and m["embeds"][0].get("author", {}).get("name") == "Term of the day"
    )  # fmt: skip


def is_notice(channel: int):
    return lambda action, m: (
        action == "POST" and m["channel_id"] == str(channel) and "Quiz starts in 1" in m["content"]
    )


def is_question(channel: int, number: int = 1):
    def check(action, m):
        buttons = [b["custom_id"] for b in ix.buttons(m)]
        return (
            action == "POST" and m["channel_id"] == str(channel) and bool(buttons)
            and buttons[0].startswith("quiz:") and buttons[0].split(":")[2] == str(number)
        )  # fmt: skip

    return check


def is_podium(channel: int):
    return lambda action, m: (
        action == "POST" and m["channel_id"] == str(channel) and m["embeds"]
        and m["embeds"][0].get("title") in ("Quiz ended", "🏆 Quiz complete!", "Quiz stopped")
    )  # fmt: skip


async def rounds_posted(url: str, guild_ids: list[int], within: float) -> None:
    """Wait until each of these servers' active round has stored its question message."""
    db = await PostgresDatabase.open(url, max_size=1)
    marks = ", ".join("?" for _ in guild_ids)
    sql = f"SELECT COUNT(*) FROM quiz_rounds WHERE status = 'active' AND message_id IS NOT NULL AND guild_id IN ({marks})"
    try:
        deadline = clock.monotonic() + within
        while (await db.fetchone(sql, tuple(guild_ids)))[0] < len(guild_ids):
            if clock.monotonic() > deadline:
                raise TimeoutError(f"the rounds of {guild_ids} did not store their question")
            await asyncio.sleep(0.2)
    finally:
        await db.close()


async def all_of(standin: StandIn, predicates, within: float) -> list[dict]:
    return await asyncio.gather(*(standin.wait_channel_message(p, within) for p in predicates))


def posts_in(standin: StandIn, channel: int, predicate) -> list[dict]:
    return [m for action, m in standin.channel_log if predicate(action, m) and m["channel_id"] == str(channel)]


async def test_two_processes_post_each_server_once_and_a_restart_disturbs_only_its_own(pg_databases, tmp_path):
    url = pg_databases.create()
    standin = StandIn(4, shards=2)
    await standin.start()
    doors = [standin.url, await standin.open_door()]
    shard_of = {g.id: (g.id >> 22) % 2 for g in standin.guilds}
    assert sorted(shard_of.values()) == [0, 0, 1, 1]
    at = whole_minute_after(datetime.now(UTC), LEAD)
    await schedule_everything(url, standin, at)
    processes = []
    for shard in (0, 1):
        env = {"DATABASE_URL": url, "SHARD_COUNT": "2", "SHARD_IDS": str(shard), "LOG_LEVEL": "INFO"}
        processes.append(BotProcess("bot", standin, tmp_path, url=doors[shard], name=f"shard{shard}", env=env))
    try:
        await asyncio.gather(*(p.start() for p in processes))
        await asyncio.gather(*(p.wait_ready(within=ARRIVES) for p in processes))
        assert standin.streamed_shards == {(0, 2), (1, 2)}

        # The minute comes: every server's daily term and quiz notice, then a minute later the rounds.
        until_minute = (at - datetime.now(UTC)).total_seconds()
        guilds = standin.guilds
        await all_of(standin, [is_term(g.text_channels[1]) for g in guilds], until_minute + ARRIVES)
        await all_of(standin, [is_notice(g.text_channels[2]) for g in guilds], ARRIVES)
        questions = await all_of(standin, [is_question(g.text_channels[2]) for g in guilds], 60 + ARRIVES)

        # Shard 1's process restarts while every round is on its first question: once its rounds
        # have stored their question message (the stand-in sees the POST a moment before that).
        await rounds_posted(url, [g.id for g in guilds if shard_of[g.id] == 1], ARRIVES)
        await processes[1].stop()
        restarted_at = clock.time()
        await processes[1].start()
        await processes[1].wait_ready(within=ARRIVES)

        def interrupted(question):  # the round's question message, whichever it is by then
            return lambda action, m: (
                action == "PATCH" and m["channel_id"] == question["channel_id"]
                and "interrupted because the bot restarted" in m["content"]
            )  # fmt: skip

        mine = [(g, q) for g, q in zip(guilds, questions, strict=True) if shard_of[g.id] == 1]
        theirs = [(g, q) for g, q in zip(guilds, questions, strict=True) if shard_of[g.id] == 0]
        await all_of(standin, [interrupted(q) for _g, q in mine], ARRIVES)
        # Shard 0's rounds play on: the second question, then the end (nobody answers: two silent
        # questions end a round).
        await all_of(standin, [is_question(g.text_channels[2], 2) for g, _q in theirs], ARRIVES)
        await all_of(standin, [is_podium(g.text_channels[2]) for g, _q in theirs], ARRIVES)
        await asyncio.sleep(2)  # anything late (a stray second post) would arrive now
    finally:
        for process in processes:
            with contextlib.suppress(Exception):
                await process.stop()
        await standin.stop()

    logs = "\n\n".join(f"{p.name}:\n{p.tail_log(30)}" for p in processes)
    for guild in guilds:
        daily, quiz = guild.text_channels[1], guild.text_channels[2]
        door = doors[shard_of[guild.id]]
        assert len(posts_in(standin, daily, is_term(daily))) == 1, logs
        assert len(posts_in(standin, quiz, is_notice(quiz))) == 1, logs
        assert len(posts_in(standin, quiz, is_question(quiz))) == 1, logs
        # Everything the bot did in this server's channels came from its own process.
        touched = [
            (method, path, via)
            for _at, method, path, via in standin.rest_log
            if any(path.startswith(f"/channels/{c}") for c in guild.text_channels)
        ]
        assert touched and {via for _m, _p, via in touched} == {door}, (guild.id, touched)

    for _guild, question in theirs:
        edits = [m for action, m in standin.channel_log if action == "PATCH" and m["id"] == question["id"]]
        assert edits and all("interrupted" not in m["content"] for m in edits), "shard 0's rounds ran on"
    # Nothing of shard 0's servers was touched by anyone after the restart except shard 0's process.
    their_channels = {f"/channels/{c}" for g, _q in theirs for c in g.text_channels}
    restarted = [path for at_, _m, path, via in standin.rest_log if at_ >= restarted_at and via == doors[1]]
    assert not [path for path in restarted if any(path.startswith(c) for c in their_channels)]

    db = await PostgresDatabase.open(url, max_size=1)
    try:
        rounds = {r[0]: r[1] for r in await db.fetchall("SELECT guild_id, status FROM quiz_rounds")}
        sent = await db.fetchall("SELECT guild_id, status FROM daily_posts")
    finally:
        await db.close()
    assert {g.id: rounds[g.id] for g, _q in mine} == {g.id: "interrupted" for g, _q in mine}
    assert {g.id: rounds[g.id] for g, _q in theirs} == {g.id: "abandoned" for g, _q in theirs}
    assert sorted(sent) == sorted((g.id, "sent") for g in guilds)
    pg_databases.drop(url)
