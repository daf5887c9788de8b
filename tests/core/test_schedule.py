"""Schedules in local time: next runs across DST, the daily term, catch-up and rotation."""

from __future__ import annotations

import itertools
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
    WeeklySlot,
    advance,
    catch_up,
    check_schedule_limit,
    daily_due,
    daily_nonce,
    daily_retry_at,
    days_to_mask,
    format_days,
    local_date,
    mask_to_days,
    next_daily_run,
    next_run,
    next_term,
    parse_days,
    parse_time,
)

NY = ZoneInfo("America/New_York")
LONDON = ZoneInfo("Europe/London")
UTC_ZONE = ZoneInfo("UTC")
MON, TUE, WED, THU, FRI, SAT, SUN = range(7)


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


def local(zone: ZoneInfo, *args) -> datetime:
    return datetime(*args, tzinfo=zone)


# --- next_run across DST changes ------------------------------------------------------------


@pytest.mark.parametrize(
    ("zone", "after", "expected_utc"),
    [
        # New York springs forward on 2026-03-08: 09:00 is 14:00 UTC before, 13:00 UTC after.
        (NY, utc(2026, 3, 7, 0), utc(2026, 3, 7, 14)),
        (NY, utc(2026, 3, 7, 14), utc(2026, 3, 8, 13)),
        # ... and falls back on 2026-11-01: 13:00 UTC before, 14:00 UTC after.
        (NY, utc(2026, 10, 31, 0), utc(2026, 10, 31, 13)),
        (NY, utc(2026, 10, 31, 13), utc(2026, 11, 1, 14)),
        # London: 2026-03-29 (GMT -> BST) and 2026-10-25 (BST -> GMT).
        (LONDON, utc(2026, 3, 28, 10), utc(2026, 3, 29, 8)),
        (LONDON, utc(2026, 10, 24, 10), utc(2026, 10, 25, 9)),
    ],
)
def test_nine_oclock_stays_nine_oclock_local_across_dst(zone, after, expected_utc):
    run = next_run(EVERY_DAY, time(9), zone, after)
    assert run == expected_utc
    assert run.astimezone(zone).time() == time(9)
    assert run.tzinfo is UTC


@pytest.mark.parametrize(
    ("zone", "at", "after", "fires_utc", "fires_local"),
    [
        (NY, time(2, 30), utc(2026, 3, 7, 12), utc(2026, 3, 8, 7), time(3, 0)),
        (LONDON, time(1, 30), utc(2026, 3, 28, 12), utc(2026, 3, 29, 1), time(2, 0)),
    ],
)
def test_time_in_spring_forward_gap_fires_when_the_clocks_jump(zone, at, after, fires_utc, fires_local):
    run = next_run(EVERY_DAY, at, zone, after)
    assert run == fires_utc
    assert run.astimezone(zone).time() == fires_local
    # The day after, the slot is back at its own time.
    assert next_run(EVERY_DAY, at, zone, run).astimezone(zone).time() == at


def test_gap_keeps_slot_order():
    after = utc(2026, 3, 8, 0)
    in_gap = next_run(EVERY_DAY, time(2, 30), NY, after)
    just_after_gap = next_run(EVERY_DAY, time(3, 15), NY, after)
    assert in_gap < just_after_gap


@pytest.mark.parametrize(
    ("zone", "after", "first", "following"),
    [
        # 01:30 happens twice on fall-back night; the schedule fires once, at the first (summer) one.
        (NY, utc(2026, 10, 31, 12), utc(2026, 11, 1, 5, 30), utc(2026, 11, 2, 6, 30)),
        (LONDON, utc(2026, 10, 24, 12), utc(2026, 10, 25, 0, 30), utc(2026, 10, 26, 1, 30)),
    ],
)
def test_ambiguous_fall_back_time_fires_once_at_first_occurrence(zone, after, first, following):
    run = next_run(EVERY_DAY, time(1, 30), zone, after)
    assert run == first
    assert run.astimezone(zone).fold == 0
    assert next_run(EVERY_DAY, time(1, 30), zone, run) == following


