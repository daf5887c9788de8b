"""A throwaway PostgreSQL server for the tests, from the machine's own packages.

`start()` runs initdb and pg_ctl from Debian's postgresql package on loopback, in a temp folder,
as the `postgres` user when the tests run as root (the server refuses to run as root). It takes
a second or two. Without PostgreSQL on the machine the tests that need it skip with the reason,
except under CI=true, where they must run: `.ci/run` installs the package first.

`TEST_DATABASE_URL` points the tests at a server you run yourself instead.
"""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

SKIP_REASON = (
    "PostgreSQL is not installed (apt-get install postgresql), so the PostgreSQL tests are skipped; "
    "CI=true runs them"
)


def _bin_dir() -> Path | None:
    for candidate in sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True):
        if Path(candidate, "initdb").exists() and Path(candidate, "pg_ctl").exists():
            return Path(candidate)
    found = shutil.which("initdb")
    return Path(found).resolve().parent if found else None


def available() -> bool:
    return bool(os.environ.get("TEST_DATABASE_URL")) or _bin_dir() is not None


def required() -> bool:
    """Under CI the PostgreSQL tests must run: a missing server is a failure, not a skip."""
    return os.environ.get("CI", "").lower() in ("1", "true", "yes")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class PgServer:
    url: str  # of the maintenance database `postgres`
    folder: Path | None
    bin_dir: Path | None
    user: str | None

    def _as_user(self, args: list[str]) -> subprocess.CompletedProcess:
        if self.user:
            args = ["runuser", "-u", self.user, "--", *args]
        return subprocess.run(args, check=True, capture_output=True, text=True, timeout=120)

    def stop(self) -> None:
        if self.folder is None:
            return
        with contextlib.suppress(subprocess.SubprocessError, OSError):
            self._as_user(
                [str(self.bin_dir / "pg_ctl"), "-D", str(self.folder / "data"), "stop", "-m", "immediate"]
            )
        shutil.rmtree(self.folder, ignore_errors=True)
        self.folder = None

    def database_url(self, name: str) -> str:
        return self.url.rsplit("/", 1)[0] + "/" + name


def start() -> PgServer:
    """Start a server (or use TEST_DATABASE_URL); the caller stops it."""
    if url := os.environ.get("TEST_DATABASE_URL"):
        return PgServer(url, None, None, None)
    bin_dir = _bin_dir()
    if bin_dir is None:
        raise RuntimeError(SKIP_REASON)
    user = None
    if os.geteuid() == 0:
        user = "postgres"
        pwd.getpwnam(user)  # KeyError when the package did not create it
    folder = Path(tempfile.mkdtemp(prefix="studybot-pg-"))
    os.chmod(folder, 0o755)
    if user:
        shutil.chown(folder, user)
    port = _free_port()
    server = PgServer(f"postgresql://postgres@127.0.0.1:{port}/postgres", folder, bin_dir, user)
    try:
        server._as_user(
            [str(bin_dir / "initdb"), "-D", str(folder / "data"), "-A", "trust", "-U", "postgres", "--no-sync"]
        )
        options = f"-c listen_addresses=127.0.0.1 -p {port} -k {folder} -c fsync=off -c max_connections=200"
        server._as_user(
            [
                str(bin_dir / "pg_ctl"),
                "-D",
                str(folder / "data"),
                "-o",
                options,
                "-l",
                str(folder / "log"),
                "-w",
                "start",
            ]
        )
    except BaseException:
        server.stop()
        raise
    return server


def run_sync(coro_factory):
    """Run an asyncpg job from synchronous test code, on its own event loop in a worker thread
    (the test's own loop may be running: simcord's clients live on it)."""
    import asyncio
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(1) as pool:
        return pool.submit(lambda: asyncio.run(coro_factory())).result()


def query(url: str, sql: str, params=(), *, as_dicts: bool = False) -> list:
    """Rows of one statement (written with `?` placeholders), as tuples like sqlite3 gives them
    (or as dicts)."""
    import asyncpg

    from bot.storage.sql import numbered

    async def fetch():
        conn = await asyncpg.connect(direct(url))
        try:
            return [dict(r) if as_dicts else tuple(r) for r in await conn.fetch(numbered(sql), *params)]
        finally:
            await conn.close()

    return run_sync(fetch)


