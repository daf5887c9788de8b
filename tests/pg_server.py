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


def query(url: str, sql: str, params=()) -> list[tuple]:
    """Rows of one statement (written with `?` placeholders), as tuples, like sqlite3 gives them."""
    import asyncpg

    from bot.storage.sql import numbered

    async def fetch():
        conn = await asyncpg.connect(url)
        try:
            return [tuple(r) for r in await conn.fetch(numbered(sql), *params)]
        finally:
            await conn.close()

    return run_sync(fetch)


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