def test_leap_day():
    # 2028-02-29 is a Tuesday: a Tuesday slot lands on it, and "every day" does not skip it.
    assert next_run(frozenset({TUE}), time(9), UTC_ZONE, utc(2028, 2, 23, 12)) == utc(2028, 2, 29, 9)
    assert next_run(EVERY_DAY, time(9), NY, utc(2028, 2, 28, 15)) == utc(2028, 2, 29, 14)
    assert next_run(EVERY_DAY, time(9), NY, utc(2027, 2, 28, 15)) == utc(2027, 3, 1, 14)


@pytest.mark.parametrize(
    ("name", "after", "expected_utc"),
    [
        ("Asia/Kolkata", utc(2026, 1, 14), utc(2026, 1, 14, 3, 30)),  # +05:30
        ("Asia/Kathmandu", utc(2026, 1, 14), utc(2026, 1, 14, 3, 15)),  # +05:45
        ("Australia/Eucla", utc(2026, 1, 14), utc(2026, 1, 14, 0, 15)),  # +08:45
        ("Australia/Adelaide", utc(2026, 4, 3, 12), utc(2026, 4, 3, 22, 30)),  # +10:30 (summer)
        ("Australia/Adelaide", utc(2026, 4, 4, 12), utc(2026, 4, 4, 23, 30)),  # +09:30 after 2026-04-05
        ("Pacific/Chatham", utc(2026, 1, 14), utc(2026, 1, 14, 19, 15)),  # +13:45 (summer)
        ("Pacific/Chatham", utc(2026, 7, 14), utc(2026, 7, 14, 20, 15)),  # +12:45
    ],
)
def test_zones_with_30_and_45_minute_offsets(name, after, expected_utc):
    run = next_run(EVERY_DAY, time(9), ZoneInfo(name), after)
    assert run == expected_utc
    assert run.astimezone(ZoneInfo(name)).time() == time(9)


def test_gaps_in_half_hour_zones():
    # Adelaide jumps 02:00 -> 03:00 on 2026-10-04; Chatham 02:45 -> 03:45 on 2026-09-27.
    adelaide = next_run(EVERY_DAY, time(2, 30), ZoneInfo("Australia/Adelaide"), utc(2026, 10, 3))
    assert adelaide == utc(2026, 10, 3, 16, 30)
    chatham = next_run(EVERY_DAY, time(3), ZoneInfo("Pacific/Chatham"), utc(2026, 9, 26))
    assert chatham.astimezone(ZoneInfo("Pacific/Chatham")).time() == time(3, 45)
    assert chatham == utc(2026, 9, 26, 14)


def test_next_run_is_strictly_after_and_picks_the_listed_days():
    slot = utc(2026, 6, 1, 13)  # Monday 09:00 in New York
    mwf = frozenset({MON, WED, FRI})
    assert next_run(mwf, time(9), NY, slot - timedelta(seconds=1)) == slot
    assert next_run(mwf, time(9), NY, slot) == utc(2026, 6, 3, 13)  # Wednesday, not the same instant
    assert next_run(frozenset({MON}), time(9), NY, slot) == utc(2026, 6, 8, 13)  # a week later


def test_next_run_property_over_random_inputs():
    rng = random.Random(5)
    zones = [ZoneInfo(n) for n in ("America/New_York", "Europe/London", "Pacific/Chatham", "Asia/Kathmandu")]
    for _ in range(400):
        zone = rng.choice(zones)
        days = frozenset(rng.sample(range(7), rng.randint(1, 7)))
        at = time(rng.randrange(24), rng.choice((0, 15, 30, 45)))
        after = utc(2026, 1, 1) + timedelta(seconds=rng.randrange(366 * 86400))
        run = next_run(days, at, zone, after)
        assert after < run <= after + timedelta(days=8)
        assert run.astimezone(zone).weekday() in days
        # Nothing earlier qualifies: asking from one second before gives the same slot.
        assert next_run(days, at, zone, run - timedelta(seconds=1)) == run


def test_next_run_rejects_programming_errors():
    with pytest.raises(ValueError, match="non-empty"):
        next_run(frozenset(), time(9), NY, utc(2026, 1, 1))
    with pytest.raises(ValueError, match="aware"):
        next_run(EVERY_DAY, time(9), NY, datetime(2026, 1, 1))


# --- quiz catch-up --------------------------------------------------------------------------


