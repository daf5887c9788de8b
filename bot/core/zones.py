"""Time zones as teachers type them: IANA names, bare cities, North American abbreviations and
UTC offsets ("UTC+5", "GMT-3", "utc+05:30").

An offset means what the person typing it means: "UTC+5" and "GMT+5" are five hours AHEAD of UTC.
tzdata's own names for fixed offsets invert the sign (POSIX style: `Etc/GMT+5` is UTC-05:00), so
those names are never offered, never matched by a fuzzy search and refused when typed in full;
a whole-hour offset is stored as the `Etc/GMT` zone with the sign turned round and always shown
as "UTC+05:00". An offset with minutes (UTC+05:30) has no tzdata zone: it is refused with the
city zones at that offset now, which also follow any summer time.

Pure: no I/O; anything that depends on the date takes `now`.
"""

from __future__ import annotations

import re
import zoneinfo
from datetime import datetime
from functools import cache
from typing import NamedTuple

from rapidfuzz import fuzz, process

from bot.core.errors import BadInput
from bot.core.timeparse import MAX_INPUT

ZONE_HINT = "Use a city-based name like America/New_York or Europe/London, so summer time is handled."
FIXED_NOTE = "fixed offset, no summer time"

_REGIONS = (
    "Africa/",
    "America/",
    "Antarctica/",
    "Asia/",
    "Atlantic/",
    "Australia/",
    "Europe/",
    "Indian/",
    "Pacific/",
)
# What North American teachers type; tzdata's own "EST"/"MST" are fixed offsets with no summer
# time, which would post an hour off for half the year, so these words mean the city zones.
_ALIASES = {
    **dict.fromkeys(("est", "edt", "et", "eastern", "eastern time"), "America/New_York"),
    **dict.fromkeys(("cst", "cdt", "ct", "central", "central time"), "America/Chicago"),
    **dict.fromkeys(("mst", "mdt", "mt", "mountain", "mountain time"), "America/Denver"),
    **dict.fromkeys(("pst", "pdt", "pt", "pacific", "pacific time"), "America/Los_Angeles"),
    **dict.fromkeys(("akst", "akdt", "alaska"), "America/Anchorage"),
    **dict.fromkeys(("hst", "hawaii"), "Pacific/Honolulu"),
}
POPULAR_ZONES = (
    "UTC",
    "America/New_York",
    "America/Chicago",
    "America/Denver",
    "America/Phoenix",
    "America/Los_Angeles",
    "America/Anchorage",
    "Pacific/Honolulu",
    "America/Toronto",
    "America/Vancouver",
    "America/Mexico_City",
    "America/Sao_Paulo",
    "Europe/London",
    "Europe/Paris",
    "Europe/Berlin",
    "Africa/Lagos",
    "Africa/Johannesburg",
    "Asia/Dubai",
    "Asia/Kolkata",
    "Asia/Singapore",
    "Asia/Shanghai",
    "Asia/Tokyo",
    "Australia/Sydney",
    "Pacific/Auckland",
)

# "UTC+5", "gmt -3", "+05:30", "UTC+0530", "utc+5h": a sign is required, the prefix is not.
_OFFSET = re.compile(r"^(?:utc|gmt)?\s*([+-])\s*(\d{1,2})(?:\s*[:.h]?\s*(\d{2}))?\s*h?$")
# tzdata's inverted fixed-offset names (Etc/GMT+5 is UTC-05:00) and their top-level links.
_POSIX_NAME = re.compile(r"^(?:etc/)?gmt([+-]?)(\d+)$", re.IGNORECASE)
_DASHES = str.maketrans({"\u2212": "-", "\u2013": "-", "\u2014": "-"})  # minus sign, en and em dash
MIN_OFFSET, MAX_OFFSET = -12 * 60, 14 * 60  # the range of real-world UTC offsets, in minutes


class ZoneChoice(NamedTuple):
    """An autocomplete choice: what the member sees (`name`) and what the option receives (`value`)."""

    name: str
    value: str


class UnknownTimeZone(BadInput):
    """A zone name that matched nothing; `suggestions` holds up to 5 close names."""

    def __init__(self, message: str, suggestions: tuple[str, ...]) -> None:
        super().__init__(message)
        self.suggestions = suggestions


def _key(name: str) -> str:
    return re.sub(r"\s+", "_", name.strip().lower())


def _city(name: str) -> str:
    return name.rsplit("/", 1)[-1]


# --- offsets ----------------------------------------------------------------------------------


def format_offset(minutes: int) -> str:
    """ "UTC+05:30" for 330, "UTC-03:00" for -180, "UTC+00:00" for 0."""
    sign = "+" if minutes >= 0 else "-"
    return f"UTC{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


