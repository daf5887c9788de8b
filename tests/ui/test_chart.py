"""The mastery chart stays readable at Discord's embed-image size however many topics a deck has."""

from __future__ import annotations

import io

from PIL import Image, ImageDraw

import content
from bot.ui.chart import MAX_BARS, MAX_HEIGHT, ROW, TEXT_SIZE, WIDTH, Bar, _fit, _font, mastery_chart

DISCORD_IMAGE = (400, 300)  # the largest an embed's image is shown


def size_of(png: bytes) -> tuple[int, int]:
    return Image.open(io.BytesIO(png)).size


def shown_scale(size: tuple[int, int]) -> float:
    """How much Discord shrinks the image to fit an embed."""
    return min(DISCORD_IMAGE[0] / size[0], DISCORD_IMAGE[1] / size[1], 1.0)


def test_the_built_in_decks_chart_keeps_its_type_readable_in_an_embed():
    deck = content.load_deck()
    bars = [Bar(t.name, 16, 5, 2) for t in deck.topics]
    size = size_of(mastery_chart(bars))
    assert size[0] == WIDTH and size[1] <= MAX_HEIGHT
    assert TEXT_SIZE * shown_scale(size) >= 12, "labels at least Discord's small print (12 px)"
    draw = ImageDraw.Draw(Image.new("RGB", (1, 1)))
    cell = (WIDTH - 2 * 16 - 24) // 2
    assert all(_fit(draw, t.name, _font(TEXT_SIZE), cell) == t.name for t in deck.topics), "no name cut"


def test_rows_grow_in_two_columns():
    two = size_of(mastery_chart([Bar("Service mindset", 10, 5, 2), Bar("CRM", 8, 0, 0)]))
    three = size_of(mastery_chart([Bar(str(i), 1, 0, 0) for i in range(3)]))
    assert two[1] + ROW == three[1], "one column up to five topics"
    six = size_of(mastery_chart([Bar(str(i), 1, 0, 0) for i in range(6)]))
    assert six[1] == three[1], "six topics: two columns of three"


def test_an_imported_deck_with_two_thousand_topics_is_summed_up():
    bars = [Bar(f"Topic {i}", 1, i % 2, 0) for i in range(2000)]
    capped = size_of(mastery_chart(bars))
    assert capped == size_of(mastery_chart(bars[:MAX_BARS]))
    assert capped[1] <= MAX_HEIGHT and shown_scale(capped) == DISCORD_IMAGE[0] / WIDTH


def test_no_topics_still_makes_an_image():
    assert size_of(mastery_chart([]))[0] == WIDTH
