"""/assign create, list, close and remove through the real discord.py client: each kind announced
with its task, due time and Start button; bad due dates and options; teacher-only commands (also
with a server's override); the bot's own permissions; a refused or unanswered announcement; the 25
limit; close and remove (confirm for the teacher who asked, also after a restart). The simulated
clock starts on Thursday 2026-01-01 00:00 UTC."""

from __future__ import annotations

import copy
from datetime import UTC, datetime

import discord
import pytest

from tests.e2e.helpers import dump, let_use, rows
from tests.e2e.test_daily import shown_at
from tests.e2e.test_review import buttons, forge_click

FRIDAY_5PM = datetime(2026, 1, 2, 17, tzinfo=UTC)


async def create(world, member=None, **options):
    options = {"kind": "test", "due": "fri 17:00", **options}
    return await (member or world.teacher).slash(world.channel, "assign create", **options)


def said(result) -> str:
    """The reply's text, whether it answered at once or after deferring."""
    return result.followups[-1].content if result.followups else result.response.content


def announcements(channel):
    """The assignment announcements in a channel, oldest first."""
    found = [m for m in channel.history() if m.embeds and "ssignment #" in (m.embeds[0].title or "")]
    return sorted(found, key=lambda m: m.id)


def labels(message) -> list[str]:
    """The button labels of a channel message."""
    return [c.label for row in message.components for c in row.children]


async def test_each_kind_is_announced_with_its_task_due_time_and_a_start_button(world):
    test = await create(world, topic="metrics", questions=5)
    assert test.ephemeral and "Assignment **#1** is posted" in said(test)
    assert f"due {shown_at(FRIDAY_5PM)}; on this server's clock that is Fri 2 Jan 2026 17:00 (UTC)" in said(test)
    assert "I'll post a reminder there 24 hours before it is due." in said(test)
    [posted] = announcements(world.channel)
    embed = posted.embeds[0]
    assert embed.title == "📚 New assignment #1"
    assert embed.description == (
        "Practice test on **Feedback and metrics**: score **80%** or more on a 5-question test.\n"
        f"Due {shown_at(FRIDAY_5PM)}."
    )
    assert labels(posted) == ["Start"]

    homework = world.guild.create_text_channel("homework")
    review = await create(world, kind="review", due="2026-01-10 08:00", goal=15, topic="metrics", channel=homework)
    assert f"posted in <#{homework.id}>" in said(review)
    assert (
        announcements(homework)[0]
        .embeds[0]
        .description.startswith("Flashcard review on **Feedback and metrics**: **15** reviews.")
    )
    learn = await create(world, kind="learn", due="today 20:00")
    assert "It is due within 24 hours, so the announcement is the only reminder." in said(learn)
    assert (
        announcements(world.channel)[-1]
        .embeds[0]
        .description.startswith("Learn on **every topic**: learn **10** terms.")
    )
    stored = rows(
        world, "SELECT number, kind, goal, topic, questions, channel_id, reminder FROM assignments ORDER BY id"
    )
    assert stored == [
        (1, "test", 80, "metrics", 5, world.channel.id, None),
        (2, "review", 15, "metrics", None, homework.id, None),
        (3, "learn", 10, None, None, world.channel.id, "none"),
    ]
    assert rows(world, "SELECT COUNT(*) FROM assignment_terms WHERE assignment_id = 2") == [
        (sum(1 for c in world.bot.deck.study_cards() if c.topic == "metrics"),)
    ]


async def test_a_test_never_has_more_questions_than_its_topic(world):
    small = min(world.bot.deck.topics, key=lambda t: len(world.bot.deck.terms_in(t.id)))
    count = len(world.bot.deck.terms_in(small.id))
    result = await create(world, topic=small.id, questions=30)
    assert f"has {count} terms, so the test has {count} questions" in said(result)
    assert rows(world, "SELECT questions FROM assignments") == [(count,)]


@pytest.mark.parametrize(
    ("options", "expected"),
    [
        ({"due": "yesterday 9am"}, "couldn't read"),
        ({"due": "2025-12-31 17:00"}, "is in the past"),
        ({"due": "12/04"}, "could be December 4 or April 12"),
        ({"due": "next friday"}, "could mean"),
        ({"due": "whenever you like"}, "couldn't read"),
        ({"due": "fri 5"}, "05:00 or 17:00"),
        ({"due": "2028-01-01 09:00"}, "more than a year away"),
        ({"goal": 101}, "goal is 1-100"),
        ({"kind": "review", "questions": 10}, "only for test assignments"),
        ({"topic": "astrology"}, "no topic called"),
    ],
)
async def test_bad_due_dates_and_options_are_explained_and_change_nothing(world, options, expected):
    before = dump(world)
    result = await create(world, **options)
    assert result.ephemeral and expected in said(result), said(result)
    assert dump(world) == before and announcements(world.channel) == []


