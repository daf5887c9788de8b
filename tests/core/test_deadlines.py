"""Due dates as a teacher types them, read in the server's time zone."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from bot.core.deadlines import parse_due
from bot.core.errors import BadInput

NY = ZoneInfo("America/New_York")
# Wednesday 2 December 2026, 10:00 in New York (15:00 UTC)
NOW = datetime(2026, 12, 2, 15, 0, tzinfo=UTC)


def local(text, zone=NY, now=NOW):
    return parse_due(text, now, zone).astimezone(zone).replace(tzinfo=None)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("fri 17:00", datetime(2026, 12, 4, 17, 0)),
        ("Friday 5pm", datetime(2026, 12, 4, 17, 0)),
        ("fri 5 pm", datetime(2026, 12, 4, 17, 0)),
        ("fri at 5:30pm", datetime(2026, 12, 4, 17, 30)),
        ("fri", datetime(2026, 12, 4, 23, 59)),
        ("2026-12-04 17:00", datetime(2026, 12, 4, 17, 0)),
        ("2026-12-04", datetime(2026, 12, 4, 23, 59)),
        ("tomorrow 9am", datetime(2026, 12, 3, 9, 0)),
        ("today 17:00", datetime(2026, 12, 2, 17, 0)),
        ("tonight", datetime(2026, 12, 2, 23, 59)),
        ("dec 4 5pm", datetime(2026, 12, 4, 17, 0)),
        ("4 December 17:00", datetime(2026, 12, 4, 17, 0)),
        ("december 4th, 17:00", datetime(2026, 12, 4, 17, 0)),
        ("jan 10", datetime(2027, 1, 10, 23, 59)),  # typed in December: next January
        ("25/12 9am", datetime(2026, 12, 25, 9, 0)),  # day first is the only reading
        ("12/25 9am", datetime(2026, 12, 25, 9, 0)),
        ("wed 11:00", datetime(2026, 12, 2, 11, 0)),  # today, still ahead
        ("wed 09:00", datetime(2026, 12, 9, 9, 0)),  # today's has passed: next week
        ("wed noon", datetime(2026, 12, 2, 12, 0)),
        ("17:00", datetime(2026, 12, 2, 17, 0)),  # a time alone is today
    ],
)
def test_due_dates_in_the_forms_teachers_write(text, expected):
    assert local(text) == expected


def test_the_instant_is_utc_in_the_servers_zone():
    assert parse_due("fri 17:00", NOW, NY) == datetime(2026, 12, 4, 22, 0, tzinfo=UTC)
    assert parse_due("fri 17:00", NOW, ZoneInfo("Asia/Kolkata")) == datetime(2026, 12, 4, 11, 30, tzinfo=UTC)


def test_a_time_in_the_spring_forward_gap_is_the_moment_the_clocks_jump():
    march = datetime(2027, 3, 10, 12, 0, tzinfo=UTC)
    assert local("2027-03-14 02:30", now=march) == datetime(2027, 3, 14, 3, 0)


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("", "Please give a due date"),
        ("   ", "Please give a due date"),
        ("2026-11-30 10:00", "in the past"),
        ("today 9:00", "in the past"),
        ("2028-01-01", "more than a year away"),
        ("12/04", "could be December 4 or April 12"),
        ("next friday", "could mean"),
        ("fri 5", "could mean 05:00 (5am) or 17:00 (5pm)"),
        ("fri 25:00", "hours go from 0 to 23"),
        ("someday", "not a day I know"),
        ("2026-02-30", "does not exist"),
        ("x" * 300, "too long"),
        ("'; DROP TABLE assignments; --", "not a day I know"),
    ],
)
def test_bad_due_dates_get_a_friendly_error(text, says):
    with pytest.raises(BadInput) as caught:
        parse_due(text, NOW, NY)
    assert says in str(caught.value)
    assert len(str(caught.value)) < 400
