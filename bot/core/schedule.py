"""When things happen: weekly quiz slots and the daily term, in each server's local time.

Pure rules (zoneinfo + tzdata, no clock, no I/O). Every function takes `now`/`after` as an aware
datetime and returns aware UTC datetimes. The parsers live in `bot.core.timeparse` and are
re-exported here with the zone rules of `bot.core.zones`, so `from bot.core.schedule import
parse_time, parse_zone, next_run` works.

Local-time rules, the same for quizzes and the daily term:
- A slot is a wall-clock time in the server's zone, so 09:00 stays 09:00 across summer time.
- A time that does not exist on a spring-forward day (02:30 in New York on 2026-03-08) happens at
  the first instant after the gap, i.e. when the clocks jump (03:00 local). We chose that over
  "shifted by the gap" (03:30) because every slot inside the gap then fires at once at the jump,
  and slots keep their order (a 02:30 quiz still comes before a 03:15 one).
- A time that happens twice on a fall-back day (01:30 in New York on 2026-11-01) fires once, at
  its first occurrence (fold=0, still summer time).

How the scheduler loop is meant to use this with `bot.storage.schedules.ScheduleStore` (one loop
for all servers, a tick every ~30 s; `zone`, `t` below are the row's `.zone` and time):
- Quiz slot, for each `row` of `due_quiz_schedules(now)`: `decision = catch_up(row.next_run_at, now)`;
  `taken = advance_quiz_schedule(row.id, row.next_run_at, advance(row, now))` (committed first);
  start the quiz only if `taken and decision == "run"`. A bot that was down for hours runs at
  most one late quiz per schedule (if within the grace) and never a backlog.
- Daily term, for each `row` of `due_daily(now)`:
  1. if not `daily_due(now, zone, t, row.last_posted_date)`: `reschedule_daily(guild,
     next_daily_run(now, zone, t, row.last_posted_date))` and stop;
  2. `today = local_date(now, zone)`; `old = unsent_today(guild, today)`; if `old` is a failed
     or unconfirmed post, resend `old.term_id` (rotation=None), else `pick =
     next_term(row.rotation_order, row.rotation_pos, topic_term_ids, rng)`;
  3. if not `claim_daily_post(guild, today, term, now, rotation=pick)`: someone has it (or it was
     given up): `reschedule_daily(guild, next_daily_run(now, zone, t, today))` and stop;
  4. send with `nonce=daily_nonce(guild, today)`; then `mark_sent(guild, today, message_id, now,
     next_daily_run(now, zone, t, today))`, or on error `mark_failed(guild, today, error, now,
     daily_retry_at(now, zone, t, attempts, unsure_since), unsure=unsure_since is not None)`
     with `attempts = old.attempts + 1 if old else 1` (and `pause_reason=` if the channel is gone).
  Catch-up is "today only": a bot back the same day posts once; back three days later, it posts
  today's term only.

A send can fail after Discord created the message (a time-out, a 5xx from a proxy): the bot sees
an error but the term is in the channel. Every send of one server's term for one local date
carries the same nonce with `enforce_nonce`, so Discord returns the message it already has
instead of posting a second one, but only "within the past few minutes". So after such an
unconfirmed send (`unsure_since`, when it started) the term is resent only inside
`NONCE_WINDOW`; after that the day is given up: never twice a day wins over always once a day.
A refusal (4xx) created nothing and is retried at 1, 5 and 20 minutes as before.
"""

from __future__ import annotations

import hashlib
import random
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Literal, NamedTuple, Protocol
from zoneinfo import ZoneInfo

from bot.core.errors import BadInput
from bot.core.timeparse import (
    DAY_NAMES,
    EVERY_DAY,
    WEEKDAYS,
    WEEKENDS,
    days_to_mask,
    format_days,
    format_time,
    mask_to_days,
    parse_days,
    parse_time,
)
from bot.core.zones import UnknownTimeZone, describe_zone, load_zone, parse_zone, zone_choices, zone_label

