"""Discord's request budget as pure rules: how fast the bot may send, and in what order.

Discord allows a bot token 50 requests per second in all (interaction responses aside), shared by
every process of the bot, and about 5 messages per 5 seconds in one channel. A token bucket per
scope keeps the bot under both: `TokenBucket.reserve(now)` says how long to wait before a request
may go. Waiting requests go in `Priority` order: what a class is waiting for right now (a quiz
question, a reveal, a scheduled quiz's notice) before a daily term, and the "N answered" counter
last. No clock here: callers pass monotonic seconds.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum

DISCORD_GLOBAL_PER_SECOND = 50
#: Our own pace stays below Discord's so a burst from discord.py's retries cannot tip it over.
SAFETY = 0.9
CHANNEL_BURST = 5
CHANNEL_WINDOW = 5.0  # seconds


class Priority(IntEnum):
    """Lower goes first."""

    LIVE = 0  # a running quiz: questions, reveals, the podium
    NOTICE = 1  # a scheduled class quiz's "starts in 1 minute"
    POST = 2  # the daily term, assignment announcements and reminders
    COUNTER = 3  # "N answered" edits: useful, never urgent


@dataclass(slots=True)
class TokenBucket:
    """`rate` requests per second on average, bursts of up to `burst`."""

    rate: float
    burst: float
    tokens: float | None = None
    updated: float | None = None

    def reserve(self, now: float) -> float:
        """Take one request's token; returns the seconds to wait before sending it (0 = now).

        A reservation is never undone: a caller that waits the returned time may then send.
        """
        if self.tokens is None or self.updated is None:
            self.tokens, self.updated = self.burst, now
        elapsed = max(now - self.updated, 0.0)
        self.tokens = min(self.burst, self.tokens + elapsed * self.rate)
        self.updated = now
        self.tokens -= 1
        return 0.0 if self.tokens >= 0 else -self.tokens / self.rate

    def available(self, now: float) -> float:
        """Tokens at `now` without taking one (may be negative while reservations wait)."""
        if self.tokens is None or self.updated is None:
            return self.burst
        return min(self.burst, self.tokens + max(now - self.updated, 0.0) * self.rate)


def channel_bucket() -> TokenBucket:
    return TokenBucket(rate=CHANNEL_BURST / CHANNEL_WINDOW, burst=CHANNEL_BURST)


def global_bucket(processes: int = 1, per_second: float = DISCORD_GLOBAL_PER_SECOND) -> TokenBucket:
    """This process's bucket of the bot's global budget.

    In any one-second window a bucket lets through at most `burst + rate` requests, so the
    processes together stay within `per_second` even when every one of them bursts at once.
    """
    processes = max(processes, 1)
    # Rounded: 50 * (1 - 0.9) is 4.999... in floating point, one whole token short of 5.
    burst = max(1.0, round(per_second * (1 - SAFETY) / processes, 6))
    total = min(per_second * SAFETY, per_second - processes * burst)
    if total <= 0:
        raise ValueError(f"{processes} processes cannot share {per_second} requests/s; run fewer processes")
    return TokenBucket(rate=total / processes, burst=burst)
