"""The database goes away while the bot runs and comes back: the bot gets going again by itself
(no restart, no operator), and nothing a member was told is lost.

PostgreSQL: the test server is really stopped and started again (`pg_ctl stop -m fast`, then
`start`), so every connection in the bot's pool dies and new ones are refused until it is back:
a server restart or failover, as an operator would do for an upgrade. With a server of your own
(TEST_DATABASE_URL) the relay in front of the bot is cut instead. SQLite: another process holds
the write lock for the same time (a backup tool, a stuck script)."""

from __future__ import annotations

import logging
import shlex
import sqlite3
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

from bot.ui.review import rating_label
from tests import pg_server
from tests.e2e.helpers import rows
from tests.e2e.test_daily import advance_to, posts, set_daily
from tests.e2e.test_quiz import button, question_of, runner_of, start
from tests.e2e.test_storage_faults import BUSY, short_busy_timeout


def _restart_parts(server: pg_server.PgServer) -> tuple[list[str], list[str]]:
    """The pg_ctl commands that stop the test server and start it again with the options it
    runs with now (postgres writes them to postmaster.opts)."""
    data = server.folder / "data"
    pg_ctl = str(server.bin_dir / "pg_ctl")
    args = shlex.split((data / "postmaster.opts").read_text())[1:]  # without the binary
    i = args.index("-D")
    options = shlex.join(args[:i] + args[i + 2 :])
    stop = [pg_ctl, "-D", str(data), "stop", "-m", "fast", "-w"]
    begin = [pg_ctl, "-D", str(data), "-o", options, "-l", str(server.folder / "log"), "-w", "start"]
    return stop, begin


@contextmanager
def outage(world, request):
    """The bot's storage is unusable inside the block, and back when it ends."""
    url = world.bot.settings.database_url
    if url is None:
        blocker = sqlite3.connect(world.bot.settings.database_path, isolation_level=None)
        blocker.execute("BEGIN IMMEDIATE")
        try:
            yield
        finally:
            blocker.execute("ROLLBACK")
            blocker.close()
        return
    server = request.getfixturevalue("pg_databases").server
    if server.folder is None:
        proxy = pg_server.PROXIES[url]
        proxy.cut()
        try:
            yield
        finally:
            proxy.restore()
        return
    stop, begin = _restart_parts(server)
    server._as_user(stop)
    try:
        yield
    finally:
        server._as_user(begin)


async def test_after_an_outage_the_bot_carries_on_by_itself_and_keeps_what_it_confirmed(world, request, caplog):
    caplog.set_level(logging.ERROR)
    await short_busy_timeout(world)
    alice, bob, carol = world.alice, world.bob, world.carol
    await set_daily(world, time="00:20")
    await start(world, questions=2, mode="multiple_choice", seconds=60)
    first, q = world.channel.last_message, question_of(world)
    for member in (alice, bob):
        told = await member.click(first, custom_id=button(world, q.answer))
        assert "Locked in" in told.response.content
    review = (await alice.slash(world.channel, "review")).response
    await alice.click(review, label="Show answer")
    await alice.click(review, label=rating_label(4))
    assert review.content.startswith("Rated **4**")
    await alice.click(review, label="Show answer")

    with outage(world, request):
        refused = await carol.click(first, custom_id=button(world, q.answer))
        assert refused.ephemeral and BUSY in refused.response.content
        again = await alice.click(review, label=rating_label(5))
        assert again.ephemeral and BUSY in again.response.content

    # Back: the very next clicks work, on the same bot (its connections are new ones).
    assert "Locked in" in (await carol.click(first, custom_id=button(world, q.answer))).response.content
    await alice.click(review, label=rating_label(5))
    assert review.content.startswith("Rated **5**")
    await world.env.advance_time(61)
    second = world.channel.last_message
    assert second.embeds[0].title.startswith("Question 2/2")
    await alice.click(second, custom_id=button(world, question_of(world).answer))
    await world.env.advance_time(61)
    assert runner_of(world) is None
    assert rows(world, "SELECT COUNT(*) FROM quiz_answers WHERE question_no = 1") == [(3,)]
    assert rows(world, "SELECT raw_rating FROM study_reviews WHERE user_id = ? ORDER BY id", (alice.id,)) == [
        (4,),
        (5,),
    ]
    board = (await bob.slash(world.channel, "leaderboard")).response.embeds[0].description
    assert all(f"<@{member.id}>" in board for member in (alice, bob, carol)), board
    assert "round 1 failed" not in caplog.text, "the round went on through the outage"

    # The scheduler's ticks fail while the storage is away (the daily term falls due then) and the
    # next tick after it is back posts the term, once.
    assert not posts(world)
    with outage(world, request):
        await advance_to(world, datetime(2026, 1, 1, 0, 20, 40, tzinfo=UTC))
        assert not posts(world)
    await world.env.advance_time(60)
    assert len(posts(world)) == 1
    await advance_to(world, world.env.now() + timedelta(hours=2))
    assert len(posts(world)) == 1
    assert rows(world, "SELECT status FROM daily_posts") == [("sent",)]
