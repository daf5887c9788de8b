"""When the database fails under a member's click: locked beyond the busy timeout by another
process, or full. The member gets a private "try again", the error is logged, and nothing is
half-counted: the answer or rating is stored whole once the member tries again, or not at all."""

from __future__ import annotations

import logging
import sqlite3
from contextlib import contextmanager

from bot.ui.review import rating_label
from tests import pg_server
from tests.e2e.helpers import rows
from tests.e2e.test_quiz import button, fetch, question_of, runner_of, start, wrong_choice
from tests.e2e.together import click_together

BUSY = "The bot's storage is busy right now; please try again in a moment."


@contextmanager
def locked(world):
    """The storage cannot be used for a while. SQLite: another process holds the database's write
    lock (as a backup or a stuck tool would). PostgreSQL: the connection to the server is lost
    and new ones are refused (a server restart or a network blip), until the block ends."""
    if world.bot.settings.database_url:
        proxy = pg_server.PROXIES[world.bot.settings.database_url]
        proxy.cut()
        try:
            yield proxy
        finally:
            proxy.restore()
        return
    blocker = sqlite3.connect(world.bot.settings.database_path, isolation_level=None)
    blocker.execute("BEGIN IMMEDIATE")
    try:
        yield blocker
    finally:
        blocker.execute("ROLLBACK")
        blocker.close()


#: What the log says about the storage trouble `locked` makes, per engine.
def trouble_logged(world) -> str:
    return "connect" if world.bot.settings.database_url else "database is locked"


async def short_busy_timeout(world) -> None:
    # The bot waits 5 s for a lock; the test waits 50 ms, so "beyond the timeout" comes quickly.
    if world.bot.db.engine == "sqlite":
        await world.bot.db.execute("PRAGMA busy_timeout = 50")


async def test_a_locked_database_refuses_the_answer_kindly_and_the_retry_counts_once(world, caplog):
    caplog.set_level(logging.ERROR)
    await short_busy_timeout(world)
    await start(world, questions=2, mode="multiple_choice", seconds=20)
    msg, q = world.channel.last_message, question_of(world)
    with locked(world):
        # Two clicks in the same group commit: both hear that it failed.
        refused = await click_together(
            world.env, [(member, msg, button(world, q.answer)) for member in (world.alice, world.carol)]
        )
        for result in refused:
            assert result.ephemeral and BUSY in result.response.content
            assert "couldn't save your answer" in result.response.content
    assert "could not store 2 quiz answers" in caplog.text, "one group commit, failed as a whole"
    assert "not saved" in caplog.text and trouble_logged(world) in caplog.text
    assert rows(world, "SELECT COUNT(*) FROM quiz_answers") == [(0,)]
    assert not runner_of(world).round.answers, "the refused answer is not counted in the round either"

    again = await world.alice.click(msg, custom_id=button(world, q.answer))
    assert "Locked in" in again.response.content
    other = await world.bob.click(msg, custom_id=button(world, wrong_choice(q)))
    assert "Locked in" in other.response.content
    await world.env.advance_time(21)
    split = {f.name: f.value for f in fetch(world, msg).embeds[0].fields}["Answers"]
    assert f"**{q.answer}** 1" in split and f"**{wrong_choice(q)}** 1" in split
    assert rows(world, "SELECT user_id, correct FROM quiz_answers ORDER BY correct") == [
        (world.bob.id, 0),
        (world.alice.id, 1),
    ]
    assert rows(
        world, "SELECT answered FROM quiz_totals WHERE period = 'all' AND user_id = ?", (world.alice.id,)
    ) == [(1,)]


async def test_a_locked_database_refuses_the_rating_kindly_and_the_retry_rates_once(world, caplog):
    caplog.set_level(logging.ERROR)
    await short_busy_timeout(world)
    msg = (await world.alice.slash(world.channel, "review")).response
    card = msg.embeds[0].title
    await world.alice.click(msg, label="Show answer")
    with locked(world):
        refused = await world.alice.click(msg, label=rating_label(4))
        assert refused.ephemeral and BUSY in refused.response.content
    assert trouble_logged(world) in caplog.text
    assert rows(world, "SELECT COUNT(*) FROM study_reviews") == [(0,)]
    assert msg.embeds[0].title == card, "the card stays on screen to be rated again"
    await world.alice.click(msg, label=rating_label(4))
    assert msg.content.startswith("Rated **4**")
    assert rows(world, "SELECT raw_rating FROM study_reviews") == [(4,)]


async def test_a_round_whose_saves_fail_ends_and_the_channel_is_free_again(world, caplog):
    caplog.set_level(logging.ERROR)
    await short_busy_timeout(world)
    await start(world, questions=2, mode="true_false", seconds=10)
    first = world.channel.last_message
    await world.alice.click(first, custom_id=button(world, question_of(world).answer))
    with locked(world):
        await world.env.advance_time(10 + 5)  # the reveal, then question 2 cannot be recorded
        assert runner_of(world) is None or runner_of(world).round.number == 2
        await world.env.advance_time(10)
    assert runner_of(world) is None
    assert "quiz round 1 failed" in caplog.text and "could not save the result of round 1" in caplog.text
    second = world.channel.history()[-2]
    assert second.embeds[0].title.startswith("Question 2/2") and not second.components, "no dead buttons left"
    assert "stopped because of a problem on my side" in world.channel.last_message.content
    again = await start(world, questions=1)
    assert "started a quiz" in again.response.content, again.response.content
    statuses = [s for (s,) in rows(world, "SELECT status FROM quiz_rounds ORDER BY id")]
    assert statuses[-1] == "active" and "active" not in statuses[:-1]
    assert rows(world, "SELECT user_id FROM quiz_answers") == [(world.alice.id,)], "the first answer is kept"


async def test_a_command_that_cannot_write_says_the_storage_is_busy(world, caplog):
    caplog.set_level(logging.ERROR, logger="bot.app")
    await short_busy_timeout(world)
    with locked(world):
        refused = await start(world, questions=1)
    assert refused.ephemeral and refused.response.content == f"⚠️ {BUSY}"
    assert "command quiz start failed" in caplog.text and trouble_logged(world) in caplog.text
    [error] = world.env.errors  # what tree.on_error saw (simcord would re-raise it at the end)
    assert trouble_logged(world) in str(error)
    assert runner_of(world) is None and rows(world, "SELECT COUNT(*) FROM quiz_rounds") == [(0,)]
    assert "started a quiz" in (await start(world, questions=1)).response.content
