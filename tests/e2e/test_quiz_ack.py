"""How a quiz answer click is acknowledged: stored first, then "Locked in" in the one REST call
that answers the interaction; a write slower than QUICK_WRITE is acknowledged first ("thinking...")
and followed up. An answer counts only once it is stored and the member was told (or saw the click
acknowledged); an answer whose acknowledgement fails is taken back, and the member may answer again.
Where simcord cannot produce a real-Discord failure by itself, the test injects it."""

from __future__ import annotations

import asyncio
import logging

import pytest

import bot.cogs.quiz_answers
from bot.cogs.quiz_answers import QUICK_WRITE
from tests.e2e.helpers import rows
from tests.e2e.test_quiz import button, fetch, question_of, runner_of, start, wrong_choice
from tests.storage.engine import fail_writes

CALLBACK = "/interactions/*/callback"
FOLLOWUP = "/webhooks/*/*"


def slow_writes(world, seconds: float) -> None:
    """From now on every answer's write starts `seconds` late (virtual time): stands for a write
    queued behind a busy lock or a long group commit. The write itself is the real one."""
    writer = world.bot.get_cog("Quiz").writer
    submit = writer.submit

    async def late(row):
        await asyncio.sleep(seconds)
        await submit(row)

    writer.submit = lambda row: asyncio.ensure_future(late(row))


def calls_since(world, start: int) -> list[str]:
    """The REST calls the bot made since request number `start`, as "METHOD kind" (kind: the
    interaction callback's type, or "followup")."""
    calls = []
    for entry in world.env.http_requests[start:]:
        if entry.path.endswith("/callback"):
            calls.append(f"callback {entry.json['type']}")
        elif entry.path.startswith("/webhooks/"):
            calls.append(f"followup {entry.method}")
    return calls


def answered(world, member) -> list[tuple]:
    return rows(world, "SELECT COUNT(*) FROM quiz_answers WHERE user_id = ?", (member.id,))


def totals(world, member) -> list[tuple]:
    return rows(
        world, "SELECT points, answered FROM quiz_totals WHERE period = 'all' AND user_id = ?", (member.id,)
    )


async def test_a_click_is_acknowledged_with_locked_in_in_one_response(world):
    await start(world, questions=1, mode="multiple_choice", seconds=20)
    msg, q = world.channel.last_message, question_of(world)
    await world.env.advance_time(1)
    before = len(world.env.http_requests)
    result = await world.alice.click(msg, custom_id=button(world, q.answer))
    assert not result.deferred, "no 'thinking...' first: the write was quick"
    assert result.ephemeral and result.response.content.startswith(f"🔒 Locked in: {q.answer}")
    assert result.followups == [], "one REST call, not a defer and a followup"
    assert calls_since(world, before) == ["callback 4"]
    assert answered(world, world.alice) == [(1,)], "stored before the member was told"
    assert world.alice.id in runner_of(world).round.answers


async def test_a_slow_write_is_acknowledged_first_and_followed_up(world):
    await start(world, questions=1, mode="multiple_choice", seconds=20)
    msg, q = world.channel.last_message, question_of(world)
    await world.env.advance_time(1)
    slow_writes(world, QUICK_WRITE + 1)
    before = len(world.env.http_requests)
    result = await world.alice.click(msg, custom_id=button(world, q.answer))
    await world.env.advance_time(QUICK_WRITE + 2)
    calls = calls_since(world, before)
    assert calls[:2] == ["callback 5", "followup POST"], "'thinking...' first (within 3 s), then the answer"
    assert result.ephemeral and result.response.content.startswith(f"🔒 Locked in: {q.answer}")
    assert answered(world, world.alice) == [(1,)]
    assert world.alice.id in runner_of(world).round.answers


@pytest.mark.parametrize(
    ("status", "code", "message"),
    [
        (404, 10062, "Unknown interaction"),  # the event reached the bot after a stall
        (503, 0, "Service Unavailable"),
    ],
)
async def test_an_answer_whose_acknowledgement_fails_is_taken_back_and_can_be_given_again(
    world, caplog, status, code, message
):
    caplog.set_level(logging.WARNING, logger="bot.cogs.quiz_answers")
    await start(world, questions=1, mode="multiple_choice", seconds=20)
    msg, q = world.channel.last_message, question_of(world)
    await world.env.advance_time(1)
    world.env.inject_error("POST", CALLBACK, status=status, code=code, message=message, times=1)
    await world.alice.click(msg, custom_id=button(world, wrong_choice(q)))
    assert answered(world, world.alice) == [(0,)], "the stored answer was taken back"
    assert totals(world, world.alice) in ([], [(0, 0)]), "and its points with it"
    assert world.alice.id not in runner_of(world).round.answers
    assert "taking it back" in caplog.text
    again = await world.alice.click(msg, custom_id=button(world, q.answer))  # she changes her mind
    assert again.response.content.startswith(f"🔒 Locked in: {q.answer}")
    await world.env.advance_time(20)
    [(points, count)] = totals(world, world.alice)
    assert count == 1 and points > 0, "the second answer counts, once"
    assert rows(world, "SELECT correct FROM quiz_answers WHERE user_id = ?", (world.alice.id,)) == [(1,)]
    assert f"{points:,} points" in world.channel.last_message.embeds[0].description
    assert world.env.errors == []