__all__ = [
    "CATCH_UP_GRACE",
    "DAILY_MAX_ATTEMPTS",
    "DAY_NAMES",
    "EVERY_DAY",
    "MAX_QUIZ_SCHEDULES",
    "NONCE_WINDOW",
    "WEEKDAYS",
    "WEEKENDS",
    "DailyPost",
    "DailySettings",
    "QuizSchedule",
    "TermPick",
    "UnknownSchedule",
    "UnknownTimeZone",
    "Weekly",
    "WeeklySlot",
    "advance",
    "catch_up",
    "check_schedule_limit",
    "daily_due",
    "daily_nonce",
    "daily_retry_at",
    "days_to_mask",
    "describe_zone",
    "format_days",
    "format_time",
    "load_zone",
    "local_date",
    "local_slot",
    "mask_to_days",
    "next_daily_run",
    "next_run",
    "next_term",
    "parse_days",
    "parse_time",
    "parse_zone",
    "zone_choices",
    "zone_label",
]

CATCH_UP_GRACE = timedelta(minutes=10)
MAX_QUIZ_SCHEDULES = 25  # per server; also the most choices one autocomplete can show
DAILY_MAX_ATTEMPTS = 4  # sends of one day's term before giving up until tomorrow
_RETRY_DELAYS = (timedelta(minutes=1), timedelta(minutes=5), timedelta(minutes=20))
#: How long after an unconfirmed send a resend is still deduplicated by Discord. Discord promises
#: "the past few minutes" for `enforce_nonce`; two is the most we rely on.
NONCE_WINDOW = timedelta(minutes=2)
_UNSURE_RETRY = timedelta(minutes=1)


def _require_aware(value: datetime, name: str) -> None:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware (UTC)")


def local_date(now: datetime, zone: ZoneInfo) -> date:
    """The calendar date in `zone` at the instant `now`."""
    _require_aware(now, "now")
    return now.astimezone(zone).date()


def local_slot(day: date, at: time, zone: ZoneInfo) -> datetime:
    """The UTC instant when `zone`'s clocks show `at` on `day`.

    Ambiguous (fall-back) times give the first occurrence; times inside a spring-forward gap give
    the first instant after the gap (the moment the clocks jump).
    """
    wall = datetime.combine(day, at.replace(tzinfo=None, fold=0))
    first = wall.replace(tzinfo=zone).astimezone(UTC)  # fold=0: the earlier offset
    if first.astimezone(zone).replace(tzinfo=None) == wall:
        return first
    # `wall` is in a gap. fold=1 reads it with the later offset, which lands before the jump;
    # fold=0 lands after it. Bisect (in whole seconds, as tz transitions are) for the jump.
    low = int(wall.replace(tzinfo=zone, fold=1).astimezone(UTC).timestamp())
    high = int(first.timestamp())
    low, high = min(low, high), max(low, high)
    while low < high:
        mid = (low + high) // 2
        if datetime.fromtimestamp(mid, UTC).astimezone(zone).replace(tzinfo=None) > wall:
            high = mid
        else:
            low = mid + 1
    return datetime.fromtimestamp(low, UTC)


def next_run(days: frozenset[int], local_time: time, zone: ZoneInfo, after: datetime) -> datetime:
    """The first instant strictly after `after` when it is `local_time` on one of `days`
    (Monday = 0) in `zone`, as an aware UTC datetime. See the module notes for DST gaps/overlaps.
    """
    _require_aware(after, "after")
    if not days or not set(days) <= EVERY_DAY:
        raise ValueError(f"days must be a non-empty set of weekdays 0..6, not {sorted(days)!r}")
    start = after.astimezone(zone).date()
    # Today's slot may be past; the same weekday next week is at most 7 days on. One more day
    # covers a zone that skipped a whole date (Pacific/Apia, 2011-12-30).
    for offset in range(9):
        day = start + timedelta(days=offset)
        if day.weekday() in days:
            slot = local_slot(day, local_time, zone)
            if slot > after:
                return slot
    raise AssertionError("unreachable: a weekly slot always exists within 9 days")


class Weekly(Protocol):
    """Anything with a weekly slot: a core `WeeklySlot` or a stored quiz schedule."""

    @property
    def days(self) -> frozenset[int]: ...
    @property
    def local_time(self) -> time: ...
    @property
    def zone(self) -> ZoneInfo: ...