def test_catch_up_runs_a_slot_missed_by_up_to_ten_minutes():
    slot = utc(2026, 6, 1, 13)
    assert catch_up(slot, slot) == "run"
    assert catch_up(slot, slot + timedelta(minutes=5)) == "run"  # down 5 minutes
    assert catch_up(slot, slot + timedelta(minutes=10)) == "run"
    assert catch_up(slot, slot + timedelta(minutes=11)) == "skip"  # down 11 minutes
    assert catch_up(slot, slot + timedelta(minutes=3), grace=timedelta(minutes=2)) == "skip"


def test_advance_after_long_outage_gives_one_next_slot_and_no_backlog():
    schedule = WeeklySlot(frozenset({MON, WED, FRI}), time(9), NY)
    missed = utc(2026, 6, 1, 13)  # Monday's slot; the bot comes back on Thursday
    now = utc(2026, 6, 4, 13, 5)
    runs, stored = [], missed
    for tick in range(0, 120 * 60, 30):  # a loop ticking every 30 s for two hours
        at = now + timedelta(seconds=tick)
        if stored <= at:
            if catch_up(stored, at) == "run":
                runs.append(stored)
            stored = advance(schedule, at)
    assert runs == []
    assert stored == utc(2026, 6, 5, 13) == schedule.next_after(now)  # Friday 09:00


def test_slot_five_minutes_late_runs_once():
    schedule = WeeklySlot(WEEKDAYS, time(9), NY)
    slot = utc(2026, 6, 1, 13)
    runs, stored = [], slot
    for tick in range(5 * 60, 60 * 60, 30):
        at = slot + timedelta(seconds=tick)
        if stored <= at:
            if catch_up(stored, at) == "run":
                runs.append(stored)
            stored = advance(schedule, at)
    assert runs == [slot]


def test_schedule_limit():
    check_schedule_limit(MAX_QUIZ_SCHEDULES - 1)
    with pytest.raises(BadInput, match="25 scheduled quizzes"):
        check_schedule_limit(MAX_QUIZ_SCHEDULES)


# --- the daily term -------------------------------------------------------------------------


def run_daily(zone, post_time, last, start, end, up=lambda at: True):
    """Simulate the loop every 30 s from `start` to `end`; returns the local dates posted."""
    posted, wake, at = [], next_daily_run(start, zone, post_time, last), start
    while at <= end:
        if up(at) and wake <= at:
            if daily_due(at, zone, post_time, last):
                last = local_date(at, zone)
                posted.append(last)
            wake = next_daily_run(at, zone, post_time, last)
        at += timedelta(seconds=30)
    return posted


def test_daily_due_rules():
    post = time(9)
    assert not daily_due(local(NY, 2026, 6, 1, 8, 59), NY, post, date(2026, 5, 31))
    assert daily_due(local(NY, 2026, 6, 1, 9, 0), NY, post, date(2026, 5, 31))
    assert daily_due(local(NY, 2026, 6, 1, 23, 59), NY, post, None)
    assert not daily_due(local(NY, 2026, 6, 1, 9, 30), NY, post, date(2026, 6, 1))


def test_daily_down_at_post_time_back_same_day_posts_once():
    down = (local(NY, 2026, 6, 1, 8, 50), local(NY, 2026, 6, 1, 13, 0))
    posted = run_daily(
        NY,
        time(9),
        date(2026, 5, 31),
        down[0],
        local(NY, 2026, 6, 1, 23, 59),
        up=lambda at: not down[0] <= at < down[1],
    )
    assert posted == [date(2026, 6, 1)]


def test_daily_back_three_days_later_posts_only_today():
    down = (local(NY, 2026, 6, 1, 10), local(NY, 2026, 6, 4, 15))
    posted = run_daily(
        NY, time(9), date(2026, 6, 1), down[0], local(NY, 2026, 6, 5, 8), up=lambda at: not down[0] <= at < down[1]
    )
    assert posted == [date(2026, 6, 4)]


