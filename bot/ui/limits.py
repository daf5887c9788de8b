"""Discord's embed limits, enforced in one place for every embed the bot sends.

Every screen builds its embeds as `Card` (a `discord.Embed`). discord.py serialises each embed
with `to_dict()` for every send, edit, response and follow-up, so `Panel.to_dict()` is the one
place that sees them all: it keeps each part within its own limit and the whole within Discord's
6,000-character total, dropping the last fields first and saying so in the footer. Screens that
can grow past the limits (lists of schedules, standings) page themselves; this is the net under
them, so a teacher never gets "Invalid Form Body" where a shorter card would do.
"""

from __future__ import annotations

import discord

TITLE = 256
DESCRIPTION = 4096
FIELDS = 25
FIELD_NAME = 256
FIELD_VALUE = 1024
FOOTER = 2048
AUTHOR = 256
TOTAL = 6000  # all text of all embeds of one message together
SHORTENED = "Some lines were left out to fit Discord's size limit."


def _clip(text: str | None, limit: int) -> str | None:
    if text is None:
        return None
    text = str(text).strip()
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def embed_size(data: dict) -> int:
    """Characters of an embed's payload that count towards Discord's 6,000 total."""
    size = len((data.get("title") or "").strip()) + len((data.get("description") or "").strip())
    for field in data.get("fields") or ():
        size += len((field.get("name") or "").strip()) + len((field.get("value") or "").strip())
    size += len(((data.get("footer") or {}).get("text") or "").strip())
    size += len(((data.get("author") or {}).get("name") or "").strip())
    return size


def fit(data: dict, total: int = TOTAL) -> dict:
    """An embed payload within every per-part limit and `total` characters (a new dict)."""
    data = dict(data)
    for key, limit in (("title", TITLE), ("description", DESCRIPTION)):
        if data.get(key) is not None:
            data[key] = _clip(data[key], limit)
    fields = [
        {
            **f,
            "name": _clip(f.get("name"), FIELD_NAME) or "\u200b",
            "value": _clip(f.get("value"), FIELD_VALUE) or "\u200b",
        }
        for f in data.get("fields") or ()
    ]
    dropped = len(fields) > FIELDS
    fields = fields[:FIELDS]
    for key, inner, limit in (("footer", "text", FOOTER), ("author", "name", AUTHOR)):
        if data.get(key):
            data[key] = {**data[key], inner: _clip(data[key].get(inner), limit)}
    if fields or "fields" in data:
        data["fields"] = fields
    while embed_size(data) > total and data.get("fields"):
        data["fields"] = data["fields"][:-1]
        dropped = True
    if dropped:
        footer = dict(data.get("footer") or {})
        text = footer.get("text")
        footer["text"] = f"{text} · {SHORTENED}" if text else SHORTENED
        data["footer"] = footer
    excess = embed_size(data) - total
    if excess > 0 and data.get("description"):  # still too long with no fields left: cut the text
        data["description"] = _clip(data["description"], max(len(data["description"]) - excess, 1))
    return data


class Panel(discord.Embed):
    """A `discord.Embed` that always serialises within Discord's limits (see the module doc)."""

    def to_dict(self):  # discord.py calls this for every payload that carries the embed
        return fit(super().to_dict())