class WeeklySlot(NamedTuple):
    """Some weekdays (Monday = 0) at a local time in a zone, e.g. Mon/Wed/Fri 09:00 New York."""

    days: frozenset[int]
    local_time: time
    zone: ZoneInfo

    def next_after(self, after: datetime) -> datetime:
        """`next_run` for this slot."""
        return next_run(self.days, self.local_time, self.zone, after)


def catch_up(scheduled_at: datetime, now: datetime, grace: timedelta = CATCH_UP_GRACE) -> Literal["run", "skip"]:
    """Whether a due quiz slot still runs: "run" if `now` is at most `grace` after it (a tick or
    a short restart late), "skip" if it was missed by more (the class has moved on).

    Meant for slots that are due (`scheduled_at <= now`); a slot not yet due counts as "run".
    """
    _require_aware(scheduled_at, "scheduled_at")
    _require_aware(now, "now")
    return "run" if now - scheduled_at <= grace else "skip"


def advance(schedule: Weekly, now: datetime) -> datetime:
    """The schedule's next slot strictly after `now`: one step past every missed slot at once,
    so a long outage never causes a burst of quizzes."""
    return next_run(schedule.days, schedule.local_time, schedule.zone, now)


class UnknownSchedule(BadInput):
    """A quiz schedule number that this server does not have."""

    def __init__(self, number: int) -> None:
        super().__init__(f"This server has no scheduled quiz #{number}. The schedule list shows the numbers.")
        self.number = number


def check_schedule_limit(existing: int) -> None:
    """Raise `BadInput` if a server that has `existing` quiz schedules cannot add another."""
    if existing >= MAX_QUIZ_SCHEDULES:
        raise BadInput(
            f"This server already has {MAX_QUIZ_SCHEDULES} scheduled quizzes, the most it can have. "
            "Remove one you no longer need first."
        )


# --- the daily term ---------------------------------------------------------------------------


def daily_due(now: datetime, zone: ZoneInfo, post_time: time, last_posted_local_date: date | None) -> bool:
    """Whether to post the daily term now: today's local post time has passed and nothing was
    posted for today's local date. This catches up once after downtime the same day and never
    posts a backlog for days the bot missed.
    """
    today = local_date(now, zone)
    if last_posted_local_date is not None and last_posted_local_date >= today:
        return False
    return now >= local_slot(today, post_time, zone)


def next_daily_run(
    now: datetime, zone: ZoneInfo, post_time: time, last_posted_local_date: date | None, *, catch_up: bool = True
) -> datetime:
    """When the daily term is next due: `now` if `daily_due` (a catch-up is pending), otherwise
    the next local post time on a date that has not been posted yet. For display and storage.

    `catch_up=False` skips the "due now" answer: for a daily term just set up or resumed, whose
    first post should wait for the next post time rather than go out at once.
    """
    if catch_up and daily_due(now, zone, post_time, last_posted_local_date):
        return now.astimezone(UTC)
    after = now
    while True:
        slot = next_run(EVERY_DAY, post_time, zone, after)
        day = local_date(slot, zone)
        if last_posted_local_date is None or day > last_posted_local_date:
            return slot
        after = slot  # already posted for that date (e.g. the zone moved): try the day after


def daily_retry_at(
    now: datetime, zone: ZoneInfo, post_time: time, attempts: int, unsure_since: datetime | None = None
) -> datetime:
    """When to try again after the `attempts`-th failed send of today's term: 1, 5, then 20 minutes
    later, but never on another local date. After `DAILY_MAX_ATTEMPTS` attempts, or when the retry
    would fall on tomorrow, the answer is tomorrow's post time (today is given up).

    `unsure_since`: a send that started then may have reached the channel (see the module notes).
    The retry then comes a minute later, and only while Discord still drops a same-nonce copy
    (`NONCE_WINDOW` after it); past that, today is given up too.
    """
    today = local_date(now, zone)
    tomorrow_slot = next_daily_run(now, zone, post_time, today)
    if attempts >= DAILY_MAX_ATTEMPTS:
        return tomorrow_slot
    if unsure_since is not None:
        _require_aware(unsure_since, "unsure_since")
        retry = now.astimezone(UTC) + _UNSURE_RETRY
        if retry > unsure_since + NONCE_WINDOW:
            return tomorrow_slot
    else:
        retry = now.astimezone(UTC) + _RETRY_DELAYS[min(max(attempts, 1), len(_RETRY_DELAYS)) - 1]
    return retry if local_date(retry, zone) == today else tomorrow_slot


