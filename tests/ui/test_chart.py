"""The mastery chart stays a readable image however many topics a deck has."""

from __future__ import annotations

import io

from PIL import Image

from bot.ui.chart import MAX_BARS, ROW, Bar, mastery_chart


def size_of(png: bytes) -> tuple[int, int]:
    return Image.open(io.BytesIO(png)).size


def test_one_row_per_topic():
    width, height = size_of(mastery_chart([Bar("Service mindset", 10, 5, 2), Bar("CRM", 8, 0, 0)]))
    assert width == 760 and height == size_of(mastery_chart([Bar("a", 1, 0, 0)]))[1] + ROW


def test_an_imported_deck_with_two_thousand_topics_is_summed_up():
    bars = [Bar(f"Topic {i}", 1, i % 2, 0) for i in range(2000)]
    capped = size_of(mastery_chart(bars))
    assert capped == size_of(mastery_chart(bars[:MAX_BARS]))
    assert capped[1] < 1200
