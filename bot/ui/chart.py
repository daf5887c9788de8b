"""The /progress chart: mastery per topic as a PNG, drawn with Pillow (no plotting library needed).

Discord shows an embed's image at most about 400 px wide and 300 px high, so the chart is drawn
at twice that (800 px wide, never taller than 600 px) with type large enough to stay readable at
half size: each topic's name on its own line above its bar, in two columns when there are more
than five topics, and at most `MAX_BARS` bars.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from PIL import Image, ImageDraw, ImageFont

WIDTH = 800
MAX_HEIGHT = 600  # 4:3, so Discord scales the image by its width: type keeps its size
PAD = 16
COLUMN_GAP = 24
TITLE_SIZE = 34
TEXT_SIZE = 24  # 12 px at Discord's size, as its own small print; the built-in topic names fit
LABEL_LINE = 32  # a topic's name above its bar
BAR_H = 24
ROW_GAP = 16
ROW = LABEL_LINE + BAR_H + ROW_GAP
HEADER = PAD + TITLE_SIZE + 14 + TEXT_SIZE + 26
ONE_COLUMN_MAX = 5
MAX_ROWS = (MAX_HEIGHT - HEADER - PAD + ROW_GAP) // ROW
MAX_BARS = 2 * MAX_ROWS  # more topics are summed into one last "N more topics" bar

BACKGROUND = (255, 255, 255)
TRACK = (222, 225, 229)
SEEN = (150, 192, 230)
MASTERED = (36, 112, 150)
TEXT = (30, 33, 36)
MUTED = (95, 100, 106)


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


def _fit(draw: ImageDraw.ImageDraw, text: str, font, width: float) -> str:
    """Shorten text with an ellipsis until it fits `width` pixels."""
    if draw.textlength(text, font=font) <= width:
        return text
    while text and draw.textlength(text + "…", font=font) > width:
        text = text[:-1]
    return text.rstrip() + "…"


def _capped(bars: Sequence[Bar]) -> list[Bar]:
    if len(bars) <= MAX_BARS:
        return list(bars)
    rest = bars[MAX_BARS - 1 :]
    summed = Bar(
        f"{len(rest)} more topics",
        sum(b.total for b in rest),
        sum(b.seen for b in rest),
        sum(b.mastered for b in rest),
    )
    return [*bars[: MAX_BARS - 1], summed]


def _figure(bar: Bar) -> str:
    return f"{bar.mastered}/{bar.total}"


def _draw_bar(draw: ImageDraw.ImageDraw, bar: Bar, left: int, top: int, width: int, track: int) -> None:
    """A topic's name on one line; below it the bar (`track` long, the same for every topic) and
    "mastered/total" right-aligned after it."""
    font = _font(TEXT_SIZE)
    draw.text((left, top), _fit(draw, bar.label, font, width), fill=TEXT, font=font)
    figure = _figure(bar)
    y = top + LABEL_LINE
    draw.text((left + width - draw.textlength(figure, font=font), y - 1), figure, fill=TEXT, font=font)
    draw.rectangle((left, y, left + track, y + BAR_H), fill=TRACK)
    if bar.total:
        for count, colour in ((bar.seen, SEEN), (bar.mastered, MASTERED)):
            filled = round(track * min(count, bar.total) / bar.total)
            if filled:
                draw.rectangle((left, y, left + filled, y + BAR_H), fill=colour)


def mastery_chart(bars: Sequence[Bar], title: str = "Mastery per topic") -> bytes:
    """PNG bytes: per topic, a track for all its cards, the studied share light and the mastered share
    dark, with "mastered/total" beside the topic's name. Beyond `MAX_BARS` topics the rest are summed
    into one last "N more topics" bar."""
    bars = _capped(bars)
    columns = 1 if len(bars) <= ONE_COLUMN_MAX else 2
    rows = max(1, -(-len(bars) // columns))
    height = HEADER + rows * ROW - ROW_GAP + PAD
    image = Image.new("RGB", (WIDTH, height), BACKGROUND)
    draw = ImageDraw.Draw(image)
    text_font = _font(TEXT_SIZE)
    draw.text((PAD, PAD), title, fill=TEXT, font=_font(TITLE_SIZE))
    legend_x, legend_y = PAD, PAD + TITLE_SIZE + 14
    for colour, name in ((MASTERED, "mastered"), (SEEN, "studied"), (TRACK, "not started")):
        draw.rectangle((legend_x, legend_y + 4, legend_x + 22, legend_y + 26), fill=colour)
        draw.text((legend_x + 30, legend_y), name, fill=MUTED, font=text_font)
        legend_x += 30 + int(draw.textlength(name, font=text_font)) + 30
    if not bars:
        draw.text((PAD, HEADER), "No topics in this deck.", fill=MUTED, font=text_font)
    cell_w = (WIDTH - 2 * PAD - (columns - 1) * COLUMN_GAP) // columns
    figures_w = max((draw.textlength(_figure(bar), font=text_font) for bar in bars), default=0)
    track = int(cell_w - figures_w - 12)
    for i, bar in enumerate(bars):
        column, row = divmod(i, rows)  # down the first column, then the second: the deck's order
        _draw_bar(draw, bar, PAD + column * (cell_w + COLUMN_GAP), HEADER + row * ROW, cell_w, track)
    out = io.BytesIO()
    image.save(out, format="PNG", compress_level=6)
    return out.getvalue()
