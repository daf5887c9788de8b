"""Write-only SQLite transactions committed on the event loop's own thread.

A trip to aiosqlite's worker thread costs more than the write it carries: waking the worker, handing
the GIL over and waking the event loop back with the result take about 0.2 ms of CPU, while a small
transaction in WAL mode with synchronous=NORMAL (a write into the log, no flush to the disk) takes
about 15 microseconds. A quiz answer click pays that trip at every rate, so the bot commits
transactions that only write (nothing is read back before COMMIT, such as a batch of answers) on a
second connection, here, on the loop's thread.

Safe because: the caller holds `Database.write_lock` (no other write of this process is running on
either connection); this connection never waits for a lock (busy_timeout 0), so when another
process writes, `commit` returns False at once and the caller takes the worker-thread path, which
waits as before; readers on the bot's main connection see it only once committed (WAL, two
connections), as with any commit. Not used with synchronous=FULL, whose flush to the disk at every
commit must not stall the event loop.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path


def _busy(exc: sqlite3.Error) -> bool:
    return getattr(exc, "sqlite_errorcode", None) in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED)


class InlineWriter:
    """A second connection to the bot's database for write-only transactions on the loop's thread."""

    def __init__(self, path: Path, *, autocheckpoint_pages: int) -> None:
        # timeout=0: never wait for another writer (the event loop would wait with it).
        self.conn = sqlite3.connect(str(path), timeout=0, isolation_level=None)
        for pragma in (
            "PRAGMA foreign_keys=ON",
            "PRAGMA synchronous=NORMAL",
            f"PRAGMA wal_autocheckpoint={autocheckpoint_pages:d}",
        ):
            self.conn.execute(pragma).close()

    def commit(self, statements: list[tuple[bool, str, object]]) -> bool:
        """Run `statements` ((many, sql, params) as SqliteTx queues them) in one transaction and
        commit. False when another connection holds the write lock (nothing was run: the caller
        runs them elsewhere). Any other error rolls everything back and is raised."""
        conn = self.conn
        try:
            conn.execute("BEGIN IMMEDIATE").close()
        except sqlite3.OperationalError as exc:
            if _busy(exc):
                return False
            raise
        try:
            for many, sql, params in statements:
                (conn.executemany if many else conn.execute)(sql, params).close()
            conn.execute("COMMIT").close()
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK").close()
            raise
        return True

    def close(self) -> None:
        self.conn.close()