def execute_many(url: str, sql: str, many) -> None:
    """Run one statement once per parameter tuple, in one transaction."""
    import asyncpg

    from bot.storage.sql import numbered

    async def run():
        conn = await asyncpg.connect(direct(url))
        try:
            await conn.executemany(numbered(sql), list(many))
        finally:
            await conn.close()

    run_sync(run)


class Databases:
    """One database per test, copied from a migrated template (a file copy, fast), dropped after."""

    def __init__(self, server: PgServer) -> None:
        self.server = server
        self.count = 0
        self.template: str | None = None

    def _admin(self, *statements: str) -> None:
        import asyncpg

        async def run():
            conn = await asyncpg.connect(self.server.url)
            try:
                for statement in statements:
                    await conn.execute(statement)
            finally:
                await conn.close()

        run_sync(run)

    def _make_template(self) -> str:
        from bot.storage.postgres import PostgresDatabase

        name = "studybot_template"
        self._admin(f"DROP DATABASE IF EXISTS {name}", f"CREATE DATABASE {name}")

        async def migrate():
            db = await PostgresDatabase.open(self.server.database_url(name), min_size=1, max_size=1)
            try:
                await db.migrate()
            finally:
                await db.close()

        run_sync(migrate)
        return name

    def create(self, *, migrated: bool = True) -> str:
        """A new database (at the latest schema unless `migrated` is False); returns its URL."""
        if migrated and self.template is None:
            self.template = self._make_template()
        self.count += 1
        name = f"studybot_test_{os.getpid()}_{self.count}"
        template = self.template if migrated else "template0"
        self._admin(f"CREATE DATABASE {name} TEMPLATE {template}")
        return self.server.database_url(name)

    def drop(self, url: str) -> None:
        name = url.rsplit("/", 1)[1]
        self._admin(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


class Proxy:
    """A TCP relay between the bot and the test server, on its own thread: `cut()` drops every
    connection and refuses new ones (the database server went away: a restart, a network blip),
    `restore()` lets connections in again. Stands for what a test cannot do to a real server
    shared by the whole session."""

    def __init__(self, host: str, port: int) -> None:
        import asyncio
        import threading

        self.target = (host, port)
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, name="pg-proxy", daemon=True)
        self.thread.start()
        self.port = 0
        self.server = None
        self.links: set = set()
        self._call(self._listen)

    def _call(self, coro_factory):
        import asyncio

        return asyncio.run_coroutine_threadsafe(coro_factory(), self.loop).result(timeout=30)

    async def _listen(self) -> None:
        import asyncio

        self.server = await asyncio.start_server(self._link, "127.0.0.1", self.port)
        self.port = self.server.sockets[0].getsockname()[1]

    async def _link(self, reader, writer) -> None:
        import asyncio

        try:
            up_reader, up_writer = await asyncio.open_connection(*self.target)
        except OSError:
            writer.close()
            return
        pair = (writer, up_writer)
        self.links.add(pair)

        async def pipe(src, dst):
            try:
                while data := await src.read(65536):
                    dst.write(data)
                    await dst.drain()
            except (OSError, asyncio.CancelledError):
                pass
            finally:
                dst.close()

        await asyncio.gather(pipe(reader, up_writer), pipe(up_reader, writer))
        self.links.discard(pair)

    def url(self, url: str) -> str:
        """`url` with its host and port replaced by the proxy's."""
        head, tail = url.split("@", 1)
        return f"{head}@127.0.0.1:{self.port}/{tail.split('/', 1)[1]}"

    def cut(self) -> None:
        async def cut():
            self.server.close()
            await self.server.wait_closed()
            for writer, up_writer in list(self.links):
                writer.transport.abort()
                up_writer.transport.abort()
            self.links.clear()

        self._call(cut)

    def restore(self) -> None:
        self._call(self._listen)

    def close(self) -> None:
        self.cut()
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(timeout=5)
        self.loop.close()


PROXIES: dict[str, Proxy] = {}  # the bot's database URL -> the proxy in front of it
DIRECT: dict[str, str] = {}  # the bot's database URL -> the server's own (what tests read through)


def direct(url: str) -> str:
    """The URL a test reads and writes through: never the relay a test may have cut."""
    return DIRECT.get(url, url)
