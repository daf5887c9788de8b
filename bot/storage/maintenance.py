"""Operator tasks on the database: a consistent backup and a read-only report, on both engines.

SQLite: the standard library's sqlite3 opens the file read-only, so both are safe while the bot
runs: in WAL mode a reader sees one committed snapshot and never blocks the bot's writes.
PostgreSQL: the report reads one snapshot in a session that refuses writes; the backup is
`pg_dump` (custom format), which reads one snapshot too. Neither creates the database.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import sqlite3
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from bot.storage.database import StorageError


@dataclass(frozen=True, slots=True)
class DatabaseReport:
    where: str  # the file, or PostgreSQL's user@host:port/dbname (never a password)
    size_bytes: int  # the database file, or PostgreSQL's database
    wal_bytes: int  # SQLite's write-ahead log: commits not yet copied into the file
    schema_version: int
    rows: dict[str, int]  # table -> row count
    server: str | None = None  # PostgreSQL's version


def _open_read_only(path: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    try:
        conn.execute("PRAGMA busy_timeout = 5000")
        conn.execute("SELECT COUNT(*) FROM sqlite_master").fetchone()  # fails here if not a database
    except sqlite3.Error as exc:
        conn.close()
        raise StorageError(f"Cannot read the database at {path}: {exc}. Check DATABASE_PATH.") from None
    return conn


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except FileNotFoundError:
        return 0


def location_problem(path: Path) -> str | None:
    """Why the bot could not create a database at `path`, or None; creates nothing."""
    if path.is_dir():
        return f"DATABASE_PATH {path} is a folder; point it at a file such as {path}/studybot.sqlite3."
    folder = path.parent
    while not folder.exists() and folder != folder.parent:
        folder = folder.parent
    if not folder.is_dir():
        return (
            f"Cannot create the folder for the database at {path}: {folder} is a file. "
            "Set DATABASE_PATH to a writable location."
        )
    if not os.access(folder, os.W_OK | os.X_OK):
        return f"Cannot create the database at {path}: {folder} is not writable. Set DATABASE_PATH."
    return None


def inspect_database(path: Path) -> DatabaseReport | None:
    """Schema version, size and rows per table of the database at `path`; None if there is none yet.

    Each count is one statement; all are read in one transaction, so they belong to one snapshot.
    """
    path = Path(path)
    if not path.is_file():
        return None
    conn = _open_read_only(path)
    try:
        conn.execute("BEGIN")
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        names = [
            row[0]
            for row in conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name"
            )
        ]
        rows = {name: conn.execute(f'SELECT COUNT(*) FROM "{name}"').fetchone()[0] for name in names}
        conn.execute("COMMIT")
    except sqlite3.Error as exc:
        raise StorageError(f"Cannot read the database at {path}: {exc}.") from None
    finally:
        conn.close()
    return DatabaseReport(str(path), _size(path), _size(path.with_name(path.name + "-wal")), version, rows)


def _partial_next_to(target: Path) -> Path:
    """The file a backup is written into before it is renamed to `target` (folders created)."""
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise StorageError(f"Cannot create the folder for {target}: {exc.strerror or exc}.") from None
    partial = target.with_name(target.name + ".partial")
    partial.unlink(missing_ok=True)
    return partial


def backup_database(source: Path, target: Path) -> int:
    """Copy the database at `source` to the new file `target` with SQLite's online backup API.

    The copy is one committed snapshot of the source, taken while the bot may keep writing; it is
    a single self-contained file (rollback journal, not WAL) and passes `PRAGMA quick_check`.
    It is written next to `target` first and renamed at the end, so `target` is never half
    written. Returns the size of the copy in bytes. The caller decides whether `target` may be
    replaced; parent folders are created.
    """
    source, target = Path(source), Path(target)
    if not source.is_file():
        raise StorageError(f"There is no database at {source} to back up. Check DATABASE_PATH.")
    partial = _partial_next_to(target)
    src = _open_read_only(source)
    try:
        _create_private(partial)  # it holds every member's data: private from its first byte
        dst = sqlite3.connect(partial)
        try:
            src.backup(dst)  # all pages in one step: one read transaction, one snapshot
            dst.execute("PRAGMA journal_mode = DELETE")
            verdict = dst.execute("PRAGMA quick_check").fetchone()[0]
        finally:
            dst.close()
        if verdict != "ok":
            raise StorageError(f"The copy failed its integrity check ({verdict}); {target} was not written.")
        os.replace(partial, target)
    except sqlite3.Error as exc:
        raise StorageError(f"Backup of {source} to {target} failed: {exc}.") from None
    except OSError as exc:
        raise StorageError(f"Cannot write {target}: {exc.strerror or exc}.") from None
    finally:
        src.close()
        with contextlib.suppress(OSError):
            partial.unlink(missing_ok=True)
    return target.stat().st_size


PRIVATE = 0o600  # backups hold every member's data: readable by their owner only


def _create_private(path: Path) -> None:
    """Create the empty file `path` readable and writable by its owner only (whatever the umask).

    SQLite then writes into it, and gives its journal the same permissions.
    """
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE)
    try:
        os.fchmod(fd, PRIVATE)  # a umask such as 0o277 would have taken the write bit away
    finally:
        os.close(fd)


def backup_into_folder(source: Path, folder: Path, now: datetime) -> tuple[Path, int]:
    """Back up into a new dated file in `folder` (created if missing); returns (file, size).

    The name is studybot-YYYYmmdd-HHMMSS.sqlite3 from `now` (local time), with -2, -3 ... when a
    backup of the same second exists. The name is claimed by creating the file, so two backups
    running at once never write to the same one.
    """
    source = Path(source)
    if not source.is_file():
        raise StorageError(f"There is no database at {source} to back up. Check DATABASE_PATH.")
    return _into_folder(Path(folder), now, ".sqlite3", lambda target: backup_database(source, target))


def _into_folder(folder: Path, now: datetime, suffix: str, copy: Callable[[Path], int]) -> tuple[Path, int]:
    """Claim a new dated file in `folder` and `copy` the database into it; see `backup_into_folder`."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except FileExistsError:
        raise StorageError(f"{folder} is a file, not a folder; give another folder or a file name.") from None
    except OSError as exc:
        raise StorageError(f"Cannot create the folder {folder}: {exc.strerror or exc}.") from None
    stem = now.strftime("studybot-%Y%m%d-%H%M%S")
    for n in range(1, 1000):
        target = folder / (f"{stem}{suffix}" if n == 1 else f"{stem}-{n}{suffix}")
        try:
            _create_private(target)
        except FileExistsError:
            continue
        except OSError as exc:
            raise StorageError(f"Cannot write in {folder}: {exc.strerror or exc}.") from None
        break
    else:
        raise StorageError(f"{folder} already holds 999 backups from {now:%Y-%m-%d %H:%M:%S}.")
    try:
        return target, copy(target)
    except BaseException:
        with contextlib.suppress(OSError):
            if target.stat().st_size == 0:  # still the empty claim: nothing was copied
                target.unlink()
        raise


