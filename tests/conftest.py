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


_exit_status = 0


def pytest_sessionfinish(session, exitstatus):
    global _exit_status
    _exit_status = int(exitstatus)


def pytest_unconfigure(config):
    # Stopgap: a thread left by a scheduler fault test (not yet found) keeps the interpreter alive
    # after the report, so CI would hang. Flush and end the process with pytest's own status.
    import os
    import sys

    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(_exit_status)
