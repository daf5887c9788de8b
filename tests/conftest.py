import threading
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


def pytest_sessionfinish(session, exitstatus):
    # A non-daemon thread still running now keeps the interpreter alive after the report (an
    # aiosqlite connection that was never closed is one: simcord detaches a bot without closing
    # it). Name such threads, so a hang points at its cause; executor pools end on their own.
    left = [
        t
        for t in threading.enumerate()
        if t is not threading.main_thread() and not t.daemon and not t.name.startswith(("asyncio_", "ThreadPool"))
    ]
    for thread in left:
        thread.join(timeout=1)
    if names := [t.name for t in left if t.is_alive()]:
        reporter = session.config.pluginmanager.get_plugin("terminalreporter")
        reporter.write_line(f"\nnon-daemon threads still running, the process may not exit: {names}", red=True)
