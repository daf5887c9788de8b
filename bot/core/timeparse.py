"""Reading what a teacher types for a schedule: a time of day and days of the week (time zones
are in `bot.core.zones`).

Every parser either returns a value or raises `BadInput` with a message that names the problem
and shows the expected format, so the cog can show it as is. No I/O, no clock.
"""

from __future__ import annotations

import re
from datetime import time

from rapidfuzz import fuzz, process

from bot.core.errors import BadInput

TIME_HINT = "Use a 24-hour time like 09:00 or 21:30, or 9am / 9:30pm."
DAYS_HINT = 'Use day names like "mon, wed, fri", "mon-fri", "weekdays", "weekends" or "daily".'

MAX_INPUT = 100  # longer than any legitimate time, day list or zone name (bot.core.zones uses it too)

# --- time of day ------------------------------------------------------------------------------

_AMPM = re.compile(r"^(\d{1,2})(?:[:.](\d{2}))?\s*([ap])\.?\s*m?\.?$")
_CLOCK = re.compile(r"^(\d{1,2})[:.h](\d{2})$")
_COMPACT = re.compile(r"^(\d{2})(\d{2})$")
_WORDS = {"noon": time(12, 0), "midday": time(12, 0), "midnight": time(0, 0)}


def _bad_time(text: str, why: str) -> BadInput:
    return BadInput(f'I couldn\'t read "{text}" as a time: {why}. {TIME_HINT}')


def _checked(text: str, hour: int, minute: int) -> time:
    if hour > 23:
        raise _bad_time(text, "hours go from 0 to 23")
    if minute > 59:
        raise _bad_time(text, "minutes go from 00 to 59")
    return time(hour, minute)


def parse_time(text: str) -> time:
    """A local time of day from "09:00", "9:00", "0900", "9am", "9 pm", "9:30 p.m.", "21:30", "noon".

    "12am" is 00:00 and "12pm" is 12:00. A bare hour such as "9" is refused because it could mean
    9am or 9pm; the error suggests both. Raises `BadInput` with the expected format.
    """
    raw = (text or "").strip()
    if not raw:
        raise BadInput(f"Please give a time. {TIME_HINT}")
    shown = raw[:MAX_INPUT]
    low = raw.lower()
    if low in _WORDS:
        return _WORDS[low]
    if match := _AMPM.match(low):
        hour, minute = int(match.group(1)), int(match.group(2) or 0)
        if not 1 <= hour <= 12:
            raise _bad_time(shown, "with am/pm the hour goes from 1 to 12")
        # 12am is midnight and 12pm is noon: the 12 wraps to 0 before adding the pm half.
        hour = hour % 12 + (12 if match.group(3) == "p" else 0)
        return _checked(shown, hour, minute)
    if match := _CLOCK.match(low) or _COMPACT.match(low):
        return _checked(shown, int(match.group(1)), int(match.group(2)))
    if low.isdigit() and len(low) <= 2:
        hour = int(low)
        if 1 <= hour <= 12:
            am, pm = hour % 12, hour % 12 + 12
            raise BadInput(
                f'"{shown}" could mean {am:02d}:00 ({hour}am) or {pm:02d}:00 ({hour}pm). '
                f"Please write {am:02d}:00 or {pm:02d}:00 (or {hour}am / {hour}pm)."
            )
        if hour <= 23:
            raise BadInput(f"Did you mean {hour:02d}:00? Please write the minutes too. {TIME_HINT}")
    raise _bad_time(shown, "that is not a time I know")


def format_time(value: time) -> str:
    """ "HH:MM", the form schedules are stored and shown in."""
    return f"{value.hour:02d}:{value.minute:02d}"


# --- days of the week -------------------------------------------------------------------------

DAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
EVERY_DAY = frozenset(range(7))
WEEKDAYS = frozenset(range(5))
WEEKENDS = frozenset({5, 6})

_DAY_WORDS: dict[str, int] = {}
for _i, _name in enumerate(DAY_NAMES):
    for _word in (_name.lower(), _name.lower()[:3], _name.lower() + "s"):
        _DAY_WORDS[_word] = _i
_DAY_WORDS.update({"tues": 1, "weds": 2, "thur": 3, "thurs": 3, "thu": 3})
_GROUP_WORDS = {
    "daily": EVERY_DAY,
    "everyday": EVERY_DAY,
    "all": EVERY_DAY,
    "weekdays": WEEKDAYS,
    "weekday": WEEKDAYS,
    "weekends": WEEKENDS,
    "weekend": WEEKENDS,
}
_FILLER = {"and", "on", "every", "&", "+"}
_KNOWN_WORDS = sorted({*_DAY_WORDS, *_GROUP_WORDS})


def _unknown_day(word: str) -> BadInput:
    found = process.extractOne(word, [w for w in _KNOWN_WORDS if len(w) > 3], scorer=fuzz.ratio, score_cutoff=60)
    hint = f' Did you mean "{found[0]}"?' if found else ""
    return BadInput(f'I don\'t know the day "{word[:30]}".{hint} {DAYS_HINT}')


def _day(word: str) -> int:
    if word not in _DAY_WORDS:
        raise _unknown_day(word)
    return _DAY_WORDS[word]


def parse_days(text: str) -> frozenset[int]:
    """Days of the week (Monday = 0) from "mon,wed,fri", "Mon Wed Fri", "monday and tuesday",
    "weekdays", "weekends", "daily", "every day", or ranges such as "mon-fri" and "fri-mon" (wraps).

    Raises `BadInput` naming the first word it does not know, with a close spelling if there is one.
    """
    low = (text or "").strip().lower()[:MAX_INPUT]
    low = re.sub(r"\bevery\s*day\b", "daily", low)
    low = re.sub(r"\s*(?:-|–|\bto\b|\bthrough\b|\bthru\b)\s*", "-", low)
    days: set[int] = set()
    for word in re.split(r"[\s,;/]+", low):
        if not word or word in _FILLER:
            continue
        if word in _GROUP_WORDS:
            days |= _GROUP_WORDS[word]
        elif "-" in word:
            parts = word.split("-")
            if len(parts) != 2 or not all(parts):
                raise BadInput(f'I couldn\'t read the range "{word[:30]}". Write it like mon-fri.')
            start, end = _day(parts[0]), _day(parts[1])
            days.update((start + k) % 7 for k in range((end - start) % 7 + 1))
        else:
            days.add(_day(word))
    if not days:
        raise BadInput(f"Please name at least one day. {DAYS_HINT}")
    return frozenset(days)


def days_to_mask(days: frozenset[int] | set[int]) -> int:
    """Bit d set for weekday d (Monday = bit 0), as stored in the database."""
    return sum(1 << d for d in days)


def mask_to_days(mask: int) -> frozenset[int]:
    """The inverse of `days_to_mask`."""
    return frozenset(d for d in range(7) if mask >> d & 1)


def format_days(days: frozenset[int] | set[int]) -> str:
    """ "every day", "weekdays", "weekends" or "Mon, Wed, Fri" for display."""
    days = frozenset(days)
    for label, group in (("every day", EVERY_DAY), ("weekdays", WEEKDAYS), ("weekends", WEEKENDS)):
        if days == group:
            return label
    return ", ".join(DAY_NAMES[d][:3] for d in sorted(days))
