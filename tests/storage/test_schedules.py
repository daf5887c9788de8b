"""Schedule storage on real SQLite files: claims, compare-and-set, due queries and their indexes."""

from __future__ import annotations

import asyncio
import random
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.core.errors import BadInput
from bot.core.schedule import (
    DAILY_MAX_ATTEMPTS,
    EVERY_DAY,
    MAX_QUIZ_SCHEDULES,
    NONCE_WINDOW,
    WEEKDAYS,
    UnknownSchedule,
    advance,
    catch_up,
    daily_due,
    daily_retry_at,
    local_date,
    next_daily_run,
    next_term,
)
from bot.storage.schedules import DUE_DAILY_SQL, DUE_QUIZ_SQL, ScheduleStore
from tests.storage.engine import plan_of, uses_index

NY = ZoneInfo("America/New_York")
NOW = datetime(2026, 6, 1, 12, tzinfo=UTC)  # Monday, 08:00 in New York
TODAY = date(2026, 6, 1)


@pytest.fixture
def store(db):
    return ScheduleStore(db)


async def add_quiz(store, guild_id=1, channel_id=10, days=WEEKDAYS, at=time(9), now=NOW):
    return await store.add_quiz_schedule(
        guild_id, channel_id, days, at, questions=5, topic=None, mode="mc", seconds=20, created_by=99, now=now
    )


# --- time zone ------------------------------------------------------------------------------


async def test_timezone_defaults_to_utc_and_moves_schedules(store):
    assert (await store.get_timezone(1)).key == "UTC"
    await store.set_daily(1, 10, time(9), None, NOW)
    quiz = await add_quiz(store)
    assert quiz.next_run_at == datetime(2026, 6, 2, 9, tzinfo=UTC)  # 09:00 UTC was passed today
    await store.set_timezone(1, NY, NOW)
    assert (await store.get_timezone(1)).key == "America/New_York"
    daily = await store.get_daily(1)
    quiz = await store.get_quiz_schedule(1, quiz.number)
    assert daily.timezone == quiz.timezone == "America/New_York"
    assert daily.next_run_at == quiz.next_run_at == datetime(2026, 6, 1, 13, tzinfo=UTC)  # 09:00 New York


# --- daily term -----------------------------------------------------------------------------


async def test_set_daily_waits_for_the_next_post_time_and_resets_rotation_on_new_topic(store):
    await store.set_timezone(1, NY, NOW)
    late = NOW + timedelta(hours=3)  # 11:00 local, after today's 09:00
    settings = await store.set_daily(1, 10, time(9), "metrics", late)
    assert settings.active and settings.topic == "metrics"
    assert settings.next_run_at == datetime(2026, 6, 2, 13, tzinfo=UTC), "no immediate post when set up late"
    pick = next_term([], 0, ["a", "b"], random.Random(1))
    assert await store.claim_daily_post(1, TODAY, pick.term_id, late, rotation=pick)
    assert (await store.set_daily(1, 11, time(10), "metrics", late)).rotation_pos == 1
    changed = await store.set_daily(1, 11, time(10), "loyalty", late)
    assert (changed.rotation_order, changed.rotation_pos, changed.channel_id) == ([], 0, 11)


async def test_claim_is_unique_per_local_date(store):
    await store.set_daily(1, 10, time(9), None, NOW)
    assert await store.claim_daily_post(1, TODAY, "a", NOW)
    assert not await store.claim_daily_post(1, TODAY, "b", NOW), "pending: someone is sending it"
    await store.mark_sent(1, TODAY, 555, NOW, NOW + timedelta(days=1))
    assert not await store.claim_daily_post(1, TODAY, "c", NOW + timedelta(hours=1)), "sent: never twice"
    assert await store.claim_daily_post(1, TODAY + timedelta(days=1), "d", NOW + timedelta(days=1))
    assert await store.claim_daily_post(2, TODAY, "a", NOW), "another server's day is its own"
    assert await store.unsent_today(1, TODAY) is None
    settings = await store.get_daily(1)
    assert settings.last_posted_date == TODAY and settings.next_run_at == NOW + timedelta(days=1)


async def test_concurrent_claims_let_exactly_one_through(store):
    results = await asyncio.gather(*(store.claim_daily_post(1, TODAY, f"t{i}", NOW) for i in range(10)))
    assert sorted(results) == [False] * 9 + [True]


