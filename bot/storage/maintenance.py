"""Operator tasks on the database file: a consistent backup and a read-only report.

Both use the standard library's sqlite3 and open the database read-only, so they are safe while
the bot runs: in WAL mode a reader sees one committed snapshot and never blocks the bot's writes.
Neither creates the database.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from bot.storage.database import StorageError


@dataclass(frozen=True, slots=True)
class DatabaseReport:
    path: Path
    size_bytes: int  # the database file
    wal_bytes: int  # its write-ahead log: commits not yet copied into the file
    schema_version: int
    rows: dict[str, int]  # table -> row count


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
    return DatabaseReport(path, _size(path), _size(path.with_name(path.name + "-wal")), version, rows)


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
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise StorageError(f"Cannot create the folder for {target}: {exc.strerror or exc}.") from None
    partial = target.with_name(target.name + ".partial")
    partial.unlink(missing_ok=True)
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
    source, folder = Path(source), Path(folder)
    if not source.is_file():
        raise StorageError(f"There is no database at {source} to back up. Check DATABASE_PATH.")
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except FileExistsError:
        raise StorageError(f"{folder} is a file, not a folder; give another folder or a file name.") from None
    except OSError as exc:
        raise StorageError(f"Cannot create the folder {folder}: {exc.strerror or exc}.") from None
    stem = now.strftime("studybot-%Y%m%d-%H%M%S")
    for n in range(1, 1000):
        target = folder / (f"{stem}.sqlite3" if n == 1 else f"{stem}-{n}.sqlite3")
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
        return target, backup_database(source, target)
    except BaseException:
        with contextlib.suppress(OSError):
            if target.stat().st_size == 0:  # still the empty claim: nothing was copied
                target.unlink()
        raise