# --- PostgreSQL ----------------------------------------------------------------------------------

PG_DUMP_MISSING = (
    "pg_dump is not installed, and a backup of PostgreSQL needs it: install PostgreSQL's client tools "
    "(Debian or Ubuntu: apt-get install postgresql-client; the server's major version or newer), "
    "or back the database up with your hosting provider's tools."
)


async def inspect_postgres(url: str) -> DatabaseReport:
    """Schema version, size and rows per table of the PostgreSQL database at `url`.

    Read-only twice over: the session refuses writes, and every count is read in one
    repeatable-read transaction, so they belong to one snapshot. An empty database (the bot has
    not started on it yet) is at version 0 with no tables. Raises StorageError with one line.
    """
    import asyncpg

    from bot.storage.postgres import connect, describe_url, hide_secrets

    where = describe_url(url)
    conn = await connect(url, read_only=True)
    try:
        async with conn.transaction(isolation="repeatable_read", readonly=True):
            server = await conn.fetchval("SHOW server_version")
            size = await conn.fetchval("SELECT pg_database_size(current_database())")
            version = 0
            if await conn.fetchval("SELECT to_regclass('schema_version') IS NOT NULL"):
                version = await conn.fetchval("SELECT COALESCE(MAX(version), 0) FROM schema_version")
            names = [
                r[0]
                for r in await conn.fetch(
                    "SELECT tablename FROM pg_tables WHERE schemaname = current_schema()"
                    " AND tablename <> 'schema_version' ORDER BY tablename"
                )
            ]
            rows = {name: await conn.fetchval(f'SELECT COUNT(*) FROM "{name}"') for name in names}
    except (asyncpg.PostgresError, asyncpg.InterfaceError, OSError) as exc:
        raise StorageError(f"Cannot read the database at {where}: {hide_secrets(str(exc), url)}.") from None
    finally:
        await conn.close()
    return DatabaseReport(where, size, 0, version, rows, server=server.split()[0])


