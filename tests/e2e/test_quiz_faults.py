"""Quiz rounds against what real Discord does and the simulator does not by itself: a start whose
reply is lost, a bot without permission to post, a late "N answered" edit, a click whose
acknowledgement fails, a typed-answer box submitted after a restart, a member who asks to be
forgotten mid-round. Where simcord cannot produce the condition, the test injects it and says what
it stands for."""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta

import discord
import pytest
from simcord.backend.models.channel import Overwrite, OverwriteType

from tests.e2e.helpers import fields_of, rows
from tests.e2e.test_quiz import button, fetch, question_of, runner_of, start, wrong_choice

CALLBACK = "/interactions/*/callback"


# ---------------------------------------------------------------- a start whose reply fails


@pytest.mark.parametrize(
    ("status", "code", "message"),
    [
        (404, 10062, "Unknown interaction"),  # the reply came after Discord's 3 s (a stall)
        (503, 0, "Service Unavailable"),
    ],
)
async def test_a_start_whose_reply_fails_leaves_nothing_and_the_next_start_works(
    world, caplog, status, code, message
):
    caplog.set_level(logging.WARNING, logger="bot.cogs.quiz")
    world.env.inject_error("POST", CALLBACK, status=status, code=code, message=message, times=1)
    await start(world, questions=3)
    assert runner_of(world) is None, "no round in memory"
    assert rows(world, "SELECT COUNT(*) FROM quiz_rounds") == [(0,)], "nor in the database"
    assert [m for m in world.channel.history() if m.embeds] == [], "no question was posted"
    assert "quiz start in channel" in caplog.text and "not announced" in caplog.text
    nothing = await world.teacher.slash(world.channel, "quiz stop")
    assert nothing.ephemeral and "no quiz running" in nothing.response.content
    again = await start(world, questions=1)
    assert "started a quiz" in again.response.content and not again.ephemeral
    assert world.channel.last_message.embeds[0].title.startswith("Question 1/1")
    assert rows(world, "SELECT status FROM quiz_rounds") == [("active",)]
    assert world.env.errors == [], "nothing reached tree.on_error: the failure was handled"


# ---------------------------------------------------------------- the bot's own permissions


def locked_channel(world, name="locked", **denied):
    return world.guild.create_text_channel(
        name, overwrites={world.bot.user: discord.PermissionOverwrite(**denied)}
    )


@pytest.mark.parametrize(
    ("denied", "named"),
    [
        ({"embed_links": False}, "Embed Links"),
        ({"send_messages": False}, "Send Messages"),
        ({"send_messages": False, "embed_links": False}, "Send Messages and Embed Links"),
    ],
)
async def test_start_refuses_privately_where_the_bot_cannot_post(world, denied, named):
    room = locked_channel(world, **denied)
    refused = await world.teacher.slash(room, "quiz start", questions=3)
    assert refused.ephemeral
    assert f"missing the {named} permission" in refused.response.content
    assert f"<#{room.id}>" in refused.response.content
    assert room.history() == [], "nothing was announced or posted"
    assert rows(world, "SELECT COUNT(*) FROM quiz_rounds") == [(0,)]
    assert world.bot.get_cog("Quiz").runners == {}


async def test_start_in_a_thread_needs_send_messages_in_threads(world):
    parent = locked_channel(world, "threads", send_messages_in_threads=False)
    world.env.backend.create_thread(parent.id, "quiz-thread", world.teacher.id)
    await world.env.advance_time(0)
    [thread] = parent.threads
    refused = await world.teacher.slash(thread, "quiz start", questions=2)
    assert refused.ephemeral and "missing the Send Messages In Threads permission" in refused.response.content
    assert rows(world, "SELECT COUNT(*) FROM quiz_rounds") == [(0,)]
    allowed = world.guild.create_text_channel("open-threads")
    world.env.backend.create_thread(allowed.id, "ok-thread", world.teacher.id)
    await world.env.advance_time(0)
    [ok] = allowed.threads
    started = await world.teacher.slash(ok, "quiz start", questions=1)
    assert "started a quiz" in started.response.content
    assert ok.last_message.embeds[0].title.startswith("Question 1/1")


# ---------------------------------------------------------------- a late count edit


def hold_first_edit(world, message_id: int, seconds: float) -> list[float]:
    """The first PATCH of the question message reaches Discord `seconds` late: what a count edit
    does when discord.py got a 429 on it and retries after `retry_after` (or sent it concurrently
    with a later edit of the same bucket). Returns the virtual times the held edit landed at."""
    http = world.bot.http
    real = http.request
    landed: list[float] = []
    state = {"held": False}

    async def request(route, **kwargs):
        if route.method == "PATCH" and route.url.endswith(f"/messages/{message_id}") and not state["held"]:
            state["held"] = True
            await asyncio.sleep(seconds)
            result = await real(route, **kwargs)
            landed.append(world.env.now().timestamp())
            return result
        return await real(route, **kwargs)

    http.request = request
    return landed


