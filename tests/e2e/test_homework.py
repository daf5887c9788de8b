"""Homework end to end: students press Start and work (before and after the due time), /homework
and the 24-hour reminder show the right figures, the reminder goes out once (also across a restart),
a refused or failed reminder is recorded and stops nothing else, and /progress shows the same
homework figures. The simulated clock starts on Thursday 2026-01-01 00:00 UTC."""

from __future__ import annotations

import copy
from datetime import UTC, datetime, timedelta

import pytest

from tests.e2e.helpers import fields_of, rows
from tests.e2e.test_assign import announcements, create
from tests.e2e.test_daily import advance_to, shown_at
from tests.e2e.test_learn import answer as learn_answer
from tests.e2e.test_learn import stored
from tests.e2e.test_practice import answer as answer_question
from tests.e2e.test_review import RATINGS, forge_click

FRIDAY_5PM = datetime(2026, 1, 2, 17, tzinfo=UTC)
REMINDER = FRIDAY_5PM - timedelta(hours=24)
TOPIC = "metrics"


async def take_test(world, member, source, *, right: int, total: int = 5, label: str = "Start"):
    """Press Start on `source` (a message with the button) and answer: the first `right` right."""
    started = await member.click(source, label=label)
    msg = started.response
    assert started.ephemeral and msg.embeds[0].title.startswith(f"Practice test · 1/{total}")
    for n in range(total):
        await answer_question(world, member, msg, right=n < right)
    assert msg.embeds[-1].title == "📝 Practice test complete"
    return msg


async def homework_of(world, member) -> dict[str, str]:
    result = await member.slash(world.channel, "homework")
    assert result.ephemeral
    return fields_of(result.response.embeds[0])


def reminders(world, channel=None):
    return [m for m in (channel or world.channel).history() if m.content.startswith("⏰ **Reminder:**")]


async def test_work_before_and_after_the_due_time_is_done_late_or_missing(world):
    alice, bob, carol = world.alice, world.bob, world.carol
    early = await alice.slash(world.channel, "test", questions=5, topic=TOPIC)  # before the assignment
    for _ in range(5):
        await answer_question(world, alice, early.response, right=True)
    await world.env.advance_time(60)
    await create(world, topic=TOPIC, questions=5)
    await carol.slash(world.channel, "homework")  # in the class, never starts
    title = "#1 · Practice test · Feedback and metrics"
    assert "▫️ not started · no full test yet" in (await homework_of(world, alice))[title], "earlier work: no"

    [posted] = announcements(world.channel)
    await world.env.advance_time(60)
    await take_test(world, alice, posted, right=4)
    await take_test(world, bob, posted, right=2)
    mine = (await homework_of(world, alice))[title]
    assert f"✅ done · best 80% · due {shown_at(FRIDAY_5PM)}" in mine
    assert "⏳ in progress · best 40%" in (await homework_of(world, bob))[title]

    await advance_to(world, FRIDAY_5PM + timedelta(hours=1))
    late = (await homework_of(world, bob))[title]
    assert f"❌ missing · best 40% · was due {shown_at(FRIDAY_5PM)}; work now counts as late" in late
    result = await bob.slash(world.channel, "homework")
    await take_test(world, bob, result.response, right=5, label="Start #1")  # the button in /homework
    assert "⏰ done late · best 100%" in (await homework_of(world, bob))[title]
    assert "❌ missing" in (await homework_of(world, carol))[title]
    assert rows(world, "SELECT user_id, value FROM assignment_work ORDER BY user_id") == [
        (alice.id, 80),
        (bob.id, 100),
    ]

    listed = (await world.teacher.slash(world.channel, "assign list")).response.embeds[0]
    assert "**2** of 3 finished" in listed.fields[0].value, "a count of the class, never names"

    progress = await alice.slash(world.channel, "progress")
    embed = (progress.followups or [progress.response])[-1].embeds[0]
    assert fields_of(embed)["Homework here"].startswith(
        "✅\u00a01\u00a0done · ⏰\u00a00\u00a0late · ❌\u00a00\u00a0missing"
    )


