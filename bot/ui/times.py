"""How the bot writes times and dates: one style, in one place.

- A moment (when something happens or happened) is a Discord timestamp, which every member sees
  in their own time zone and language: `moment()` gives "<t:…:f> (<t:…:R>)", the date and time
  then "in 3 hours"; `relative()` just the second part. Never the same moment twice in two zones.
- A wall-clock time that belongs to the server's zone (a schedule's "weekdays at 09:00", the
  daily term's post time, "it is Wed 19:00 there") always comes with the zone's name:
  `wall_time()`, `zone_now()`.
- A calendar date without a time (the day the daily term was last posted, a week's Monday) is
  `calendar_date()`: "Thu 1 Jan 2026".
"""

from __future__ import annotations

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import discord

from bot.core.zones import describe_zone, zone_label

__all__ = ["calendar_date", "clock", "describe_zone", "moment", "relative", "wall_time", "zone_label", "zone_now"]


def moment(when: datetime) -> str:
    """ "<t:…:f> (<t:…:R>)": e.g. "1 January 2026 09:00 (in 3 hours)", in each reader's own zone."""
    return f"{discord.utils.format_dt(when, 'f')} ({discord.utils.format_dt(when, 'R')})"


def relative(when: datetime) -> str:
    """ "<t:…:R>": "in 3 hours", "2 days ago"."""
    return discord.utils.format_dt(when, "R")


def clock(at: time) -> str:
    """ "09:00": a 24-hour wall-clock time (the form schedules are typed back in)."""
    return f"{at.hour:02d}:{at.minute:02d}"


def wall_time(at: time, zone: ZoneInfo) -> str:
    """ "09:00 (America/New_York)": a time of day on the server's clocks, labelled with the zone."""
    return f"{clock(at)} ({zone_label(zone)})"


def zone_now(now: datetime, zone: ZoneInfo) -> str:
    """ "Wed 19:00": the server's clocks at `now` (say which zone next to it)."""
    local = now.astimezone(zone)
    return f"{local:%a} {clock(local.time())}"


def calendar_date(day: date) -> str:
    """ "Thu 1 Jan 2026": a date that is not a moment (no time, no zone conversion)."""
    return f"{day:%a} {day.day} {day:%b %Y}"
