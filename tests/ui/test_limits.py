"""Discord's embed limits, enforced for every embed in bot/ui/limits.py."""

from __future__ import annotations

import re
from pathlib import Path

import discord

from bot.ui.limits import SHORTENED, TOTAL, Panel, embed_size, fit
from bot.ui.messages import member_name


def test_a_card_over_the_total_drops_its_last_fields_and_says_so():
    card = Panel(title="Schedules", description="x" * 500)
    for i in range(25):
        card.add_field(name=f"#{i + 1}", value="reason " * 40, inline=False)
    data = card.to_dict()
    assert embed_size(data) <= TOTAL
    assert 0 < len(data["fields"]) < 25 and data["fields"][0]["name"] == "#1"
    assert SHORTENED in data["footer"]["text"]


def test_every_part_is_clipped_to_its_own_limit():
    card = Panel(title="t" * 300, description="d" * 5000)
    card.add_field(name="n" * 300, value="v" * 2000)
    card.set_footer(text="f" * 100)
    data = card.to_dict()
    assert len(data["title"]) == 256 and len(data["fields"][0]["name"]) == 256
    assert len(data["fields"][0]["value"]) == 1024 and data["title"].endswith("…")
    assert embed_size(data) <= TOTAL


def test_more_than_25_fields_keep_the_first_25():
    card = Panel(title="many")
    for i in range(30):
        card.add_field(name=str(i), value="v")
    data = card.to_dict()
    assert [f["name"] for f in data["fields"]] == [str(i) for i in range(25)]
    assert SHORTENED in data["footer"]["text"]


def test_a_card_within_the_limits_is_sent_unchanged():
    card = Panel(title="Term", description="A definition.")
    card.add_field(name="Example", value="An example.")
    card.set_footer(text="Customer Relations deck")
    assert card.to_dict() == discord.Embed.to_dict(card)


def test_a_long_description_alone_is_cut_to_the_total():
    data = fit({"title": "t", "description": "d" * 4096, "footer": {"text": "f" * 2048}})
    assert embed_size(data) <= TOTAL


def test_no_screen_builds_a_plain_discord_embed():
    """Panel is the one place the limits are kept: a plain discord.Embed would bypass it."""
    root = Path(__file__).resolve().parents[2] / "bot"
    plain = [
        f"{path.relative_to(root.parent)}:{n}"
        for path in root.rglob("*.py")
        if path.name != "limits.py"
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if re.search(r"discord\.Embed\(", line)
    ]
    assert plain == []


def test_member_names_are_shown_as_plain_text():
    shown = member_name("[Nitro](https://example.com) @everyone **bold**")
    assert "\\[Nitro]" in shown and "**" not in shown.replace("\\*", "")
    assert "@everyone" not in shown  # escape_mentions breaks the ping