async def test_students_cannot_set_list_close_or_remove_homework(world):
    await create(world)
    for command in ("assign", "report"):
        let_use(world, command, world.alice)  # a server admin's override: the bot checks by itself
    before = dump(world)
    for command, options in (
        ("assign create", {"kind": "test", "due": "fri 17:00"}),
        ("assign list", {}),
        ("assign close", {"id": 1}),
        ("assign remove", {"id": 1}),
        ("report class", {}),
        ("report export", {}),
        ("report student", {"member": world.bob}),
        ("report term", {"term": "customer-loyalty"}),
    ):
        refused = await world.alice.slash(world.channel, command, **options)
        assert refused.ephemeral and "Manage Server" in said(refused), (command, said(refused))
    assert dump(world) == before and len(announcements(world.channel)) == 1


async def test_the_bot_checks_its_own_permissions_where_it_announces(world):
    hidden = world.guild.create_text_channel(
        "staff-only", overwrites={world.bot.user: discord.PermissionOverwrite(send_messages=False)}
    )
    before = dump(world)
    result = await create(world, channel=hidden)
    assert result.ephemeral and "I'm missing the Send Messages" in said(result)
    assert dump(world) == before


@pytest.mark.parametrize(
    ("status", "code", "message"),
    [(403, 50013, "Missing Permissions"), (500, 0, "Internal Server Error")],
)
async def test_an_announcement_discord_refuses_creates_nothing(world, status, code, message):
    world.env.inject_error(
        "POST", f"/channels/{world.channel.id}/messages", status=status, code=code, message=message, times=1
    )
    before = dump(world)
    result = await create(world)
    assert result.ephemeral and "no assignment was created" in said(result) and message in said(result)
    assert rows(world, "SELECT COUNT(*) FROM assignments") == [(0,)] and announcements(world.channel) == []
    assert [line for line in dump(world) if "assignment_numbers" not in line] == [
        line for line in before if "assignment_numbers" not in line
    ], "only the number is used up"
    again = await create(world)
    assert "Assignment **#2** is posted" in said(again), "the teacher can simply try again"


async def test_at_most_25_open_and_closing_one_makes_room(world):
    for number in range(1, 26):
        assert f"**#{number}**" in said(await create(world, kind="review", due=f"2026-02-{number:02d} 09:00"))
    refused = await create(world)
    assert refused.ephemeral and "already has 25 open assignments" in said(refused)
    listed = (await world.teacher.slash(world.channel, "assign list")).response.embeds[0]
    assert len(listed.fields) == 25 and listed.footer.text.startswith("25 of 25 open")
    closed = await world.teacher.slash(world.channel, "assign close", id=3)
    assert "Closed assignment **#3 · Flashcard review · every topic**" in said(closed)
    assert (
        "(closed)" in announcements(world.channel)[2].embeds[0].title
        and not announcements(world.channel)[2].components
    )
    assert "**#26**" in said(await create(world))
    again = await world.teacher.slash(world.channel, "assign close", id=3)
    assert again.ephemeral and "closed already" in said(again)
    choices = await world.teacher.autocomplete(world.channel, "assign close", "id", "")
    assert 3 not in [c["value"] for c in choices] and len(choices) == 25
    every = await world.teacher.autocomplete(world.channel, "assign remove", "id", "#3")
    assert [c["value"] for c in every] == [3] and every[0]["name"].endswith("(closed)")


async def test_remove_asks_the_teacher_who_asked_and_works_after_a_restart(world):
    await create(world, kind="review", topic="metrics")
    # The announcement as a student still has it on screen, Start button and all.
    on_screen = copy.deepcopy(world.env.backend.get_message(world.channel.id, announcements(world.channel)[0].id))
    prompt = await world.teacher.slash(world.channel, "assign remove", id=1)
    assert prompt.ephemeral and "Remove assignment **#1 · Flashcard review" in said(prompt)
    message = prompt.response
    refused = await forge_click(world, world.alice, message, buttons(message)["Remove it"])
    assert refused.ephemeral and "Only the teacher who asked" in refused.response.content
    await world.restart()
    await world.teacher.click(message, label="Remove it")
    assert "Removed assignment **#1" in message.content
    assert rows(world, "SELECT COUNT(*) FROM assignments") == [(0,)]
    [posted] = announcements(world.channel)
    assert "(removed)" in posted.embeds[0].title and not posted.components
    start = await forge_click(world, world.bob, posted, "hw:start:1", as_it_was=on_screen)
    assert start.ephemeral and "That assignment was removed" in start.response.content
    missing = await world.teacher.slash(world.channel, "assign remove", id=1)
    assert missing.ephemeral and "no assignment #1" in said(missing)


async def test_keep_it_removes_nothing(world):
    await create(world)
    prompt = await world.teacher.slash(world.channel, "assign remove", id=1)
    await world.teacher.click(prompt.response, label="Keep it")
    assert prompt.response.content == "Kept. Nothing was removed."
    assert rows(world, "SELECT COUNT(*) FROM assignments") == [(1,)]
