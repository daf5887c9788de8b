"""Channel quiz rounds through the real discord.py client: answers, scoring, reveals, podium, stop, restart."""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest

from bot.core import srs
from bot.storage.quiz import COMMIT_WINDOW
from tests.e2e.helpers import rows


def runner_of(world):
    return world.bot.get_cog("Quiz").runners.get(world.channel.id)


def question_of(world):
    return runner_of(world).round.question


def button(world, choice: str) -> str:
    r = runner_of(world).round
    return f"quiz:{r.round_id}:{r.number}:{choice}"


def wrong_choice(question) -> str:
    return next(k for k in question.choice_keys if k != question.answer)


async def start(world, member=None, **options):
    member = member or world.teacher
    return await member.slash(world.channel, "quiz start", **options)


def fetch(world, message):
    """The message as it is now (a discord.Message is a snapshot)."""
    return next(m for m in world.channel.history() if m.id == message.id)


async def test_a_round_with_right_wrong_late_and_double_answers(world):
    result = await start(world, questions=2, mode="multiple_choice", seconds=20)
    assert "started a quiz" in result.response.content and not result.ephemeral
    question_msg = world.channel.last_message
    embed = question_msg.embeds[0]
    assert embed.title.startswith("Question 1/2")
    assert "<t:" in next(f.value for f in embed.fields if f.name == "Closes")
    q = question_of(world)
    await world.env.advance_time(2)
    right = await world.alice.click(question_msg, custom_id=button(world, q.answer))
    assert right.ephemeral and f"Locked in: {q.answer}" in right.response.content
    again = await world.alice.click(question_msg, custom_id=button(world, wrong_choice(q)))
    assert again.ephemeral and "already answered" in again.response.content
    await world.env.advance_time(3)
    wrong = await world.bob.click(question_msg, custom_id=button(world, wrong_choice(q)))
    assert "Locked in" in wrong.response.content
    await world.env.advance_time(2)  # the answer counter is edited at most every 2 seconds
    assert next(f.value for f in fetch(world, question_msg).embeds[0].fields if f.name == "Answers") == "2"
    await world.env.advance_time(16)  # past the 20-second deadline
    reveal = fetch(world, question_msg)
    fields = {f.name: f.value for f in reveal.embeds[0].fields}
    assert reveal.embeds[0].title == "Question 1/2 · closed"
    term = world.bot.deck.get(q.term_id)
    said = str(reveal.embeds[0].to_dict())
    assert said.count(term.definition) == 1, "the definition is said once"
    assert said.count(term.name) == 1, "and so is the right answer"
    assert reveal.embeds[0].description.startswith("✅ **")
    assert (q.option_label(q.answer) if q.kind.value == "term" else f"**{q.answer}**") in reveal.embeds[
        0
    ].description
    assert list(fields) == ["Answers", "Right", "⚡ Fastest"]
    assert f"**{q.answer}** 1" in fields["Answers"] and f"**{wrong_choice(q)}** 1" in fields["Answers"]
    assert "alice" in fields["Right"] and "bob" not in fields["Right"]
    assert "alice" in fields["⚡ Fastest"] and "2.0 s" in fields["⚡ Fastest"]
    assert not reveal.components, "buttons are removed when the question closes"
    stored = rows(world, "SELECT user_id, correct, points, elapsed_ms FROM quiz_answers ORDER BY elapsed_ms")
    # 1000 - 500 * 2/20. Bob clicked 3 s after alice's answer was stored, and storing it took the
    # writer's commit window of (virtual) time.
    assert stored == [(world.alice.id, 1, 950, 2000), (world.bob.id, 0, 0, 5000 + round(COMMIT_WINDOW * 1000))]

    await world.env.advance_time(5)  # reveal pause, then question 2
    q2 = question_of(world)
    second = world.channel.last_message
    await world.env.advance_time(1)
    await world.alice.click(second, custom_id=button(world, q2.answer))
    # everyone who joined (alice, bob) must answer before an early close; only alice has
    assert not runner_of(world).round.closed
    await world.bob.click(second, custom_id=button(world, q2.answer))
    podium = world.channel.last_message
    assert podium.embeds[0].title == "🏆 Quiz complete!"
    assert "🥇 **alice**" in podium.embeds[0].description and "🥈 **bob**" in podium.embeds[0].description
    # Question 2 opened at 25 s (20 s + 5 s pause). Each stored answer took the 20 ms commit window of
    # virtual time (alice's and bob's first answers: 40 ms), so alice answered it at 29.04 s:
    # 1000 - 500 * 4.04/20 = 899, and bob at 29.06 s: 898.5, rounded to even 898.
    # alice: 950 + (899 + 100 streak bonus); bob: 0 + 898
    assert rows(
        world,
        "SELECT user_id, points, correct, answered, rounds_played, rounds_won FROM quiz_totals"
        " WHERE period = 'all' ORDER BY points DESC",
    ) == [
        (world.alice.id, 1949, 2, 2, 1, 1),
        (world.bob.id, 898, 1, 2, 1, 0),
    ]
    assert rows(world, "SELECT status FROM quiz_rounds") == [("finished",)]
    assert runner_of(world) is None