async def test_a_late_count_edit_never_overwrites_the_reveal(world):
    await start(world, questions=2, mode="multiple_choice", seconds=20)
    msg, q = world.channel.last_message, question_of(world)
    landed = hold_first_edit(world, msg.id, seconds=25)
    await world.env.advance_time(1)
    await world.alice.click(msg, custom_id=button(world, q.answer))  # its count edit is held back 25 s
    await world.env.advance_time(19)  # the deadline: the reveal is due while the count edit is pending
    await world.env.advance_time(7)  # the held count edit lands (at 26 s)
    assert landed, "the count edit did go out"
    shown = fetch(world, msg)
    assert shown.embeds[0].title == "Question 1/2 · closed", "the reveal is what stays on the message"
    assert "alice" in fields_of(shown.embeds[0])["Right"]
    assert not shown.components
    await world.env.advance_time(5)
    assert question_of(world) is not q and runner_of(world).round.number == 2, "the round went on"


# ---------------------------------------------------------------- an acknowledgement that fails


async def test_a_click_whose_acknowledgement_fails_can_be_retried_and_counts_once(world):
    await start(world, questions=1, mode="multiple_choice", seconds=20)
    msg, q = world.channel.last_message, question_of(world)
    await world.env.advance_time(1)
    # Discord answers the defer with 404 Unknown interaction: the click arrived after a stall.
    world.env.inject_error("POST", CALLBACK, status=404, code=10062, message="Unknown interaction", times=1)
    await world.alice.click(msg, custom_id=button(world, q.answer))
    assert world.alice.id not in runner_of(world).round.answers, "nothing was kept of the lost click"
    assert rows(world, "SELECT COUNT(*) FROM quiz_answers") == [(0,)]
    retry = await world.alice.click(msg, custom_id=button(world, q.answer))
    assert retry.ephemeral and "Locked in" in retry.response.content, "she can answer again"
    await world.bob.click(msg, custom_id=button(world, wrong_choice(q)))
    await world.env.advance_time(20)
    podium = world.channel.last_message.embeds[0]
    [(points,)] = rows(
        world, "SELECT points FROM quiz_totals WHERE period = 'all' AND user_id = ?", (world.alice.id,)
    )
    assert f"{points:,} points" in podium.description, "the podium shows what the leaderboard has"
    assert rows(world, "SELECT user_id, COUNT(*) FROM quiz_answers GROUP BY 1 ORDER BY 1") == sorted(
        [(world.alice.id, 1), (world.bob.id, 1)]
    )
    assert world.env.errors == []


# ---------------------------------------------------------------- typed answers after a restart


async def test_a_typed_answer_box_submitted_after_a_restart_gets_an_answer(world):
    await start(world, questions=3, mode="typed")
    msg = world.channel.last_message
    shown = await world.alice.click(msg, custom_id=button(world, "typed"))
    assert shown.modal is not None
    await world.restart()
    late = await world.alice.submit_modal(shown, {"answer": "customer loyalty"})
    assert late.ephemeral and "This quiz has ended" in late.response.content
    assert rows(world, "SELECT COUNT(*) FROM quiz_answers") == [(0,)]


async def test_boxes_of_one_question_opened_by_two_members_both_count(world):
    await start(world, questions=1, mode="typed", seconds=120)
    msg = world.channel.last_message
    shown = await world.alice.click(msg, custom_id=button(world, "typed"))
    other = await world.bob.click(msg, custom_id=button(world, "typed"))  # two boxes of one question
    await world.env.advance_time(30)
    term = world.bot.deck.get(question_of(world).term_id)
    done = await world.alice.submit_modal(shown, {"answer": term.name})
    assert "Locked in" in done.response.content
    wrong = await world.bob.submit_modal(other, {"answer": "not a term at all"})
    assert "Locked in" in wrong.response.content
    assert rows(world, "SELECT user_id, correct FROM quiz_answers ORDER BY correct") == [
        (world.bob.id, 0),
        (world.alice.id, 1),
    ]


async def test_a_practice_test_box_submitted_after_a_restart_gets_an_answer(world):
    test = (await world.alice.slash(world.channel, "test", questions=5, mode="typed")).response
    shown = await world.alice.click(test, label="✏️ Type your answer")
    assert shown.modal is not None
    await world.restart()
    late = await world.alice.submit_modal(shown, {"answer": "customer loyalty"})
    assert late.ephemeral and "ended" in late.response.content


