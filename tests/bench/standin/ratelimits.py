"""Discord's per-route rate limits as the stand-in plays them: X-RateLimit headers, 429s, injected faults.

Discord documents the headers (Limit, Remaining, Reset, Reset-After, Bucket, Scope) and the 429 body
(`message`, `retry_after` in seconds, `global`); discord.py retries a 429 only when the response has
a `Via` header (without it, it assumes a Cloudflare ban), so every 429 here carries one, as Discord's do.
The windows below are Discord's observed ones for the routes a bot uses; interaction callbacks are not
rate limited (Discord exempts them, also from the global limit).
"""

from __future__ import annotations

import hashlib
import re
import time
from dataclasses import dataclass

# (method, route template) -> (limit, window in seconds). The route's major parameter (channel or
# webhook token) picks the bucket instance, as on Discord.
LIMITS: dict[tuple[str, str], tuple[int, float]] = {
    ("POST", "/channels/{channel_id}/messages"): (5, 5.0),
    ("PATCH", "/channels/{channel_id}/messages/{message_id}"): (5, 5.0),
    ("DELETE", "/channels/{channel_id}/messages/{message_id}"): (5, 1.0),
    ("POST", "/webhooks/{webhook_id}/{token}"): (5, 2.0),
    ("PATCH", "/webhooks/{webhook_id}/{token}/messages/{message_id}"): (5, 2.0),
}


@dataclass
class Window:
    started: float
    used: int = 0


@dataclass
class Fault:
    """An injected answer: the next `times` requests matching `method` and `path` get `status`."""

    method: str
    path: re.Pattern
    status: int
    times: int
    retry_after: float = 1.0
    is_global: bool = False
    code: int = 0
    message: str = ""


class RateLimits:
    def __init__(self, *, enforce: bool = True) -> None:
        self.enforce = enforce
        self.windows: dict[tuple[str, str, str], Window] = {}
        self.faults: list[Fault] = []
        self.hits_429 = 0

    def inject(self, method: str, path: str, *, status: int = 429, times: int = 1, **fields) -> Fault:
        """Make the next `times` requests to `path` (a regex over the path after /api/v10) fail."""
        fault = Fault(method.upper(), re.compile(path), status, times, **fields)
        self.faults.append(fault)
        return fault

    def take_fault(self, method: str, path: str) -> Fault | None:
        for fault in self.faults:
            if fault.times > 0 and fault.method == method and fault.path.search(path):
                fault.times -= 1
                if fault.times == 0:
                    self.faults.remove(fault)
                return fault
        return None

    def check(self, method: str, template: str, major: str) -> tuple[dict[str, str], float | None]:
        """Headers for this request, and the retry_after when it is over the limit (None when allowed)."""
        limit = LIMITS.get((method, template))
        if limit is None or not self.enforce:
            return {}, None
        count, per = limit
        now = time.time()
        key = (method, template, major)
        window = self.windows.get(key)
        if window is None or now >= window.started + per:
            window = self.windows[key] = Window(now)
            if len(self.windows) > 50_000:  # old windows of finished interactions
                self.windows = {k: w for k, w in self.windows.items() if now < w.started + 60}
        reset_after = window.started + per - now
        bucket = hashlib.blake2s(f"{method} {template}".encode(), digest_size=16).hexdigest()
        headers = {
            "X-RateLimit-Limit": str(count),
            "X-RateLimit-Bucket": bucket,
            "X-RateLimit-Reset": f"{window.started + per:.3f}",
            "X-RateLimit-Reset-After": f"{reset_after:.3f}",
        }
        if window.used >= count:
            self.hits_429 += 1
            headers.update({"X-RateLimit-Remaining": "0", "X-RateLimit-Scope": "user"})
            return headers, reset_after
        window.used += 1
        headers["X-RateLimit-Remaining"] = str(count - window.used)
        return headers, None


def too_many(retry_after: float, *, is_global: bool = False) -> tuple[dict, dict[str, str]]:
    """A 429's body and its extra headers, as Discord sends them."""
    body = {"message": "You are being rate limited.", "retry_after": round(retry_after, 3), "global": is_global}
    headers = {"Retry-After": str(max(1, round(retry_after))), "Via": "1.1 google"}
    if is_global:
        headers["X-RateLimit-Global"] = "true"
        headers["X-RateLimit-Scope"] = "global"
    return body, headers