def daily_nonce(guild_id: int, day: date) -> str:
    """The message nonce of a server's daily term for a local date: the same for every send of
    that day's term, different for every other (server, date). 25 characters, Discord's limit."""
    return "d" + hashlib.blake2b(f"{guild_id}:{day.isoformat()}".encode(), digest_size=12).hexdigest()


class TermPick(NamedTuple):
    """The term to post and the rotation state to store with it."""

    term_id: str
    order: list[str]
    position: int


def next_term(order: list[str], position: int, term_ids, rng: random.Random) -> TermPick:
    """The next term of a server's rotation: every term of the topic once, in a shuffled order,
    before any repeats; then a new shuffled cycle whose first term differs from the last one shown
    (when there are at least two terms).

    `order` and `position` are the stored state (`order[:position]` already shown this cycle);
    `term_ids` are the topic's current terms. Terms that left the deck are dropped; new ones join
    the rest of the current cycle at random places. Raises `BadInput` if `term_ids` is empty.
    """
    valid = set(term_ids)
    if not valid:
        raise BadInput(
            "There are no terms to post in this topic any more. Choose another topic for the daily term."
        )
    position = max(0, min(position, len(order)))
    last_shown = order[position - 1] if position else None
    shown = [t for t in order[:position] if t in valid]
    rest = [t for t in order[position:] if t in valid]
    known = set(order)
    for new in sorted(valid - known):  # sorted: the same rng seed gives the same order
        rest.insert(rng.randint(0, len(rest)), new)
    if rest:
        order = shown + rest
        return TermPick(order[len(shown)], order, len(shown) + 1)
    cycle = sorted(valid)
    rng.shuffle(cycle)
    if len(cycle) > 1 and cycle[0] == last_shown:
        swap = rng.randrange(1, len(cycle))
        cycle[0], cycle[swap] = cycle[swap], cycle[0]
    return TermPick(cycle[0], cycle, 1)


# --- what storage returns ----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class DailySettings:
    """A server's daily term: where, when (local `post_time` in `timezone`), from which topic."""

    guild_id: int
    channel_id: int
    post_time: time
    topic: str | None
    enabled: bool
    paused_reason: str | None
    next_run_at: datetime
    last_posted_date: date | None
    rotation_order: list[str]
    rotation_pos: int
    timezone: str

    @property
    def zone(self) -> ZoneInfo:
        return load_zone(self.timezone)

    @property
    def active(self) -> bool:
        return self.enabled and self.paused_reason is None


@dataclass(frozen=True, slots=True)
class DailyPost:
    """One server's daily term for one local date, and how sending it went."""

    guild_id: int
    local_date: date
    term_id: str
    # 'pending': claimed and being sent, or (with `last_error`) sent without a confirmation;
    # 'sent'; 'failed': Discord refused it, nothing was posted.
    status: str
    message_id: int | None
    created_at: datetime
    sent_at: datetime | None
    attempts: int
    last_error: str | None
    claimed_at: datetime | None = None  # when the latest send started; for an unconfirmed one, the first

    @property
    def unconfirmed(self) -> bool:
        """A send went out and Discord neither confirmed nor refused it: the term may be posted."""
        return self.status == "pending" and self.last_error is not None


@dataclass(frozen=True, slots=True)
class QuizSchedule:
    """A class quiz on some weekdays at a local time. Works with `advance`."""

    id: int
    guild_id: int
    number: int
    channel_id: int
    days: frozenset[int]
    local_time: time
    questions: int
    topic: str | None
    mode: str
    seconds: int
    paused: bool
    paused_reason: str | None
    created_by: int
    next_run_at: datetime
    last_run_at: datetime | None
    timezone: str

    @property
    def zone(self) -> ZoneInfo:
        return load_zone(self.timezone)
