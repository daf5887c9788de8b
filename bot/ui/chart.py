"""A small PNG bar chart of mastery per topic, drawn with Pillow (no plotting library needed)."""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from PIL import Image, ImageDraw, ImageFont

WIDTH = 760
ROW = 30
TOP = 62
BOTTOM = 14
LABEL_W = 240
BAR_W = 400
BACKGROUND = (255, 255, 255)
TRACK = (227, 229, 232)
SEEN = (158, 197, 232)
MASTERED = (46, 134, 171)
TEXT = (35, 39, 42)
MUTED = (110, 115, 120)


@dataclass(frozen=True, slots=True)
class Bar:
    """One topic's row: how many cards it has, how many the member has seen and mastered."""

    label: str
    total: int
    seen: int
    mastered: int


@lru_cache(maxsize=4)
def _font(size: int) -> ImageFont.ImageFont | ImageFont.FreeTypeFont:
    return ImageFont.load_default(size=size)


def _fit(draw: ImageDraw.ImageDraw, text: str, font, width: int) -> str:
    """Shorten text with an ellipsis until it fits `width` pixels."""
    if draw.textlength(text, font=font) <= width:
        return text
    while text and draw.textlength(text + "…", font=font) > width:
        text = text[:-1]
    return text.rstrip() + "…"


MAX_BARS = 30  # an imported deck can have hundreds of topics; the image stays a chart


def mastery_chart(bars: Sequence[Bar], title: str = "Mastery per topic") -> bytes:
    """PNG bytes: per topic, a track for all its cards, the seen share light and the mastered share dark.

    Beyond MAX_BARS topics, the rest are summed into one last "N more topics" row."""
    if len(bars) > MAX_BARS:
        rest = bars[MAX_BARS - 1 :]
        bars = [
            *bars[: MAX_BARS - 1],
            Bar(
                f"{len(rest)} more topics",
                sum(b.total for b in rest),
                sum(b.seen for b in rest),
                sum(b.mastered for b in rest),
            ),
        ]
    height = TOP + ROW * max(len(bars), 1) + BOTTOM
    image = Image.new("RGB", (WIDTH, height), BACKGROUND)
    draw = ImageDraw.Draw(image)
    label_font, title_font = _font(14), _font(18)
    draw.text((16, 12), title, fill=TEXT, font=title_font)
    legend_x = 16
    for colour, name in ((MASTERED, "mastered"), (SEEN, "studied"), (TRACK, "not started")):
        draw.rectangle((legend_x, 42, legend_x + 12, 54), fill=colour)
        draw.text((legend_x + 18, 40), name, fill=MUTED, font=label_font)
        legend_x += 30 + int(draw.textlength(name, font=label_font)) + 16
    if not bars:
        draw.text((16, TOP + 6), "No topics in this deck.", fill=MUTED, font=label_font)
    for i, bar in enumerate(bars):
        y = TOP + i * ROW
        draw.text((16, y + 6), _fit(draw, bar.label, label_font, LABEL_W - 24), fill=TEXT, font=label_font)
        left, top, bottom = LABEL_W, y + 6, y + ROW - 6
        draw.rectangle((left, top, left + BAR_W, bottom), fill=TRACK)
        if bar.total:
            seen_w = round(BAR_W * bar.seen / bar.total)
            mastered_w = round(BAR_W * bar.mastered / bar.total)
            if seen_w:
                draw.rectangle((left, top, left + seen_w, bottom), fill=SEEN)
            if mastered_w:
                draw.rectangle((left, top, left + mastered_w, bottom), fill=MASTERED)
        share = bar.mastered / bar.total if bar.total else 0.0
        draw.text(
            (left + BAR_W + 12, y + 6), f"{bar.mastered}/{bar.total} ({share:.0%})", fill=TEXT, font=label_font
        )
    out = io.BytesIO()
    image.save(out, format="PNG", compress_level=6)
    return out.getvalue()
