from pathlib import Path

import pytest

import content

MINI_DECK = Path(__file__).parent / "data" / "mini_deck"


@pytest.fixture(scope="session")
def mini_deck() -> content.Deck:
    return content.load_deck_from(MINI_DECK, name="Mini")


@pytest.fixture(scope="session")
def deck() -> content.Deck:
    return content.load_deck()