def test_daily_posts_every_day_at_local_time_across_dst():
    start, end = local(NY, 2026, 3, 6, 0), local(NY, 2026, 3, 10, 0)
    assert run_daily(NY, time(9), None, start, end) == [date(2026, 3, d) for d in (6, 7, 8, 9)]
    posts = [next_daily_run(local(NY, 2026, 3, d, 8), NY, time(9), None) for d in (7, 8)]
    assert [p.astimezone(NY).time() for p in posts] == [time(9), time(9)]
    assert posts[1] - posts[0] == timedelta(hours=23)


def test_next_daily_run():
    post, now = time(9), local(NY, 2026, 6, 1, 10)
    assert next_daily_run(now, NY, post, date(2026, 5, 31)) == now  # due: catch up now
    assert next_daily_run(now, NY, post, date(2026, 6, 1)) == local(NY, 2026, 6, 2, 9)
    assert next_daily_run(now, NY, post, date(2026, 5, 31), catch_up=False) == local(NY, 2026, 6, 2, 9)
    assert next_daily_run(local(NY, 2026, 6, 1, 8), NY, post, None) == local(NY, 2026, 6, 1, 9)
    # A date already posted (the zone moved east) is not posted again.
    assert next_daily_run(local(NY, 2026, 6, 1, 8), NY, post, date(2026, 6, 1)) == local(NY, 2026, 6, 2, 9)


def test_daily_retry_stays_within_the_local_day():
    post = time(9)
    now = local(NY, 2026, 6, 1, 9)
    assert daily_retry_at(now, NY, post, 1) == now + timedelta(minutes=1)
    assert daily_retry_at(now, NY, post, 2) == now + timedelta(minutes=5)
    tomorrow = local(NY, 2026, 6, 2, 9)
    assert daily_retry_at(now, NY, post, DAILY_MAX_ATTEMPTS) == tomorrow
    late = local(NY, 2026, 6, 1, 23, 59)
    assert daily_retry_at(late, NY, post, 1) == tomorrow  # never spills into the next date


def test_an_unconfirmed_send_is_retried_only_while_discord_drops_a_copy():
    post = time(9)
    first = utc(2026, 1, 1, 14)  # 09:00 in New York
    tomorrow = utc(2026, 1, 2, 14)
    assert daily_retry_at(first, NY, post, 1, unsure_since=first) == first + timedelta(minutes=1)
    assert daily_retry_at(first + timedelta(minutes=1), NY, post, 2, first) == first + NONCE_WINDOW
    assert daily_retry_at(first + NONCE_WINDOW, NY, post, 3, first) == tomorrow, "the window is over"
    slow = first + timedelta(seconds=75)  # the send took a while to fail
    assert daily_retry_at(slow, NY, post, 1, first) == tomorrow
    assert daily_retry_at(first, NY, post, DAILY_MAX_ATTEMPTS, first) == tomorrow
    with pytest.raises(ValueError):
        daily_retry_at(first, NY, post, 1, datetime(2026, 1, 1, 14))


def test_the_daily_nonce_is_one_per_server_and_local_date():
    nonce = daily_nonce(123456789012345678, date(2026, 1, 1))
    assert nonce == daily_nonce(123456789012345678, date(2026, 1, 1)), "every send of the day: the same"
    assert isinstance(nonce, str) and len(nonce) <= 25  # Discord's limit
    many = {daily_nonce(g, date(2026, 1, 1) + timedelta(days=d)) for g in range(300) for d in range(366)}
    assert len(many) == 300 * 366, "no two (server, date) pairs share one"


def test_local_date_follows_the_zone():
    instant = utc(2026, 6, 2, 2)  # 22:00 on June 1st in New York
    assert local_date(instant, NY) == date(2026, 6, 1)
    assert local_date(instant, ZoneInfo("Asia/Kolkata")) == date(2026, 6, 2)


# --- daily term rotation --------------------------------------------------------------------


def picks(term_ids, count, seed=1, order=None, position=0):
    rng, out = random.Random(seed), []
    order = order or []
    for _ in range(count):
        term, order, position = next_term(order, position, term_ids, rng)
        out.append(term)
    return out, order, position


def test_rotation_shows_every_term_once_before_any_repeat():
    terms = [f"t{i}" for i in range(10)]
    shown, _, _ = picks(terms, 50)
    for cycle in range(5):
        assert sorted(shown[cycle * 10 : cycle * 10 + 10]) == terms
    assert shown[:10] != shown[10:20], "each cycle is shuffled anew"


