"""/settings timezone and /settings show through the real discord.py client, and who may use them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from tests.e2e.helpers import fields_of, let_use, rows
from tests.e2e.test_daily import advance_to, posts


async def test_set_and_show_the_time_zone(world):
    before = await world.teacher.slash(world.channel, "settings show")
    assert before.ephemeral
    assert fields_of(before.response.embeds[0])["Time zone"].startswith("UTC (UTC+00:00)")
    assert "Set your school's zone" in before.response.embeds[0].footer.text

    result = await world.teacher.slash(world.channel, "settings timezone", zone="America/New_York")
    assert result.ephemeral
    # The simulated clock starts at 2026-01-01 00:00 UTC: 19:00 on Wednesday in New York (winter time).
    assert "America/New_York (UTC-05:00)" in result.response.content
    assert "it is Wed 19:00 there" in result.response.content
    assert rows(world, "SELECT guild_id, timezone FROM guild_settings") == [(world.guild.id, "America/New_York")]

    shown = await world.teacher.slash(world.channel, "settings show")
    fields = fields_of(shown.response.embeds[0])
    assert fields["Time zone"] == "America/New_York (UTC-05:00) · now Wed 19:00 there"
    assert fields["Daily term"].startswith("Not set up")
    assert fields["Scheduled quizzes"].startswith("0 of 25")


@pytest.mark.parametrize(
    ("typed", "stored"),
    [("europe/london", "Europe/London"), ("EST", "America/New_York"), ("tokyo", "Asia/Tokyo")],
)
async def test_case_cities_and_abbreviations_are_understood(world, typed, stored):
    result = await world.teacher.slash(world.channel, "settings timezone", zone=typed)
    assert stored in result.response.content
    assert rows(world, "SELECT timezone FROM guild_settings") == [(stored,)]


async def test_invalid_zone_gets_close_suggestions_and_changes_nothing(world):
    await world.teacher.slash(world.channel, "settings timezone", zone="Europe/Paris")
    result = await world.teacher.slash(world.channel, "settings timezone", zone="America/New_Yrok")
    assert result.ephemeral and result.response.content.startswith("⚠️")
    assert 'don\'t know the time zone "America/New_Yrok"' in result.response.content
    assert "Did you mean America/New_York" in result.response.content
    assert rows(world, "SELECT timezone FROM guild_settings") == [("Europe/Paris",)]
    nothing = await world.teacher.slash(world.channel, "settings timezone", zone="Mars/Olympus_Mons_Base")
    assert nothing.ephemeral and "city-based name like America/New_York" in nothing.response.content


async def test_gmt_plus_5_means_five_hours_ahead_of_utc(world):
    # tzdata's Etc/GMT+5 is UTC-05:00 (POSIX inverts the sign): stored for "GMT+5", a 09:00 daily
    # term went out at 14:00 UTC instead of 04:00 UTC, ten hours off.
    result = await world.teacher.slash(world.channel, "settings timezone", zone="GMT+5")
    assert result.ephemeral and "**UTC+05:00 (fixed offset, no summer time)**" in result.response.content
    assert "it is Thu 05:00 there" in result.response.content  # 00:00 UTC + 5 hours
    assert "type UTC+5 in the zone option" in result.response.content
    await world.teacher.slash(world.channel, "daily set", channel=world.channel, time="09:00")
    await advance_to(world, datetime(2026, 1, 1, 4, 0, 1, tzinfo=UTC))
    [post] = posts(world)
    assert post.created_at == datetime(2026, 1, 1, 4, tzinfo=UTC), "09:00 at UTC+5 is 04:00 UTC"
    shown = fields_of((await world.teacher.slash(world.channel, "settings show")).response.embeds[0])
    assert shown["Time zone"] == "UTC+05:00 (fixed offset, no summer time) · now Thu 09:00 there"
    assert "every day at **09:00** (UTC+05:00)" in shown["Daily term"]


@pytest.mark.parametrize(("typed", "hours"), [("utc-3", -3), ("UTC+05:00", 5), ("gmt -10", -10)])
async def test_offsets_are_stored_as_meant(world, typed, hours):
    result = await world.teacher.slash(world.channel, "settings timezone", zone=typed)
    assert result.ephemeral and "fixed offset" in result.response.content
    [(stored,)] = rows(world, "SELECT timezone FROM guild_settings")
    assert datetime(2026, 7, 1, tzinfo=UTC).astimezone(ZoneInfo(stored)).utcoffset() == timedelta(hours=hours)


async def test_half_hour_offsets_and_inverted_names_are_refused_with_a_hint(world):
    await world.teacher.slash(world.channel, "settings timezone", zone="Europe/Paris")
    half = await world.teacher.slash(world.channel, "settings timezone", zone="UTC+05:30")
    assert half.ephemeral and half.response.content.startswith("⚠️")
    assert "whole-hour offsets" in half.response.content and "Asia/Kolkata" in half.response.content
    inverted = await world.teacher.slash(world.channel, "settings timezone", zone="Etc/GMT+5")
    assert inverted.ephemeral and "tzdata's name for UTC-05:00" in inverted.response.content
    assert rows(world, "SELECT timezone FROM guild_settings") == [("Europe/Paris",)], "nothing changed"


async def test_zone_autocomplete_offers_offsets_as_meant(world):
    choices = await world.teacher.autocomplete(world.channel, "settings timezone", "zone", "GMT+5")
    assert choices[0] == {"name": "UTC+05:00 (fixed offset, no summer time)", "value": "UTC+05:00"}
    assert not [c for c in choices if "Etc/GMT" in c["value"]], "never the inverted tzdata name"
    picked = await world.teacher.slash(world.channel, "settings timezone", zone=choices[0]["value"])
    assert "UTC+05:00" in picked.response.content


async def test_zone_autocomplete(world):
    popular = await world.teacher.autocomplete(world.channel, "settings timezone", "zone", "")
    assert popular[0]["value"] == "UTC" and len(popular) <= 25
    typed = await world.teacher.autocomplete(world.channel, "settings timezone", "zone", "new_y")
    assert typed[0]["value"] == "America/New_York"
    city = await world.teacher.autocomplete(world.channel, "settings timezone", "zone", "kolk")
    assert "Asia/Kolkata" in [c["value"] for c in city]


async def test_show_summarises_the_daily_term_and_schedules(world):
    await world.teacher.slash(world.channel, "settings timezone", zone="Europe/London")
    await world.teacher.slash(world.channel, "daily set", channel=world.channel, time="08:30", topic="metrics")
    await world.teacher.slash(world.channel, "schedule add", channel=world.channel, days="weekdays", time="10:00")
    await world.teacher.slash(world.channel, "schedule add", channel=world.channel, days="fri", time="15:00")
    await world.teacher.slash(world.channel, "schedule pause", number=2)
    fields = fields_of((await world.teacher.slash(world.channel, "settings show")).response.embeds[0])
    assert fields["Daily term"] == (
        f"On: every day at **08:30** (Europe/London) in <#{world.channel.id}>, from **Feedback and metrics**"
    )
    assert fields["Scheduled quizzes"].startswith("2 of 25 (1 active)")


async def test_students_are_refused_even_when_the_server_shows_them_the_command(world):
    assert "settings" not in world.alice.available_commands(world.channel), "hidden by default permissions"
    let_use(world, "settings", world.alice)
    refused = await world.alice.slash(world.channel, "settings timezone", zone="Asia/Tokyo")
    assert refused.ephemeral
    assert refused.response.content == "⚠️ You need the **Manage Server** permission to do that."
    assert rows(world, "SELECT * FROM guild_settings") == []
    show = await world.alice.slash(world.channel, "settings show")
    assert show.ephemeral and "Manage Server" in show.response.content and not show.response.embeds