def read_offset(text: str) -> int | None:
    """The UTC offset in minutes that "UTC+5", "GMT-3", "+05:30" or "utc+0530" means (+ is ahead
    of UTC, as people write it), or None when `text` is not written as an offset."""
    match = _OFFSET.match(_key(text).replace("_", "").translate(_DASHES))
    if not match:
        return None
    sign = 1 if match.group(1) == "+" else -1
    return sign * (int(match.group(2)) * 60 + int(match.group(3) or 0))


def fixed_offset(zone: zoneinfo.ZoneInfo) -> int | None:
    """The offset in minutes of a stored fixed-offset zone (`Etc/GMT-5` is +300), else None."""
    match = re.fullmatch(r"Etc/GMT([+-]\d{1,2})", zone.key or "")
    return -60 * int(match.group(1)) if match and int(match.group(1)) else None


def zone_label(zone: zoneinfo.ZoneInfo) -> str:
    """The zone's name as a teacher reads it: "America/New_York", or "UTC+05:00" for a fixed
    offset (never tzdata's inverted `Etc/GMT-5`)."""
    minutes = fixed_offset(zone)
    return format_offset(minutes) if minutes is not None else zone.key


def zones_at_offset(minutes: int, now: datetime, limit: int = 5) -> list[str]:
    """City zones whose clocks are `minutes` ahead of UTC at `now`, popular ones first."""
    # Research stations last: a school is rarely in Antarctica.
    names = sorted((n for n in zone_names() if n.startswith(_REGIONS)), key=lambda n: n.startswith("Antarctica/"))
    popular = [n for n in POPULAR_ZONES if n in names]
    found = []
    for name in dict.fromkeys(popular + names):
        offset = now.astimezone(zoneinfo.ZoneInfo(name)).utcoffset()
        if offset is not None and int(offset.total_seconds()) == minutes * 60:
            found.append(name)
            if len(found) >= limit:
                break
    return found


def _offset_zone(minutes: int, shown: str, now: datetime | None) -> zoneinfo.ZoneInfo:
    if not MIN_OFFSET <= minutes <= MAX_OFFSET:
        raise UnknownTimeZone(
            f'"{shown}" is not a UTC offset used anywhere: they go from UTC-12 to UTC+14. {ZONE_HINT}', ()
        )
    if minutes == 0:
        return zoneinfo.ZoneInfo("UTC")
    if minutes % 60:
        # tzdata has no fixed zone for these, and the places that use them are better named.
        cities = tuple(zones_at_offset(minutes, now)) if now is not None else ()
        if cities:
            hint = f"Pick the city zone of your school, e.g. {', '.join(cities)}."
        else:
            hint = f"No time zone is at {format_offset(minutes)} now. {ZONE_HINT}"
        raise UnknownTimeZone(f'I can only take whole-hour offsets like UTC+5, not "{shown}". {hint}', cities)
    # POSIX inverts the sign of these names: the zone for UTC+5 is called Etc/GMT-5.
    return zoneinfo.ZoneInfo(f"Etc/GMT{-minutes // 60:+d}")


# --- names ------------------------------------------------------------------------------------


@cache
def _zone_index() -> tuple[tuple[str, ...], dict[str, str], list[str], list[str]]:
    """(names, regional first; lower-case key -> name; fuzzy keys; the name of each fuzzy key)."""
    names = tuple(
        sorted(
            (
                n
                for n in zoneinfo.available_timezones()
                if n not in {"localtime", "Factory", "posixrules"} and not _POSIX_NAME.match(n)
            ),
            key=lambda n: (not n.startswith(_REGIONS), n),
        )
    )
    exact = {_key(n): n for n in names}
    # A bare city ("london", "new york") finds its zone; of equal cities (links such as
    # America/Buenos_Aires and America/Argentina/Buenos_Aires) the shorter regional name wins,
    # and it also beats an old top-level link ("Singapore" -> Asia/Singapore).
    for name in sorted(names, key=lambda n: (not n.startswith(_REGIONS), len(n), n)):
        city = _key(_city(name))
        if city not in exact or (name.startswith(_REGIONS) and "/" not in exact[city]):
            exact[city] = name
    exact.update(_ALIASES)
    fuzzy_keys, fuzzy_names = [], []
    for name in names:
        for form in {_key(name), _key(_city(name))}:
            fuzzy_keys.append(form.replace("_", " "))
            fuzzy_names.append(name)
    return names, exact, fuzzy_keys, fuzzy_names


def zone_names() -> tuple[str, ...]:
    """Every time zone name the bot accepts, regional names first (without tzdata's inverted
    `Etc/GMT±N` names: offsets are typed as "UTC+5")."""
    return _zone_index()[0]


def suggest_zones(text: str, limit: int = 5) -> list[str]:
    """Up to `limit` zone names spelled closest to `text` (as a full name or a city), best first."""
    _, _, keys, owners = _zone_index()
    query = _key(text).replace("_", " ")
    if len(query) < 3:
        return []
    out: list[str] = []
    for _, _, index in process.extract(query, keys, scorer=fuzz.ratio, limit=limit * 3, score_cutoff=70):
        if owners[index] not in out:
            out.append(owners[index])
    return out[:limit]