async def test_second_start_in_the_same_channel_is_refused_with_a_link(world):
    await start(world, questions=3)
    again = await start(world, member=world.alice, questions=3)
    assert again.ephemeral and "already running here" in again.response.content
    assert "discord.com/channels/" in again.response.content
    other = world.guild.create_text_channel("other-class")
    elsewhere = await world.alice.slash(other, "quiz start", questions=1)
    assert "started a quiz" in elsewhere.response.content


async def test_stop_needs_the_starter_or_a_moderator(world):
    await start(world, member=world.alice, questions=5, mode="true_false")
    msg = world.channel.last_message
    await world.bob.click(msg, custom_id=button(world, question_of(world).answer))
    refused = await world.carol.slash(world.channel, "quiz stop")
    assert refused.ephemeral and "Only the person who started" in refused.response.content
    assert runner_of(world) is not None
    stopped = await world.teacher.slash(world.channel, "quiz stop")
    assert "stopped the quiz" in stopped.response.content
    podium = world.channel.last_message.embeds[0]
    assert podium.title == "Quiz stopped" and "bob" in podium.description
    assert rows(world, "SELECT status FROM quiz_rounds") == [("stopped",)]
    assert rows(world, "SELECT points > 0 FROM quiz_totals WHERE period = 'all'") == [(1,)], "points are kept"
    nothing = await world.alice.slash(world.channel, "quiz stop")
    assert nothing.ephemeral and "no quiz running" in nothing.response.content


async def test_the_starter_can_stop_their_own_round(world):
    await start(world, member=world.alice, questions=5)
    result = await world.alice.slash(world.channel, "quiz stop")
    assert "stopped the quiz" in result.response.content
    assert runner_of(world) is None


@pytest.mark.parametrize(
    ("typed", "correct"),
    [("{name_typo}", True), ("{acronym}", True), ("Customer Acquisition Cost", False)],
)
async def test_typed_answers_through_the_modal(world, typed, correct):
    cog = world.bot.get_cog("Quiz")
    # Make the round's only question about CLV, so the acronym case is meaningful.
    from bot.core.questions import Kind, make_question

    clv = world.bot.deck.get("customer-lifetime-value")
    await start(world, questions=1, mode="typed")
    runner = runner_of(world)
    runner.round.questions[0] = make_question(world.bot.deck, clv, Kind.TYPED, world.bot.rng)
    msg = world.channel.last_message
    shown = await world.alice.click(msg, custom_id=button(world, "typed"))
    assert shown.modal is not None
    text = typed.format(name_typo="custmer lifetime value", acronym="clv")
    done = await world.alice.submit_modal(shown, {"answer": text})
    assert "Locked in" in done.response.content
    assert cog.runners[world.channel.id].round.answers[world.alice.id].correct is correct
    await world.env.advance_time(20)
    reveal = world.channel.history()[-2].embeds[0]
    assert reveal.description.startswith("✅ **Customer Lifetime Value**\n> ")
    assert str(reveal.to_dict()).count(clv.definition) == 1
    assert rows(world, "SELECT correct FROM quiz_answers") == [(int(correct),)]


async def test_a_silent_round_ends_itself_after_two_questions(world):
    await start(world, questions=10, seconds=10)
    await world.env.advance_time(10 + 5 + 10)
    last = world.channel.last_message.embeds[0]
    assert last.title == "Quiz ended" and "Nobody answered two questions in a row" in last.description
    assert rows(world, "SELECT status FROM quiz_rounds") == [("abandoned",)]
    assert len([m for m in world.channel.history() if m.embeds and "Question" in m.embeds[0].title]) == 2


async def test_restart_closes_the_interrupted_round_and_keeps_points(world):
    await start(world, questions=5, mode="true_false")
    msg = world.channel.last_message
    await world.alice.click(msg, custom_id=button(world, question_of(world).answer))
    stale = button(world, "true")
    await world.restart()
    msg = fetch(world, msg)
    assert "interrupted" in msg.content
    assert rows(world, "SELECT status FROM quiz_rounds") == [("interrupted",)]
    assert rows(world, "SELECT user_id FROM quiz_totals WHERE period = 'all'") == [(world.alice.id,)]
    assert not msg.components
    # A new round can start in the channel right away.
    assert "started a quiz" in (await start(world, questions=1)).response.content
    assert stale  # the old message lost its buttons, so nobody can click them any more