async def test_failed_post_is_retried_the_same_day_then_given_up(store):
    await store.set_daily(1, 10, time(9), None, NOW)
    assert await store.claim_daily_post(1, TODAY, "a", NOW)
    retry = NOW + timedelta(minutes=1)
    await store.mark_failed(1, TODAY, "503 Service Unavailable", NOW, retry)
    failed = await store.unsent_today(1, TODAY)
    assert (failed.status, failed.term_id, failed.attempts, failed.last_error) == (
        "failed",
        "a",
        1,
        "503 Service Unavailable",
    )
    assert (await store.get_daily(1)).next_run_at == retry
    for attempt in range(2, DAILY_MAX_ATTEMPTS + 1):
        assert await store.claim_daily_post(1, TODAY, failed.term_id, NOW)
        await store.mark_failed(1, TODAY, "still down", NOW, retry)
        assert (await store.unsent_today(1, TODAY)).attempts == attempt
    assert not await store.claim_daily_post(1, TODAY, "a", NOW), "given up after the last attempt"


async def test_an_unconfirmed_post_is_claimed_again_only_within_the_nonce_window(store):
    await store.set_daily(1, 10, time(9), None, NOW)
    assert await store.claim_daily_post(1, TODAY, "a", NOW)
    assert not await store.claim_daily_post(1, TODAY, "a", NOW + timedelta(seconds=30)), "in flight: never twice"
    await store.mark_failed(1, TODAY, "DiscordServerError: 503", NOW, NOW + timedelta(minutes=1), unsure=True)
    post = await store.unsent_today(1, TODAY)
    assert (post.status, post.unconfirmed, post.claimed_at, post.attempts) == ("pending", True, NOW, 1)
    assert await store.claim_daily_post(1, TODAY, "a", NOW + timedelta(minutes=1))
    resent = await store.unsent_today(1, TODAY)
    assert (resent.attempts, resent.unconfirmed, resent.claimed_at) == (2, False, NOW), "the window does not slide"
    await store.mark_failed(1, TODAY, "TimeoutError", NOW + timedelta(minutes=1), NOW, unsure=True)
    assert await store.claim_daily_post(1, TODAY, "a", NOW + NONCE_WINDOW)
    await store.mark_failed(1, TODAY, "TimeoutError", NOW + NONCE_WINDOW, NOW, unsure=True)
    assert not await store.claim_daily_post(1, TODAY, "a", NOW + NONCE_WINDOW + timedelta(seconds=1)), (
        "after the window a resend could be a second post"
    )


async def test_a_refused_post_after_an_unconfirmed_one_stays_unconfirmed(store):
    # The cog passes unsure=True for any failure of a resend of an unconfirmed post: the first
    # send may still be in the channel, so the row never becomes an ordinary 'failed' one.
    await store.set_daily(1, 10, time(9), None, NOW)
    assert await store.claim_daily_post(1, TODAY, "a", NOW)
    await store.mark_failed(1, TODAY, "503", NOW, NOW, unsure=True)
    assert await store.claim_daily_post(1, TODAY, "a", NOW + timedelta(minutes=1))
    await store.mark_failed(1, TODAY, "429", NOW + timedelta(minutes=1), NOW, unsure=True)
    assert not await store.claim_daily_post(1, TODAY, "a", NOW + timedelta(minutes=5))


async def test_rotation_is_stored_only_with_a_successful_claim(store):
    await store.set_daily(1, 10, time(9), None, NOW)
    first = next_term([], 0, ["a", "b", "c"], random.Random(1))
    assert await store.claim_daily_post(1, TODAY, first.term_id, NOW, rotation=first)
    second = next_term(first.order, first.position, ["a", "b", "c"], random.Random(1))
    assert not await store.claim_daily_post(1, TODAY, second.term_id, NOW, rotation=second)
    settings = await store.get_daily(1)
    assert (settings.rotation_order, settings.rotation_pos) == (first.order, 1)


