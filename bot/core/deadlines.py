"""Reading a due date a teacher types: "fri 17:00", "2026-12-04 17:00", "tomorrow 9am", "dec 4 5pm".

A due date is a local date and time in the server's time zone; `parse_due` returns the UTC
instant. Every problem is a `BadInput` that names it and shows forms that work: a date in the
past, one more than a year ahead, one that could be read two ways ("12/04", "next friday"), or
text that is no date at all. No I/O, no clock: the caller passes `now`.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.core.errors import BadInput
from bot.core.schedule import local_slot
from bot.core.timeparse import MAX_INPUT, parse_time

DUE_HINT = 'Write it like "fri 17:00", "tomorrow 9am", "dec 4 5pm" or "2026-12-04 17:00".'
END_OF_DAY = time(23, 59)  # a due date without a time means the end of that day
MAX_AHEAD = timedelta(days=366)

_WEEKDAYS = {
    name: i
    for i, names in enumerate(
        (
            ("mon", "monday"),
            ("tue", "tues", "tuesday"),
            ("wed", "weds", "wednesday"),
            ("thu", "thur", "thurs", "thursday"),
            ("fri", "friday"),
            ("sat", "saturday"),
            ("sun", "sunday"),
        )
    )
    for name in names
}
_MONTHS = {
    name: i
    for i, names in enumerate(
        (
            ("jan", "january"),
            ("feb", "february"),
            ("mar", "march"),
            ("apr", "april"),
            ("may",),
            ("jun", "june"),
            ("jul", "july"),
            ("aug", "august"),
            ("sep", "sept", "september"),
            ("oct", "october"),
            ("nov", "november"),
            ("dec", "december"),
        ),
        start=1,
    )
    for name in names
}
_RELATIVE_DAYS = {*_WEEKDAYS, "today", "tonight", "tomorrow", "tmrw"}
_ISO = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")
_SLASHED = re.compile(r"^(\d{1,2})[/.](\d{1,2})(?:[/.](\d{2,4}))?$")
_ORDINAL = re.compile(r"^(\d{1,2})(?:st|nd|rd|th)?$")
_TIME_TOKEN = re.compile(r"^(\d{1,2}([:.h]\d{2})?\s*([ap]\.?m?\.?)?|noon|midday|midnight)$")


def _bad(text: str, why: str) -> BadInput:
    return BadInput(f'I couldn\'t read "{text}" as a due date: {why}. {DUE_HINT}')


def _split_time(words: list[str]) -> tuple[list[str], str | None]:
    """The date words and the time words ("5pm", "17:00", "5 pm", "9:30 am") of a due date."""
    if len(words) >= 2 and words[-1] in ("am", "pm", "a.m.", "p.m.") and words[-2][0].isdigit():
        return words[:-2], words[-2] + words[-1]
    if words and _TIME_TOKEN.match(words[-1]) and (":" in words[-1] or not words[-1].isdigit()):
        return words[:-1], words[-1]
    if len(words) == 2 and words[-1].isdigit() and len(words[-1]) <= 2 and words[0] in _RELATIVE_DAYS:
        return words[:-1], words[-1]  # "fri 5": parse_time explains that 5 could be 05:00 or 17:00
    return words, None


def _date_of(words: list[str], shown: str, today: date) -> date:
    if not words or words == ["today"] or words == ["tonight"]:
        return today
    if words == ["tomorrow"] or words == ["tmrw"]:
        return today + timedelta(days=1)
    if words[0] in ("next", "this") and len(words) == 2 and words[1] in _WEEKDAYS:
        nearest = _next_weekday(today, _WEEKDAYS[words[1]])
        raise BadInput(
            f'"{shown}" could mean {nearest:%a %d %b} or {nearest + timedelta(days=7):%a %d %b}. '
            f'Write the day alone ("{words[1]}" is the next {_full_day(words[1])}) or a date like '
            f'"{nearest + timedelta(days=7):%b %d}".'
        )
    if len(words) == 1 and words[0] in _WEEKDAYS:
        return _next_weekday(today, _WEEKDAYS[words[0]])
    if len(words) == 1 and (match := _ISO.match(words[0])):
        return _make_date(shown, int(match[1]), int(match[2]), int(match[3]))
    if len(words) == 1 and (match := _SLASHED.match(words[0])):
        first, second = int(match[1]), int(match[2])
        if first <= 12 and second <= 12 and first != second:
            raise BadInput(
                f'"{shown}" could be {_month_name(first)} {second} or {_month_name(second)} {first}. '
                f'Write the month as a word ("{_month_name(first)[:3].lower()} {second}") or as 2026-{first:02d}-{second:02d}.'
            )
        day, month = (first, second) if first > 12 else (second, first)
        year = int(match[3]) if match[3] else None
        if year is not None and year < 100:
            year += 2000
        return _with_year(shown, today, month, day, year)
    month, day, year = _month_day(words, shown)
    return _with_year(shown, today, month, day, year)


def _month_day(words: list[str], shown: str) -> tuple[int, int, int | None]:
    """ "dec 4", "4 dec", "december 4th", "dec 4 2026" -> (month, day, year or None)."""
    rest = [w.rstrip(",") for w in words if w not in ("of", "the")]
    year = None
    if len(rest) == 3 and rest[-1].isdigit() and len(rest[-1]) == 4:
        year = int(rest.pop())
    if len(rest) == 2:
        for month_word, day_word in (rest, rest[::-1]):
            if month_word in _MONTHS and (match := _ORDINAL.match(day_word)):
                return _MONTHS[month_word], int(match[1]), year
    raise _bad(shown, "that is not a day I know")


def _with_year(shown: str, today: date, month: int, day: int, year: int | None) -> date:
    if year is not None:
        return _make_date(shown, year, month, day)
    candidate = _make_date(shown, today.year, month, day, allow_leap_shift=True)
    if candidate < today:  # "jan 10" typed in December means next January
        candidate = _make_date(shown, today.year + 1, month, day, allow_leap_shift=True)
    return candidate


def _make_date(shown: str, year: int, month: int, day: int, *, allow_leap_shift: bool = False) -> date:
    try:
        return date(year, month, day)
    except ValueError:
        if allow_leap_shift and (month, day) == (2, 29):
            raise _bad(shown, f"{year} has no 29 February") from None
        raise _bad(shown, "that day does not exist") from None


def _next_weekday(today: date, weekday: int) -> date:
    return today + timedelta(days=(weekday - today.weekday()) % 7)


def _full_day(word: str) -> str:
    return ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")[_WEEKDAYS[word]]


def _month_name(month: int) -> str:
    return date(2000, month, 1).strftime("%B")


def parse_due(text: str, now: datetime, zone: ZoneInfo) -> datetime:
    """The UTC instant of a due date typed in the server's local time.

    A day without a time is due at 23:59 that day; a time without a day is today. A weekday alone ("fri") is the next one, today
    included while its time is still ahead; otherwise it is the same day next week. Raises
    `BadInput` for the past, more than a year ahead, ambiguous or unreadable dates.
    """
    raw = " ".join((text or "").split())
    if not raw:
        raise BadInput(f"Please give a due date. {DUE_HINT}")
    shown = raw[:MAX_INPUT]
    if len(raw) > MAX_INPUT:
        raise _bad(shown, "it is too long")
    words = raw.lower().replace(" at ", " ").replace(",", " ").split()
    date_words, time_text = _split_time(words)
    at = END_OF_DAY
    if time_text is not None:
        at = parse_time(time_text)  # its errors already show the time formats that work
    today = now.astimezone(zone).date()
    day = _date_of(date_words, shown, today)
    due = local_slot(day, at, zone)
    weekday_alone = len(date_words) == 1 and date_words[0] in _WEEKDAYS
    if due <= now and weekday_alone:
        due = local_slot(day + timedelta(days=7), at, zone)
    if due <= now:
        raise BadInput(
            f'"{shown}" is in the past ({day:%a %d %b %Y} {at:%H:%M}). Give a time that is still ahead. {DUE_HINT}'
        )
    if due - now > MAX_AHEAD:
        raise BadInput(f'"{shown}" is more than a year away. Give a date within the next year.')
    return due