@pytest.mark.parametrize(
    ("status", "code", "message"),
    [
        (403, 50013, "Missing Permissions"),
        (404, 10003, "Unknown Channel"),
        (500, 0, "Internal Server Error"),
    ],
)
async def test_a_failing_send_ends_the_round_cleanly(world, status, code, message):
    world.env.inject_error("POST", "/channels/*/messages", status=status, code=code, message=message, times=None)
    result = await start(world, questions=3)
    assert "started a quiz" in result.response.content
    assert runner_of(world) is None
    assert rows(world, "SELECT status FROM quiz_rounds") == [("interrupted",)]
    world.env.backend.faults.clear()
    again = await start(world, questions=1)
    assert "started a quiz" in again.response.content
    assert world.channel.last_message.embeds[0].title.startswith("Question 1/1")


async def test_a_send_failing_mid_round_ends_that_round_only(world, caplog):
    caplog.set_level(logging.WARNING, logger="bot.cogs.quiz_runner")
    other = world.guild.create_text_channel("other-class")
    await start(world, questions=3, mode="true_false", seconds=10)
    first = world.channel.last_message
    await world.alice.click(first, custom_id=button(world, question_of(world).answer))
    await world.bob.slash(other, "quiz start", questions=2, mode="true_false", seconds=10)
    # The bot loses the right to post in #class only: its second question cannot be sent.
    world.env.inject_error(
        "POST", f"/channels/{world.channel.id}/messages", status=403, code=50013, message="Missing Permissions",
        times=None,
    )  # fmt: skip
    await world.env.advance_time(10 + 5)
    assert runner_of(world) is None
    assert "ended by a Discord error: 403" in caplog.text
    assert rows(world, "SELECT status FROM quiz_rounds WHERE channel_id = ?", (world.channel.id,)) == [
        ("interrupted",)
    ]
    assert rows(world, "SELECT user_id FROM quiz_totals WHERE period = 'all'") == [(world.alice.id,)], "kept"
    # The round in the other channel goes on to its podium, and the scheduler loop is alive.
    await world.env.advance_time(10 + 5 + 10)
    assert other.last_message.embeds[0].title == "Quiz ended", "two silent questions end it, as usual"
    assert rows(world, "SELECT status FROM quiz_rounds WHERE channel_id = ?", (other.id,)) == [("abandoned",)]
    assert world.bot.get_cog("Scheduler").tick.is_running()


async def test_options_are_validated(world):
    bad_topic = await start(world, topic="astrology")
    assert bad_topic.ephemeral and "no topic called" in bad_topic.response.content
    assert rows(world, "SELECT COUNT(*) FROM quiz_rounds") == [(0,)]
    choices = await world.alice.autocomplete(world.channel, "quiz start", "topic", "crm")
    assert choices and len(choices) <= 25


async def test_a_typed_answer_sent_after_the_deadline_changes_nothing(world):
    await start(world, questions=1, mode="typed")
    msg = world.channel.last_message
    shown = await world.alice.click(msg, custom_id=button(world, "typed"))
    await world.env.advance_time(21)
    late = await world.alice.submit_modal(shown, {"answer": "anything"})
    assert late.ephemeral and "This quiz has ended" in late.response.content  # its only question closed
    assert rows(world, "SELECT COUNT(*) FROM quiz_answers") == [(0,)]


async def test_answers_update_the_flashcards_of_members_who_study_the_term(world):
    from bot.storage.study import StudyRepo

    world.bot.get_cog("Scheduler").tick.cancel()
    await start(world, questions=1, mode="multiple_choice", seconds=10)
    q, message = question_of(world), world.channel.last_message
    study = StudyRepo(world.bot.db)
    await study.record_review(
        world.alice.id, q.term_id, 5, "review", world.guild.id, world.env.now(), scheduler=srs.DEFAULT_SCHEDULER
    )
    await world.env.advance_time(1)
    await world.alice.click(message, custom_id=button(world, wrong_choice(q)))  # she studies it: counts
    await world.bob.click(message, custom_id=button(world, q.answer))  # he does not: no new card
    await world.env.advance_time(12)
    logged = rows(world, "SELECT user_id, card_id, raw_rating, rating, source FROM study_reviews ORDER BY id")
    assert logged[1:] == [(world.alice.id, q.term_id, None, 1, "quiz")]  # wrong -> Again
    assert rows(world, "SELECT COUNT(*) FROM study_cards WHERE user_id = ?", (world.bob.id,)) == [(0,)]
    card = (await study.get_cards(world.alice.id, [q.term_id]))[q.term_id]
    assert card.due < world.env.now() + timedelta(days=1), "a miss brings the card back soon"