async def test_due_daily_returns_only_due_active_servers(store):
    for guild in range(1, 6):
        await store.set_daily(guild, 10 + guild, time(guild), None, NOW)  # next runs 01:00 .. 05:00 tomorrow
    await store.disable_daily(2, NOW)
    await store.pause_daily(3, "missing permission to post", NOW)
    tomorrow = datetime(2026, 6, 2, tzinfo=UTC)
    assert await store.due_daily(tomorrow) == []
    due = await store.due_daily(tomorrow + timedelta(hours=4, minutes=30))
    assert [s.guild_id for s in due] == [1, 4]
    assert [s.guild_id for s in await store.due_daily(tomorrow + timedelta(hours=6), limit=1)] == [1]
    assert await store.resume_daily(3, tomorrow)
    resumed = await store.get_daily(3)
    assert resumed.active and resumed.next_run_at == tomorrow + timedelta(hours=3)
    assert not await store.resume_daily(42, tomorrow)


async def test_failure_with_pause_reason_pauses_the_daily_term(store):
    await store.set_daily(1, 10, time(9), None, NOW)
    assert await store.claim_daily_post(1, TODAY, "a", NOW)
    await store.mark_failed(1, TODAY, "Unknown Channel", NOW, NOW, pause_reason="channel deleted")
    assert (await store.get_daily(1)).paused_reason == "channel deleted"
    assert await store.due_daily(NOW + timedelta(days=2)) == []


# --- quiz schedules -------------------------------------------------------------------------


async def test_quiz_schedule_numbers_and_the_25_limit(store):
    first = await add_quiz(store)
    assert (first.number, first.days, first.local_time, first.questions) == (1, WEEKDAYS, time(9), 5)
    for _ in range(MAX_QUIZ_SCHEDULES - 1):
        await add_quiz(store)
    with pytest.raises(BadInput, match="25 scheduled quizzes"):
        await add_quiz(store)
    assert len(await store.list_quiz_schedules(1)) == MAX_QUIZ_SCHEDULES
    assert (await add_quiz(store, guild_id=2)).number == 1, "the limit and the numbers are per server"
    removed = await store.remove_quiz_schedule(1, 3)
    assert removed.number == 3
    assert (await add_quiz(store)).number == 26, "numbers are not reused while higher ones exist"
    with pytest.raises(UnknownSchedule, match="#3"):
        await store.get_quiz_schedule(1, 3)


async def test_a_server_cannot_touch_another_servers_schedule(store):
    await add_quiz(store, guild_id=1)
    with pytest.raises(UnknownSchedule):
        await store.remove_quiz_schedule(2, 1)
    with pytest.raises(UnknownSchedule):
        await store.pause_quiz_schedule(2, 1)
    assert len(await store.list_quiz_schedules(1)) == 1


async def test_advance_is_compare_and_set(store):
    quiz = await add_quiz(store)
    slot = quiz.next_run_at
    nxt = advance(quiz, slot)
    assert await store.advance_quiz_schedule(quiz.id, slot, nxt)
    assert not await store.advance_quiz_schedule(quiz.id, slot, nxt), "the slot is already taken"
    stored = await store.get_quiz_schedule(1, quiz.number)
    assert (stored.next_run_at, stored.last_run_at) == (nxt, slot)


async def test_two_overlapping_ticks_fire_a_slot_once(store):
    quiz = await add_quiz(store)
    now = quiz.next_run_at + timedelta(seconds=20)

    async def tick() -> bool:
        fired = False
        for due in await store.due_quiz_schedules(now):
            taken = await store.advance_quiz_schedule(due.id, due.next_run_at, advance(due, now))
            fired |= taken and catch_up(due.next_run_at, now) == "run"
        return fired

    assert sorted(await asyncio.gather(tick(), tick())) == [False, True]
    assert await store.due_quiz_schedules(now) == []


async def test_paused_schedules_are_not_due_and_resume_skips_missed_slots(store):
    quiz = await add_quiz(store, days=EVERY_DAY)
    paused = await store.pause_quiz_schedule(1, quiz.number)
    assert paused.paused and paused.paused_reason is None
    later = NOW + timedelta(days=3)
    assert await store.due_quiz_schedules(later) == []
    resumed = await store.resume_quiz_schedule(1, quiz.number, later)
    assert not resumed.paused and resumed.next_run_at == datetime(2026, 6, 5, 9, tzinfo=UTC)
    assert await store.due_quiz_schedules(later) == []


async def test_pause_channel_pauses_everything_posting_there(store):
    await store.set_daily(1, 10, time(9), None, NOW)
    await add_quiz(store, channel_id=10)
    await add_quiz(store, channel_id=11)
    assert await store.pause_channel(10, "channel deleted", NOW) == 2
    schedules = await store.list_quiz_schedules(1)
    assert [(s.channel_id, s.paused, s.paused_reason) for s in schedules] == [
        (10, True, "channel deleted"),
        (11, False, None),
    ]
    assert not (await store.get_daily(1)).active