def _pg_tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise StorageError(PG_DUMP_MISSING if name == "pg_dump" else f"{name} is not installed.")
    return found


def _tool_error(stderr: str, url: str) -> str:
    """pg_dump's own message, on one line and without a password."""
    from bot.storage.postgres import hide_secrets

    lines = [
        line.strip().removeprefix("pg_dump: error: ").removeprefix("pg_dump: ") for line in stderr.splitlines()
    ]
    return hide_secrets(" ".join(line for line in lines if line), url) or "no message"


def backup_postgres(url: str, target: Path) -> int:
    """Dump the PostgreSQL database at `url` into the new file `target` with `pg_dump` (custom
    format: restore with `pg_restore`). pg_dump reads one snapshot, so the bot may keep writing.

    The dump goes into a file created private (0600) before pg_dump writes its first byte, next to
    `target`, and is renamed once `pg_restore --list` has read it back whole. The password reaches
    pg_dump through PGPASSWORD, never its command line. Returns the size in bytes.
    """
    from bot.storage.postgres import describe_url, without_password

    target = Path(target)
    pg_dump = _pg_tool("pg_dump")
    partial = _partial_next_to(target)
    dsn, password = without_password(url)
    env = {**os.environ, "PGCONNECT_TIMEOUT": os.environ.get("PGCONNECT_TIMEOUT", "10")}
    if password is not None:
        env["PGPASSWORD"] = password
    try:
        _create_private(partial)
        dump = [pg_dump, "--format=custom", "--no-password", f"--file={partial}", f"--dbname={dsn}"]
        done = subprocess.run(dump, env=env, capture_output=True, text=True, stdin=subprocess.DEVNULL)
        if done.returncode != 0:
            raise StorageError(
                f"pg_dump could not back up {describe_url(url)}: {_tool_error(done.stderr, url)}; "
                f"{target} was not written."
            )
        pg_restore = shutil.which("pg_restore")
        if pg_restore is not None:  # it comes with pg_dump; read the archive back as a restore would
            check = subprocess.run([pg_restore, "--list", str(partial)], capture_output=True, text=True)
            if check.returncode != 0:
                raise StorageError(
                    f"The dump failed its check (pg_restore --list: {_tool_error(check.stderr, url)}); "
                    f"{target} was not written."
                )
        os.replace(partial, target)
    except OSError as exc:
        raise StorageError(f"Cannot write {target}: {exc.strerror or exc}.") from None
    finally:
        with contextlib.suppress(OSError):
            partial.unlink(missing_ok=True)
    return target.stat().st_size


def backup_postgres_into_folder(url: str, folder: Path, now: datetime) -> tuple[Path, int]:
    """`backup_postgres` into a new dated file studybot-YYYYmmdd-HHMMSS.pgdump in `folder`, named
    as `backup_into_folder` names SQLite's copies."""
    _pg_tool("pg_dump")  # before any folder or file is made
    return _into_folder(Path(folder), now, ".pgdump", lambda target: backup_postgres(url, target))