def test_new_cycle_never_starts_with_the_term_that_ended_the_last():
    for seed in range(200):
        shown, _, _ = picks(["a", "b", "c"], 30, seed=seed)
        assert all(x != y for x, y in itertools.pairwise(shown)), shown


def test_rotation_with_one_term_and_no_terms():
    assert picks(["only"], 3)[0] == ["only"] * 3
    with pytest.raises(BadInput, match="no terms"):
        next_term([], 0, [], random.Random(1))


def test_rotation_skips_vanished_terms_and_adds_new_ones_to_the_cycle():
    terms = [f"t{i}" for i in range(6)]
    shown, order, position = picks(terms, 2)
    gone = order[4]
    deck = [t for t in terms if t != gone] + ["new1", "new2"]
    rest, order, position = picks(deck, 5, seed=2, order=order, position=position)
    assert gone not in rest and gone not in order
    assert sorted(shown + rest) == sorted(deck), "the cycle finishes with the new terms in it"
    assert position == len(order) == 7


def test_rotation_is_deterministic_and_tolerates_a_bad_position():
    assert picks(["a", "b", "c", "d"], 8, seed=9) == picks(["a", "b", "c", "d"], 8, seed=9)
    term, order, position = next_term(["a", "b"], 99, ["a", "b"], random.Random(3))
    assert term in {"a", "b"} and position == 1 and sorted(order) == ["a", "b"]


# --- parsing what teachers type -------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("09:00", time(9)),
        ("9:00", time(9)),
        ("0900", time(9)),
        ("9am", time(9)),
        ("9 pm", time(21)),
        ("9:30 p.m.", time(21, 30)),
        ("21:30", time(21, 30)),
        ("12am", time(0)),
        ("12pm", time(12)),
        (" Noon ", time(12)),
    ],
)
def test_parse_time_accepts(text, expected):
    assert parse_time(text) == expected


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("25:00", "hours go from 0 to 23"),
        ("9:75", "minutes go from 00 to 59"),
        ("noonish", '"noonish"'),
        ("", "Please give a time"),
        ("13pm", "1 to 12"),
        ("9", "09:00 (9am) or 21:00 (9pm)"),  # a bare hour is ambiguous: refused, both offered
        ("21", "Did you mean 21:00?"),
    ],
)
def test_parse_time_refuses_with_a_friendly_hint(text, says):
    with pytest.raises(BadInput) as caught:
        parse_time(text)
    assert says in str(caught.value)
    assert "09:00" in str(caught.value), "the expected format is shown"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("mon,wed,fri", {MON, WED, FRI}),
        ("Mon Wed Fri", {MON, WED, FRI}),
        ("monday, tuesday", {MON, TUE}),
        ("Tuesdays and Thursdays", {TUE, THU}),
        ("weekdays", set(range(5))),
        ("weekends", {SAT, SUN}),
        ("daily", set(range(7))),
        ("every day", set(range(7))),
        ("mon-fri", set(range(5))),
        ("fri - mon", {FRI, SAT, SUN, MON}),
        ("mon to wed, sat", {MON, TUE, WED, SAT}),
    ],
)
def test_parse_days_accepts(text, expected):
    assert parse_days(text) == frozenset(expected)


def test_parse_days_names_the_bad_word():
    with pytest.raises(BadInput, match=r'"mnday"\. Did you mean "monday"\?'):
        parse_days("mnday, wed")
    with pytest.raises(BadInput, match='"funday"'):
        parse_days("funday")
    with pytest.raises(BadInput, match="at least one day"):
        parse_days(" , ")
    with pytest.raises(BadInput, match="mon-fri"):
        parse_days("mon-")


def test_day_masks_and_labels():
    for days in (frozenset({MON}), frozenset({SUN}), WEEKDAYS, EVERY_DAY, frozenset({TUE, SAT})):
        assert mask_to_days(days_to_mask(days)) == days
    assert days_to_mask(frozenset({MON, WED})) == 0b101
    assert format_days(WEEKDAYS) == "weekdays"
    assert format_days(frozenset({FRI, MON, WED})) == "Mon, Wed, Fri"