async def test_a_practice_test_box_kept_open_six_minutes_still_counts(world):
    msg = (await world.alice.slash(world.channel, "test", questions=5, mode="typed")).response
    term = world.bot.deck.get(world.bot.get_cog("Practice").tests[world.alice.id].question.term_id)
    shown = await world.alice.click(msg, label="✏️ Type your answer")
    await world.env.advance_time(6 * 60)  # thinking it over (a box used to expire after 5 minutes)
    done = await world.alice.submit_modal(shown, {"answer": term.name})
    assert done.response is not None, "the submission was answered"
    assert msg.embeds[0].title == "✅ Right!"
    assert rows(world, "SELECT card_id FROM study_cards WHERE user_id = ?", (world.alice.id,)) == [(term.id,)]


# ---------------------------------------------------------------- forgetting a member mid-round


async def test_forget_drops_the_member_from_a_running_round(world):
    await start(world, questions=2, mode="multiple_choice", seconds=20)
    msg, q = world.channel.last_message, question_of(world)
    await world.env.advance_time(1)
    await world.alice.click(msg, custom_id=button(world, q.answer))
    await world.bob.click(msg, custom_id=button(world, q.answer))
    prompt = (await world.alice.slash(world.channel, "privacy forget")).response
    await world.alice.click(prompt, label="Delete my data")
    # /privacy forget will call this on every cog that has it (wired by the privacy cog's owner).
    world.bot.get_cog("Quiz").forget_member(world.alice.id)
    await world.env.advance_time(20)
    reveal = fetch(world, msg).embeds[0]
    assert "alice" not in fields_of(reveal)["Right"] and "bob" in fields_of(reveal)["Right"]
    assert f"**{q.answer}** 1" in fields_of(reveal)["Answers"], "her answer is no longer counted"
    await world.env.advance_time(5 + 20)
    podium = world.channel.last_message.embeds[0]
    assert "alice" not in podium.description and "bob" in podium.description
    assert rows(world, "SELECT COUNT(*) FROM quiz_totals WHERE user_id = ?", (world.alice.id,)) == [(0,)]
    assert rows(world, "SELECT COUNT(*) FROM quiz_answers WHERE user_id = ?", (world.alice.id,)) == [(0,)]
    assert rows(
        world, "SELECT rounds_played FROM quiz_totals WHERE period = 'all' AND user_id = ?", (world.bob.id,)
    ) == [(1,)]


# ---------------------------------------------------------------- scheduled quizzes


async def scheduled_notice_out(world):
    """A class quiz scheduled on Thursdays at 00:10 (the clock starts on Thursday 00:00 UTC), its
    "starts in 1 minute" notice posted; the round is due a minute later."""
    from tests.e2e.test_daily import advance_to
    from tests.e2e.test_schedule import SLOT, add, notices

    await add(world)
    await advance_to(world, SLOT + timedelta(seconds=1))
    assert len(notices(world)) == 1


async def paused_reason(world) -> str:
    listed = await world.teacher.slash(world.channel, "schedule list")
    return listed.response.embeds[0].fields[0].value


async def test_a_scheduled_quiz_without_embed_links_pauses_with_the_reason(world):
    await scheduled_notice_out(world)
    world.env.backend.set_overwrite(
        world.channel.id,
        Overwrite(world.bot.user.id, OverwriteType.MEMBER, deny=discord.Permissions(embed_links=True).value),
    )
    await world.env.advance_time(60)
    assert rows(world, "SELECT COUNT(*) FROM quiz_rounds") == [(0,)]
    assert [m for m in world.channel.history() if m.embeds] == [], "no question without its card"
    assert "⏸️ Paused: I'm missing the Embed Links permission" in await paused_reason(world)


async def test_a_scheduled_round_that_discord_refuses_pauses_its_schedule(world, caplog):
    caplog.set_level(logging.WARNING)
    await scheduled_notice_out(world)
    # The cached permissions look fine, but Discord refuses the first question (a permission
    # removed a moment ago, or a channel-level rule the cache does not know).
    world.env.inject_error(
        "POST", f"/channels/{world.channel.id}/messages", status=403, code=50013, message="Missing Permissions"
    )
    await world.env.advance_time(60)
    assert rows(world, "SELECT status FROM quiz_rounds") == [("interrupted",)]
    reason = await paused_reason(world)
    assert "⏸️ Paused: I'm not allowed to post in" in reason and "Missing Permissions" in reason