def parse_zone(name: str, now: datetime | None = None) -> zoneinfo.ZoneInfo:
    """A time zone from its IANA name in any case ("america/new_york"), spaces for underscores,
    a bare city ("new york", "London"), "UTC", a North American abbreviation ("EST", "Pacific":
    these mean the city zone with summer time, e.g. America/New_York), or a whole-hour UTC offset
    as people write it ("UTC+5", "GMT-3": + is ahead of UTC; see the module notes).

    Raises `UnknownTimeZone` (a `BadInput`) with up to 5 suggestions: close spellings, or for an
    offset with minutes ("UTC+05:30") the city zones at that offset at `now` (when given).
    """
    raw = (name or "").strip()[:MAX_INPUT]
    if not raw:
        raise UnknownTimeZone(f"Please give a time zone. {ZONE_HINT}", ())
    minutes = read_offset(raw)
    if minutes is not None:
        return _offset_zone(minutes, raw, now)
    if posix := _POSIX_NAME.match(raw):
        hours = int(posix.group(2)) * (-1 if posix.group(1) == "-" else 1)
        if hours == 0:
            return zoneinfo.ZoneInfo("UTC")
        meant, opposite = format_offset(-60 * hours), format_offset(60 * hours)
        raise UnknownTimeZone(
            f'"{raw}" is tzdata\'s name for {meant}: its sign is the reverse of what it looks like, '
            f'so I don\'t take it. Type the offset as you mean it ("{meant[:4]}{abs(hours)}" or '
            f'"{opposite[:4]}{abs(hours)}"), or better, your city\'s zone such as America/New_York, '
            "so summer time is handled.",
            (),
        )
    found = _zone_index()[1].get(_key(raw))
    if found:
        return zoneinfo.ZoneInfo(found)
    suggestions = tuple(suggest_zones(raw))
    hint = f" Did you mean {', '.join(suggestions)}?" if suggestions else ""
    raise UnknownTimeZone(f'I don\'t know the time zone "{raw}".{hint} {ZONE_HINT}', suggestions)


def load_zone(name: str | None) -> zoneinfo.ZoneInfo:
    """The stored zone `name`, or UTC when it is missing or no longer known (a tzdata update)."""
    try:
        return zoneinfo.ZoneInfo(name or "UTC")
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return zoneinfo.ZoneInfo("UTC")


def zone_choices(current: str, now: datetime | None = None, limit: int = 25) -> list[ZoneChoice]:
    """Autocomplete for a zone option: popular zones when empty; for an offset ("utc+5") that
    offset, then the city zones at it at `now`; otherwise names starting with the text, names
    whose city starts with it, names containing it, then close spellings. At most `limit`
    choices, each name and value at most 100 characters (Discord's limit for a choice).
    """
    query = _key(current or "")[:MAX_INPUT]
    if not query:
        return [ZoneChoice(n, n) for n in POPULAR_ZONES[:limit]]
    minutes = read_offset(query)
    if minutes is not None:
        if not MIN_OFFSET <= minutes <= MAX_OFFSET:
            return []
        out = []
        if minutes == 0:
            out.append(ZoneChoice("UTC", "UTC"))
        elif minutes % 60 == 0:
            label = format_offset(minutes)
            out.append(ZoneChoice(f"{label} ({FIXED_NOTE})", label))
        if now is not None:
            cities = zones_at_offset(minutes, now, limit - len(out))
            out += [ZoneChoice(f"{n} ({format_offset(minutes)} now)", n) for n in cities]
        return out[:limit]
    names = zone_names()
    out: list[str] = []
    seen: set[str] = set()

    def add(candidates) -> None:
        for candidate in candidates:
            if len(out) >= limit:
                return
            if candidate not in seen and len(candidate) <= 100:
                seen.add(candidate)
                out.append(candidate)

    alias = _ALIASES.get(query)
    add([alias] if alias else [])
    lowered = [(n, _key(n)) for n in names]
    add(n for n, k in lowered if k.startswith(query))
    add(n for n, k in lowered if _city(k).startswith(query))
    add(n for n, k in lowered if query in k)
    if len(out) < limit:
        add(suggest_zones(query, limit))
    return [ZoneChoice(n, n) for n in out]


def describe_zone(zone: zoneinfo.ZoneInfo, now: datetime) -> str:
    """ "America/New_York (UTC-04:00)": the zone with its offset at `now`, for confirmations;
    "UTC+05:00 (fixed offset, no summer time)" for a fixed offset."""
    if fixed_offset(zone) is not None:
        return f"{zone_label(zone)} ({FIXED_NOTE})"
    offset = now.astimezone(zone).utcoffset()
    minutes = int(offset.total_seconds() // 60) if offset else 0
    return f"{zone.key} ({format_offset(minutes)})"