async def test_when_taking_back_fails_too_the_answer_stays_and_counts(world, caplog):
    caplog.set_level(logging.WARNING)
    await start(world, questions=1, mode="multiple_choice", seconds=20)
    msg, q = world.channel.last_message, question_of(world)
    await world.env.advance_time(1)
    await fail_writes(world.bot.db, "quiz_answers", "DELETE", "disk on fire")
    world.env.inject_error("POST", CALLBACK, status=503, message="Service Unavailable", times=1)
    await world.alice.click(msg, custom_id=button(world, q.answer))
    assert "could not be taken back" in caplog.text
    assert answered(world, world.alice) == [(1,)]
    assert world.alice.id in runner_of(world).round.answers, "the round counts what the database has"
    second = await world.alice.click(msg, custom_id=button(world, wrong_choice(q)))
    assert "already answered" in second.response.content
    await world.env.advance_time(20)
    reveal = fetch(world, msg).embeds[0]
    assert "alice" in {f.name: f.value for f in reveal.fields}["Right"]


async def test_a_slow_write_whose_acknowledgement_fails_is_taken_back(world):
    await start(world, questions=1, mode="multiple_choice", seconds=20)
    msg, q = world.channel.last_message, question_of(world)
    await world.env.advance_time(1)
    slow_writes(world, QUICK_WRITE + 1)
    world.env.inject_error("POST", CALLBACK, status=404, code=10062, message="Unknown interaction", times=1)
    await world.alice.click(msg, custom_id=button(world, q.answer))  # the defer is refused
    await world.env.advance_time(QUICK_WRITE + 2)  # the write lands
    assert answered(world, world.alice) == [(0,)], "the write went through, then was taken back"
    assert world.alice.id not in runner_of(world).round.answers
    again = await world.alice.click(msg, custom_id=button(world, q.answer))
    await world.env.advance_time(QUICK_WRITE + 2)
    assert again.response.content.startswith("🔒 Locked in")
    assert answered(world, world.alice) == [(1,)]


async def test_an_expired_click_is_logged_as_one_line_without_a_traceback(world, caplog):
    caplog.set_level(logging.WARNING)
    msg = (await world.alice.slash(world.channel, "review")).response
    # Discord refuses the answer to the click: it reached the bot after its 3 seconds.
    world.env.inject_error("POST", CALLBACK, status=404, code=10062, message="Unknown interaction", times=None)
    await world.alice.click(msg, label="Show answer")
    mine = [r for r in caplog.records if r.name.startswith("bot.")]
    assert len(mine) == 1, [r.getMessage() for r in mine]
    assert mine[0].levelno == logging.WARNING and mine[0].exc_info is None
    assert "too late" in mine[0].getMessage() and "Unknown interaction" in mine[0].getMessage()
    assert world.env.errors == []


async def test_an_expired_slash_command_is_logged_as_one_line_without_a_traceback(world, caplog):
    caplog.set_level(logging.WARNING)
    world.env.inject_error("POST", CALLBACK, status=404, code=10062, message="Unknown interaction", times=None)
    await world.alice.slash(world.channel, "define", term="crm")
    mine = [r for r in caplog.records if r.name.startswith("bot.")]
    assert len(mine) == 1, [r.getMessage() for r in mine]
    assert mine[0].levelno == logging.WARNING and mine[0].exc_info is None
    assert "define too late" in mine[0].getMessage()
    (error,) = world.env.errors  # acknowledged: discord.py hands the refused reply to tree.on_error
    assert "Unknown interaction" in str(error)


async def test_a_click_that_reaches_the_bot_too_late_is_not_handled_and_can_be_given_again(world, caplog):
    caplog.set_level(logging.WARNING, logger="bot.cogs.quiz_answers")
    await start(world, questions=1, mode="multiple_choice", seconds=20)
    msg, q = world.channel.last_message, question_of(world)
    await world.env.advance_time(1)
    before = len(world.env.http_requests)
    with pytest.MonkeyPatch.context() as mp:
        # Stands for clicks that reached the bot over 3.5 s after Discord created them (a stall,
        # an overloaded process): Discord would refuse any reply by now.
        mp.setattr(bot.cogs.quiz_answers, "ACK_DEADLINE", -1.0)
        for member in (world.alice, world.bob):
            await member.click(msg, custom_id=button(world, q.answer))
    assert calls_since(world, before) == [], "no reply tried, nothing written"
    assert rows(world, "SELECT COUNT(*) FROM quiz_answers") == [(0,)]
    late = [r for r in caplog.records if "not handled" in r.getMessage()]
    assert len(late) == 1 and late[0].exc_info is None, "one line for the burst, no traceback"
    again = await world.alice.click(msg, custom_id=button(world, q.answer))
    assert again.response.content.startswith(f"🔒 Locked in: {q.answer}"), "the member may click again"
    assert answered(world, world.alice) == [(1,)]


async def test_a_click_with_little_time_left_is_acknowledged_at_once(world, monkeypatch):
    # Stands for a click that reached the bot 2.5 s after Discord created it: no time to wait for
    # the write, so "thinking..." goes out first, whatever the write's speed.
    monkeypatch.setattr(bot.cogs.quiz_answers, "ACK_MARGIN", bot.cogs.quiz_answers.ACK_DEADLINE)
    await start(world, questions=1, mode="multiple_choice", seconds=20)
    msg, q = world.channel.last_message, question_of(world)
    await world.env.advance_time(1)
    before = len(world.env.http_requests)
    result = await world.alice.click(msg, custom_id=button(world, q.answer))
    assert calls_since(world, before)[:2] == ["callback 5", "followup POST"]
    assert result.response.content.startswith(f"🔒 Locked in: {q.answer}")
    assert answered(world, world.alice) == [(1,)]
