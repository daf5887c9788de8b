"""Time zones as teachers type them (bot.core.zones): names, cities, abbreviations and UTC offsets."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.core.errors import BadInput
from bot.core.zones import (
    UnknownTimeZone,
    describe_zone,
    load_zone,
    parse_zone,
    read_offset,
    zone_choices,
    zone_label,
    zone_names,
)

NY = ZoneInfo("America/New_York")
NOW = datetime(2026, 1, 1, tzinfo=UTC)


def offset_of(zone: ZoneInfo, at: datetime = NOW) -> timedelta:
    return at.astimezone(zone).utcoffset()


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("America/New_York", "America/New_York"),
        ("america/new_york", "America/New_York"),
        ("new york", "America/New_York"),
        ("London", "Europe/London"),
        ("UTC", "UTC"),
        ("utc", "UTC"),
        ("EST", "America/New_York"),  # the teacher means New York time, summer time included
        ("kathmandu", "Asia/Kathmandu"),
        ("singapore", "Asia/Singapore"),
    ],
)
def test_parse_zone_accepts(text, key):
    assert parse_zone(text).key == key


def test_parse_zone_suggests_close_names():
    with pytest.raises(UnknownTimeZone) as caught:
        parse_zone("Amrica/New_Yrok")
    assert caught.value.suggestions[0] == "America/New_York"
    assert "Did you mean America/New_York" in str(caught.value)
    with pytest.raises(UnknownTimeZone) as caught:
        parse_zone("Europe/Londn")
    assert caught.value.suggestions[0] == "Europe/London" and len(caught.value.suggestions) <= 5
    with pytest.raises(BadInput, match="city-based name"):
        parse_zone("qqqqqq")


# --- offsets mean what the person typing them means ---------------------------------------------


@pytest.mark.parametrize(
    ("text", "hours"),
    [
        ("GMT+5", 5),  # was stored as Etc/GMT+5, which is UTC-05:00: posts 10 hours off
        ("UTC+5", 5),
        ("utc+5", 5),
        ("UTC +5", 5),
        ("gmt-3", -3),
        ("utc-3", -3),
        ("UTC−3", -3),  # a typographic minus sign
        ("UTC+05:00", 5),
        ("+05:00", 5),
        ("UTC+0500", 5),
        ("UTC-12", -12),
        ("UTC+14", 14),
        ("UTC+0", 0),
        ("GMT-0", 0),
    ],
)
def test_an_offset_is_the_offset_the_person_means(text, hours):
    zone = parse_zone(text)
    for moment in (NOW, datetime(2026, 7, 1, tzinfo=UTC)):  # fixed: the same in summer
        assert offset_of(zone, moment) == timedelta(hours=hours)
    assert zone_label(zone) == ("UTC" if hours == 0 else f"UTC{'+' if hours > 0 else '-'}{abs(hours):02d}:00")


def test_every_whole_hour_offset_round_trips_through_storage():
    for hours in range(-12, 15):
        for prefix in ("UTC", "GMT", ""):
            typed = f"{prefix}{hours:+d}"
            stored = parse_zone(typed).key  # what storage keeps
            assert offset_of(load_zone(stored)) == timedelta(hours=hours), typed


def test_a_fixed_offset_is_shown_as_one_never_by_its_inverted_tzdata_name():
    zone = parse_zone("GMT+5")
    assert describe_zone(zone, NOW) == "UTC+05:00 (fixed offset, no summer time)"
    assert "Etc/" not in describe_zone(zone, NOW) and "GMT" not in zone_label(zone)
    # A zone stored by the old parser (Etc/GMT+5 for "GMT+5") is shown for what it is.
    assert describe_zone(ZoneInfo("Etc/GMT+5"), NOW) == "UTC-05:00 (fixed offset, no summer time)"


def test_an_offset_with_minutes_is_refused_with_the_cities_there():
    with pytest.raises(UnknownTimeZone) as caught:
        parse_zone("UTC+05:30", NOW)
    assert "Asia/Kolkata" in caught.value.suggestions and "Asia/Kolkata" in str(caught.value)
    assert "whole-hour offsets like UTC+5" in str(caught.value)
    with pytest.raises(UnknownTimeZone) as caught:
        parse_zone("utc+5:45", NOW)
    assert "Asia/Kathmandu" in str(caught.value)
    with pytest.raises(UnknownTimeZone, match="No time zone is at UTC\\+05:17"):
        parse_zone("UTC+5:17", NOW)


@pytest.mark.parametrize("text", ["UTC+15", "GMT-13", "UTC+99"])
def test_offsets_no_place_uses_are_refused(text):
    with pytest.raises(UnknownTimeZone, match="from UTC-12 to UTC\\+14"):
        parse_zone(text)


@pytest.mark.parametrize(("text", "actual"), [("Etc/GMT+5", "UTC-05:00"), ("etc/gmt-3", "UTC+03:00")])
def test_tzdatas_inverted_names_are_refused_with_what_they_mean(text, actual):
    with pytest.raises(UnknownTimeZone) as caught:
        parse_zone(text)
    assert f"tzdata's name for {actual}" in str(caught.value)
    assert "Type the offset as you mean it" in str(caught.value)


def test_read_offset_only_reads_offsets():
    assert read_offset("UTC+5") == 300 and read_offset("gmt-03:30") == -210
    for text in ("UTC", "Europe/London", "Etc/GMT+5", "5", "UTC5", "utc+5.5"):
        assert read_offset(text) is None, text


# --- autocomplete -----------------------------------------------------------------------------


def test_zone_choices_for_autocomplete():
    popular = [c.value for c in zone_choices("")]
    assert popular[0] == "UTC" and "America/New_York" in popular and len(popular) <= 25
    assert zone_choices("new")[0].value == "America/New_York"
    assert zone_choices("lon")[0].value == "Europe/London"
    assert zone_choices("kathmndu")[0].value == "Asia/Kathmandu"
    europe = zone_choices("europe/", limit=25)
    assert len(europe) == 25 and all(c.value.startswith("Europe/") for c in europe)
    for query in ("", "a", "new", "europe/", "xyz", "america/argentina", "gmt", "etc", "utc+5", "gmt-3", "+5:30"):
        choices = zone_choices(query, NOW)
        assert len(choices) <= 25 and all(len(c.name) <= 100 and len(c.value) <= 100 for c in choices)
        assert all(parse_zone(c.value, NOW) for c in choices), "every offered value is accepted"


@pytest.mark.parametrize("typed", ["gmt+5", "GMT+5", "utc+5", "+5", "Etc/GMT"])
def test_autocomplete_never_offers_an_inverted_name(typed):
    choices = zone_choices(typed, NOW)
    assert not [c for c in choices if "GMT+" in c.value or "GMT-" in c.value]
    assert not [n for n in zone_names() if n.startswith(("Etc/GMT+", "Etc/GMT-"))]


def test_autocomplete_for_an_offset_offers_it_and_the_cities_at_it():
    first, *cities = zone_choices("gmt+5", NOW)
    assert first.value == "UTC+05:00" and "fixed offset, no summer time" in first.name
    assert cities and all(offset_of(ZoneInfo(c.value)) == timedelta(hours=5) for c in cities)
    half = zone_choices("UTC+05:30", NOW)
    assert half[0].value == "Asia/Kolkata", "no fixed choice for a half-hour offset, the cities instead"


def test_describe_zone_shows_the_current_offset():
    assert describe_zone(ZoneInfo("Asia/Kathmandu"), NOW) == "Asia/Kathmandu (UTC+05:45)"
    assert describe_zone(NY, datetime(2026, 7, 1, tzinfo=UTC)) == "America/New_York (UTC-04:00)"
