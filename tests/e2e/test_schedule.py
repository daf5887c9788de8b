"""Scheduled class quizzes end to end: /schedule add|list|pause|resume|remove, the notice and the
round, restarts, skipping missed and busy slots, the 25 limit. The simulated clock starts on
Thursday 2026-01-01 00:00 UTC (the server zone stays UTC unless a test sets one)."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

from bot.ui import limits
from tests.e2e.helpers import let_use, rows
from tests.e2e.test_daily import advance_to, bot_down, shown_at
from tests.e2e.test_quiz import button, question_of, wrong_choice

T0 = datetime(2026, 1, 1, tzinfo=UTC)
SLOT = T0 + timedelta(minutes=10)  # Thursday 00:10 UTC
NOTICE = "Quiz starts in 1 minute"


async def add(world, days="mon,thu", time="00:10", channel=None, **options):
    options = {"questions": 2, "mode": "multiple_choice", "seconds": 10, **options}
    return await world.teacher.slash(
        world.channel, "schedule add", channel=channel or world.channel, days=days, time=time, **options
    )


async def listed(world) -> dict[str, str]:
    result = await world.teacher.slash(world.channel, "schedule list")
    assert result.ephemeral
    return {f.name: f.value for f in result.response.embeds[0].fields}


def notices(world):
    return [m for m in world.channel.history() if NOTICE in m.content]


def questions(world):
    return [m for m in world.channel.history() if m.embeds and (m.embeds[0].title or "").startswith("Question")]


async def test_add_list_pause_resume_remove(world):
    added = await add(world, days="Mon, Wed, Fri", time="2:30pm", questions=5, topic="metrics", seconds=30)
    assert added.ephemeral
    text = added.response.content
    assert "Scheduled quiz **#1**: Mon, Wed, Fri at 14:30 (UTC)" in text
    assert "5 questions on Feedback and metrics, multiple choice, 30 s each" in text
    first = datetime(2026, 1, 2, 14, 30, tzinfo=UTC)  # Friday
    assert f"First one: {shown_at(first)}." in text
    await add(world, days="weekends", time="09:00")
    fields = await listed(world)
    assert list(fields) == ["#1 · Mon, Wed, Fri at 14:30", "#2 · weekends at 09:00"]
    assert fields["#1 · Mon, Wed, Fri at 14:30"] == (
        f"in <#{world.channel.id}> · 5 questions on Feedback and metrics, multiple choice, 30 s each\n"
        f"Next: {shown_at(first)}"
    )

    paused = await world.teacher.slash(world.channel, "schedule pause", number=1)
    assert paused.ephemeral and "#1" in paused.response.content and "is paused" in paused.response.content
    assert "⏸️ Paused by a teacher" in (await listed(world))["#1 · Mon, Wed, Fri at 14:30"]
    await advance_to(world, first + timedelta(minutes=2))
    assert notices(world) == [], "a paused schedule does not run"

    resumed = await world.teacher.slash(world.channel, "schedule resume", number=1)
    monday = datetime(2026, 1, 5, 14, 30, tzinfo=UTC)
    assert f"Next: {shown_at(monday)}." in resumed.response.content, "missed slots are not run"
    choices = await world.teacher.autocomplete(world.channel, "schedule remove", "number", "")
    assert [c["value"] for c in choices] == [1, 2] and choices[0]["name"].startswith("#1 · Mon, Wed, Fri")
    removed = await world.teacher.slash(world.channel, "schedule remove", number=1)
    assert "Removed scheduled quiz #1" in removed.response.content
    assert list(await listed(world)) == ["#2 · weekends at 09:00"]
    unknown = await world.teacher.slash(world.channel, "schedule pause", number=7)
    assert unknown.ephemeral and "no scheduled quiz #7" in unknown.response.content


async def test_list_shows_local_times_in_the_server_zone(world):
    await world.teacher.slash(world.channel, "settings timezone", zone="Asia/Kolkata")  # UTC+05:30
    added = await add(world, days="daily", time="08:00")
    assert "every day at 08:00 (Asia/Kolkata)" in added.response.content
    embed = (await world.teacher.slash(world.channel, "schedule list")).response.embeds[0]
    at = datetime(2026, 1, 1, 2, 30, tzinfo=UTC)  # 08:00 in Kolkata
    # The server's 08:00 is named with its zone once, on top; the next run is one Discord
    # timestamp, which each reader sees in their own zone (not a second, unlabelled clock time).
    assert embed.description.startswith("Days and times are in **Asia/Kolkata (UTC+05:30)**")
    assert embed.fields[0].value.endswith(f"Next: {shown_at(at)}")


async def test_bad_input_is_refused_with_the_fix(world):
    typo = await add(world, days="mon,wed,fry")
    assert typo.ephemeral and 'Did you mean "friday"' in typo.response.content
    late = await add(world, time="25:00")
    assert late.ephemeral and "hours go from 0 to 23" in late.response.content
    topic = await add(world, topic="astrology")
    assert topic.ephemeral and "no topic called" in topic.response.content
    assert rows(world, "SELECT COUNT(*) FROM quiz_schedules") == [(0,)]


async def test_at_most_25_per_server(world):
    for number in range(25):
        result = await add(world, time=f"{number % 24:02d}:00")
        assert f"**#{number + 1}**" in result.response.content
    refused = await add(world)
    assert refused.ephemeral and "already has 25 scheduled quizzes" in refused.response.content
    assert rows(world, "SELECT COUNT(*) FROM quiz_schedules") == [(25,)]


async def test_25_paused_schedules_with_reasons_are_all_listed_in_pages(world):
    # Paused with a reason, 25 schedules made one 6,700-character embed: over Discord's 6,000, so
    # the teacher got an error (or, through the shared Panel net, a list with the last ones gone)
    # exactly when they needed the reasons.
    for number in range(25):
        await add(world, days="mon-fri", time=f"{number % 24:02d}:{10 + number // 24:02d}", questions=50,
                  topic="metrics", seconds=120)  # fmt: skip
    reason = "Missing Access: the bot's role lost View Channel here after the class reorganised"
    world.env.inject_error("POST", f"/channels/{world.channel.id}/messages", status=403, code=50001,
                           message=reason, times=None)  # fmt: skip
    await advance_to(world, SLOT + timedelta(seconds=30))
    assert rows(world, "SELECT COUNT(*) FROM quiz_schedules WHERE paused = 1 AND paused_reason LIKE ?",
                (f"%{reason}%",)) == [(25,)]  # fmt: skip
    world.env.backend.faults.clear()

    listing = await world.teacher.slash(world.channel, "schedule list")
    assert listing.ephemeral
    seen: dict[str, str] = {}
    sizes = []
    for page in range(1, 10):
        embed = listing.response.embeds[0]
        sizes.append(limits.embed_size(embed.to_dict()))
        assert limits.SHORTENED not in (embed.footer.text or ""), "nothing left out by the safety net"
        seen.update({f.name.split(" ·")[0]: f.value for f in embed.fields})
        if f"page {page} of {page}" in embed.footer.text:
            break
        await world.teacher.click(listing.response, label="Next ▶")
    assert page > 1 and max(sizes) <= limits.TOTAL and sum(sizes) > limits.TOTAL
    assert list(seen) == [f"#{n}" for n in range(1, 26)], "every schedule, in order, once"
    for number, value in enumerate(seen.values(), start=1):
        assert f"{reason}). /schedule resume {number} starts it again." in value, "the whole reason"

    # The list is private, so nobody else can click it (simcord refuses it as Discord does); the
    # button still checks its owner, whose id is in its custom_id.
    ids = [c["custom_id"] for row in listing.response.components for c in row["components"]]
    assert ids and all(i.startswith(f"sched:list:{world.teacher.id}:") for i in ids)
    await world.restart()
    await world.teacher.click(listing.response, label="◀ Previous")
    assert f"page {page - 1} of {page}" in listing.response.embeds[0].footer.text, "buttons survive a restart"


async def test_students_are_refused(world):
    let_use(world, "schedule", world.alice)
    refused = await world.alice.slash(
        world.channel, "schedule add", channel=world.channel, days="mon", time="09:00"
    )
    assert refused.ephemeral and "Manage Server" in refused.response.content
    listing = await world.alice.slash(world.channel, "schedule list")
    assert listing.ephemeral and "Manage Server" in listing.response.content


async def test_a_scheduled_round_runs_and_counts_on_the_leaderboard(world):
    await add(world)
    await advance_to(world, SLOT - timedelta(seconds=1))
    assert notices(world) == []
    await world.env.advance_time(1)
    [notice] = notices(world)
    assert notice.created_at == SLOT
    assert "Scheduled quiz #1: 2 questions, multiple choice, 10 s each" in notice.content
    await world.env.advance_time(59)
    assert questions(world) == [], "the round starts one minute after the notice"
    await world.env.advance_time(1)
    [first] = questions(world)
    assert first.created_at == SLOT + timedelta(minutes=1)
    for _ in range(2):
        msg = world.channel.last_message
        q = question_of(world)
        await world.alice.click(msg, custom_id=button(world, q.answer))
        await world.bob.click(msg, custom_id=button(world, wrong_choice(q)))
        await world.env.advance_time(15)  # the 10 s deadline (or everyone answered), the 5 s pause
    assert world.channel.last_message.embeds[0].title == "🏆 Quiz complete!"
    assert rows(world, "SELECT schedule_id, started_by, status FROM quiz_rounds") == [
        (1, world.bot.user.id, "finished")
    ]
    totals = rows(world, "SELECT user_id, correct, answered, rounds_won FROM quiz_totals WHERE period = 'all'")
    assert sorted(totals) == sorted([(world.alice.id, 2, 2, 1), (world.bob.id, 0, 2, 0)])
    monday = datetime(2026, 1, 5, 0, 10, tzinfo=UTC)
    assert shown_at(monday) in (await listed(world))["#1 · Mon, Thu at 00:10"]


async def test_a_restart_during_the_notice_minute_still_starts_the_round_once(world):
    await add(world)
    await advance_to(world, SLOT + timedelta(seconds=30))
    assert len(notices(world)) == 1
    await world.restart()
    await world.env.advance_time(30)
    assert [m.created_at for m in questions(world)] == [SLOT + timedelta(minutes=1)]
    await world.teacher.slash(world.channel, "quiz stop")
    await world.restart()
    await world.env.advance_time(120)
    assert len(notices(world)) == 1 and len(questions(world)) == 1
    assert rows(world, "SELECT COUNT(*) FROM quiz_rounds WHERE schedule_id = 1") == [(1,)]


async def test_busy_channel_skips_with_a_note(world):
    await add(world)
    await advance_to(world, SLOT - timedelta(minutes=1))
    await world.teacher.slash(world.channel, "quiz start", questions=10, seconds=120)
    await world.env.advance_time(120)
    skipped = [m for m in world.channel.history() if "was skipped" in m.content]
    assert [m.content for m in skipped] == [
        "⏭️ Scheduled quiz #1 was skipped: a quiz is already running in this channel."
    ]
    assert rows(world, "SELECT schedule_id FROM quiz_rounds") == [(None,)]


async def test_a_slot_missed_by_more_than_ten_minutes_is_skipped(world, caplog):
    caplog.set_level(logging.WARNING, logger="bot.cogs.schedule")
    await add(world)
    await advance_to(world, SLOT - timedelta(minutes=5))
    await bot_down(world)
    await advance_to(world, SLOT + timedelta(minutes=10, seconds=30))
    await world.restart()
    await world.env.advance_time(120)
    assert notices(world) == [] and questions(world) == []
    assert "missed by 0:10:30 (bot offline): skipped" in caplog.text
    monday = datetime(2026, 1, 5, 0, 10, tzinfo=UTC)
    assert shown_at(monday) in (await listed(world))["#1 · Mon, Thu at 00:10"]


async def test_a_slot_missed_by_a_few_minutes_still_runs(world):
    await add(world)
    await advance_to(world, SLOT - timedelta(minutes=5))
    await bot_down(world)
    back = SLOT + timedelta(minutes=4)
    await advance_to(world, back)
    await world.restart()
    await world.env.advance_time(1)
    [notice] = notices(world)
    assert notice.created_at == back
    await world.env.advance_time(60)
    assert [m.created_at for m in questions(world)] == [back + timedelta(minutes=1)]


async def test_deleting_the_channel_pauses_its_schedules(world):
    room = world.guild.create_text_channel("quiz-room")
    await add(world, channel=room)
    world.env.backend.delete_channel(room.id)
    await world.env.advance_time(1)
    value = (await listed(world))["#1 · Mon, Thu at 00:10"]
    assert "⏸️ Paused: the channel was deleted" in value
    await advance_to(world, SLOT + timedelta(minutes=2))
    assert notices(world) == []
