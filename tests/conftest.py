import threading
from pathlib import Path

import pytest

import content
from bot.config import Settings
from tests import pg_server

#: Storage and end-to-end tests that ask for `engine` run once per engine: SQLite always,
#: PostgreSQL when the machine has it (a throwaway server, started once for the session).
ENGINES = ("sqlite", "postgres")

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


def pytest_configure(config):
    config.addinivalue_line("markers", "sqlite_only: the test is about SQLite itself (its file, locks, WAL)")


def pytest_generate_tests(metafunc):
    if "engine" in metafunc.fixturenames:
        only = metafunc.definition.get_closest_marker("sqlite_only")
        metafunc.parametrize("engine", ["sqlite"] if only else list(ENGINES))


@pytest.fixture(scope="session")
def pg_databases():
    """The session's PostgreSQL server (started on first use) and its per-test databases."""
    if not pg_server.available():
        if pg_server.required():
            pytest.fail(pg_server.SKIP_REASON.replace("are skipped", "cannot run, but CI=true needs them"))
        pytest.skip(pg_server.SKIP_REASON)
    server = pg_server.start()
    try:
        yield pg_server.Databases(server)
    finally:
        server.stop()


@pytest.fixture
def database_url(engine, request):
    """None for SQLite; for PostgreSQL a fresh database at the latest schema, dropped afterwards."""
    if engine == "sqlite":
        yield None
        return
    databases = request.getfixturevalue("pg_databases")
    url = databases.create()
    # The bot reaches its database through a relay a test can cut (see tests.e2e storage faults).
    host, port = url.split("@", 1)[1].split("/", 1)[0].split(":")
    proxy = pg_server.Proxy(host, int(port))
    proxied = proxy.url(url)
    pg_server.PROXIES[proxied], pg_server.DIRECT[proxied] = proxy, url
    try:
        yield proxied
    finally:
        del pg_server.PROXIES[proxied], pg_server.DIRECT[proxied]
        proxy.close()
        databases.drop(url)


@pytest.fixture
def settings(tmp_path, database_url) -> Settings:
    """The bot's settings on a fresh database of the test's engine."""
    return Settings(token=None, database_path=tmp_path / "bot.sqlite3", database_url=database_url)
