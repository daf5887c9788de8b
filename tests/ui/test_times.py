"""One style for times and dates (bot/ui/times.py), and the schedule screens within Discord's
limits on their own, without the shared Panel net cutting anything."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

import discord

from bot.core.retention import workload
from bot.core.schedule import DailyPost, DailySettings, QuizSchedule
from bot.core.zones import parse_zone
from bot.ui import limits
from bot.ui.daily import daily_status_embed
from bot.ui.schedule import list_pages, schedule_list_message
from bot.ui.settings import settings_embed
from bot.ui.times import calendar_date, moment, relative, wall_time, zone_now

NOW = datetime(2026, 1, 1, tzinfo=UTC)
NY = ZoneInfo("America/New_York")


def test_a_moment_is_one_discord_timestamp_in_each_readers_zone():
    assert moment(NOW) == "<t:1767225600:f> (<t:1767225600:R>)"
    assert relative(NOW) == "<t:1767225600:R>"


def test_server_times_carry_the_zone_and_dates_have_one_style():
    assert wall_time(time(9), NY) == "09:00 (America/New_York)"
    assert wall_time(time(9), parse_zone("GMT+5")) == "09:00 (UTC+05:00)", "never Etc/GMT-5"
    assert zone_now(NOW, NY) == "Wed 19:00"
    assert calendar_date(date(2026, 1, 1)) == "Thu 1 Jan 2026"
    assert calendar_date(date(2025, 12, 31)) == "Wed 31 Dec 2025"


def unaided(embed: discord.Embed) -> dict:
    """The embed as the screen built it, before Panel.to_dict() fits it."""
    data = discord.Embed.to_dict(embed)
    assert limits.embed_size(data) <= limits.TOTAL
    assert len(data.get("fields", [])) <= limits.FIELDS
    assert all(
        len(f["value"]) <= limits.FIELD_VALUE and len(f["name"]) <= limits.FIELD_NAME
        for f in data.get("fields", [])
    )
    assert len(data.get("description") or "") <= limits.DESCRIPTION
    return data


def long_schedules(count=25, reason_length=600) -> list[QuizSchedule]:
    said = "I'm not allowed to post in <#1234567890123456789> (Discord said: " + "x" * reason_length
    quiz = (50, None, "multiple_choice", 120, True)  # questions, topic, mode, seconds, paused
    where = (1234567890123456789, frozenset({0, 2, 4}), time(9))  # channel, days, time
    return [
        QuizSchedule(n, 1, n, *where, *quiz, f"{said[:reason_length]} #{n}", 2, NOW, None, "America/New_York")
        for n in range(1, count + 1)
    ]


def test_schedule_list_pages_hold_every_schedule_within_the_limits(deck):
    schedules = long_schedules()
    pages = list_pages(schedules, deck, NOW, NY)
    assert len(pages) > 1 and sum(len(p) for p in pages) == 25
    shown = []
    for page in range(len(pages)):
        embed, view = schedule_list_message(schedules, deck, NOW, NY, page=page, owner=42)
        data = unaided(embed)
        shown += [f["value"] for f in data["fields"]]
        assert f"page {page + 1} of {len(pages)}" in data["footer"]["text"] and view is not None
    assert all(s.paused_reason in value for s, value in zip(schedules, shown, strict=True))


def test_daily_and_settings_screens_fit_with_the_longest_texts(deck):
    paused = DailySettings(1, 1234567890123456789, time(9), None, True, "r" * 1000, NOW, date(2025, 12, 31),
                           ["a"] * 2000, 1999, "America/North_Dakota/New_Salem")  # fmt: skip
    post = DailyPost(1, date(2026, 1, 1), "a", "pending", None, NOW, None, 3, "e" * 500, NOW)
    unaided(daily_status_embed(paused, deck, NOW, post))
    unaided(daily_status_embed(replace(paused, paused_reason=None), deck, NOW, post))
    unaided(settings_embed(NY, NOW, paused, long_schedules(), deck, workload=workload(0.875), fitted=True))