async def test_due_quiz_schedules_only_due_unpaused_in_slot_order(store):
    early = await add_quiz(store, at=time(9))
    late = await add_quiz(store, at=time(10))
    await add_quiz(store, at=time(9, 30))
    await store.pause_quiz_schedule(1, 3)
    now = datetime(2026, 6, 2, 10, tzinfo=UTC)
    assert [s.id for s in await store.due_quiz_schedules(now)] == [early.id, late.id]
    assert [s.id for s in await store.due_quiz_schedules(now, limit=1)] == [early.id]


# --- the due queries use their partial indexes ----------------------------------------------


@pytest.mark.parametrize(
    ("sql", "index"),
    [(DUE_DAILY_SQL, "daily_settings_due"), (DUE_QUIZ_SQL, "quiz_schedules_due")],
    ids=["daily", "quiz"],
)
async def test_due_queries_use_their_index(store, sql, index):
    for guild in range(200):
        await store.set_daily(guild, guild, time(guild % 24), None, NOW)
        await add_quiz(store, guild_id=guild, at=time(guild % 24))
    await store.db.execute("ANALYZE")
    plan = await plan_of(store.db, sql, (0, 500))
    assert uses_index(store.db, plan, index), plan
    assert "SCAN" not in plan.replace("Index Scan", "") and "TEMP B-TREE" not in plan, plan
    assert "Sort" not in plan, "the index gives the next-run order"


# --- the daily recipe documented in bot.core.schedule, end to end ---------------------------


async def daily_tick(store, now, send, term_ids=("a", "b", "c")):
    """One loop tick for the daily term, exactly as the module notes of bot.core.schedule say."""
    for row in await store.due_daily(now):
        zone, t, guild = row.zone, row.post_time, row.guild_id
        if not daily_due(now, zone, t, row.last_posted_date):
            await store.reschedule_daily(guild, next_daily_run(now, zone, t, row.last_posted_date), now)
            continue
        today = local_date(now, zone)
        old = await store.unsent_today(guild, today)
        if old and old.status == "failed":
            term, pick = old.term_id, None
        else:
            pick = next_term(row.rotation_order, row.rotation_pos, term_ids, random.Random(now.timestamp()))
            term = pick.term_id
        if not await store.claim_daily_post(guild, today, term, now, rotation=pick):
            await store.reschedule_daily(guild, next_daily_run(now, zone, t, today), now)
            continue
        try:
            message_id = send(now, term)
        except RuntimeError as exc:
            attempts = old.attempts + 1 if old else 1
            await store.mark_failed(guild, today, str(exc), now, daily_retry_at(now, zone, t, attempts))
        else:
            await store.mark_sent(guild, today, message_id, now, next_daily_run(now, zone, t, today))


async def run_ticks(store, start, hours, send):
    for step in range(hours * 120):  # every 30 s
        await daily_tick(store, start + timedelta(seconds=30 * step), send)


async def test_daily_recipe_posts_once_a_day_and_retries_a_failure_with_the_same_term(store):
    await store.set_timezone(1, NY, NOW)
    await store.set_daily(1, 10, time(9), None, NOW)
    sent, failures = [], iter([True, False])  # the first send fails, the retry works

    def send(at, term):
        if next(failures, False):
            raise RuntimeError("503")
        sent.append((local_date(at, NY), term, at))
        return len(sent)

    await run_ticks(store, NOW, 26, send)
    assert [d for d, _, _ in sent] == [TODAY, TODAY + timedelta(days=1)]
    assert sent[0][2] == datetime(2026, 6, 1, 13, 1, tzinfo=UTC), "retried one minute after the failure"
    assert sent[0][1] != sent[1][1], "the rotation moved on"


async def test_daily_recipe_never_duplicates_after_a_crash_mid_send(store):
    await store.set_daily(1, 10, time(9), None, NOW)  # UTC
    await store.claim_daily_post(1, date(2026, 6, 2), "a", NOW)  # claimed, then the bot died
    sent = []
    await run_ticks(store, datetime(2026, 6, 2, 8, tzinfo=UTC), 26, lambda at, term: sent.append(at) or 1)
    assert sent == [datetime(2026, 6, 3, 9, tzinfo=UTC)], "the uncertain day is not posted again"