async def test_review_and_learn_assignments_count_the_students_own_sessions(world):
    alice = world.alice
    await create(world, kind="review", goal=2, topic=TOPIC)
    await create(world, kind="learn", goal=2, topic="ethics-and-rights")
    review, learn = announcements(world.channel)
    session = await alice.click(review, label="Start")
    msg = session.response
    assert session.ephemeral and "Feedback and metrics" in msg.embeds[0].footer.text
    for _ in range(2):
        await alice.click(msg, label="Show answer")
        await alice.click(msg, label=RATINGS[3])
    done = await homework_of(world, alice)
    assert "✅ done · 2/2 reviews" in done["#1 · Flashcard review · Feedback and metrics"]

    start = await alice.click(learn, label="Start")
    msg = start.response
    assert msg.embeds[0].title == "Learn · round 1 · Pick the term"
    while len(rows(world, "SELECT term_id FROM learn_terms WHERE user_id = ? AND stage = 3", (alice.id,))) < 2:
        if stored(world, alice)["screen"] == "round":
            await alice.click(msg, label="Continue ▶️")
        else:
            await learn_answer(world, alice, msg, "right")
    topic = world.bot.deck.topic_name("ethics-and-rights")
    figures = (await homework_of(world, alice))[f"#2 · Learn · {topic}"]
    assert "✅ done · 2/2 terms learned" in figures


async def test_the_reminder_24_hours_before_counts_who_finished_once(world):
    await create(world, topic=TOPIC, questions=5)
    await create(world, kind="review", due="today 20:00")  # within 24 hours: no reminder of its own
    [posted, _] = announcements(world.channel)
    await take_test(world, world.alice, posted, right=5)
    await world.bob.slash(world.channel, "homework")
    await advance_to(world, REMINDER - timedelta(minutes=2))
    assert reminders(world) == []
    await advance_to(world, REMINDER + timedelta(minutes=2))
    [reminder] = reminders(world)
    assert reminder.content == (
        f"⏰ **Reminder:** assignment #1 is due <t:{int(FRIDAY_5PM.timestamp())}:R>: Practice test on "
        "**Feedback and metrics**: score **80%** or more on a 5-question test. **1** of 2 finished so far. "
        "Press Start on the announcement, or use /homework."
    )
    assert world.alice.name not in reminder.content
    await world.restart()
    await advance_to(world, FRIDAY_5PM + timedelta(hours=2))
    assert len(reminders(world)) == 1, "at most once, also after a restart"
    listed = (await world.teacher.slash(world.channel, "assign list")).response.embeds[0]
    assert "reminder sent" in listed.fields[-1].value


@pytest.mark.parametrize(("status", "code", "message"), [(403, 50001, "Missing Access"), (500, 0, "Server Error")])
async def test_a_reminder_discord_refuses_is_recorded_and_the_others_still_go(world, status, code, message):
    other = world.guild.create_text_channel("homework")
    await create(world)
    await create(world, channel=other)
    world.env.inject_error(
        "POST", f"/channels/{world.channel.id}/messages", status=status, code=code, message=message, times=None
    )
    await advance_to(world, REMINDER + timedelta(minutes=2))
    world.env.backend.faults.clear()
    assert reminders(world) == [] and len(reminders(world, other)) == 1
    assert rows(world, "SELECT number, reminder, reminder_note FROM assignments ORDER BY number") == [
        (1, "failed", f"Discord said: {message}"),
        (2, "sent", None),
    ]
    await advance_to(world, REMINDER + timedelta(hours=3))
    assert reminders(world) == [], "never tried twice: a 5xx may have posted it"
    listed = (await world.teacher.slash(world.channel, "assign list")).response.embeds[0]
    assert f"⚠️ reminder not sent: Discord said: {message}" in listed.fields[0].value


async def test_a_reminder_missed_until_the_due_time_is_skipped(world):
    await create(world)
    await world.bot.unload_extension("bot.cogs.homework")  # the bot is down
    await advance_to(world, FRIDAY_5PM + timedelta(minutes=5))
    await world.restart()
    await world.env.advance_time(120)
    assert reminders(world) == []
    assert rows(world, "SELECT reminder, reminder_note FROM assignments") == [
        ("skipped", "the bot was offline until the due time")
    ]


async def test_start_on_a_closed_assignment_says_so(world):
    await create(world)
    [posted] = announcements(world.channel)
    on_screen = copy.deepcopy(world.env.backend.get_message(world.channel.id, posted.id))
    await world.teacher.slash(world.channel, "assign close", id=1)
    refused = await forge_click(world, world.alice, posted, "hw:start:1", as_it_was=on_screen)
    assert refused.ephemeral and "Assignment #1 is closed" in refused.response.content
    assert (await homework_of(world, world.alice)) == {}
