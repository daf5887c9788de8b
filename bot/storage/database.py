"""One aiosqlite connection per bot: WAL, foreign keys, numbered migrations."""

from __future__ import annotations

import asyncio
import logging
import re
import sqlite3
import stat
from collections.abc import AsyncIterator, Iterable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from operator import attrgetter, methodcaller
from pathlib import Path

import aiosqlite

from bot.storage.inline import InlineWriter

log = logging.getLogger(__name__)

MIGRATIONS_DIR = Path(__file__).with_name("migrations")
_MIGRATION_NAME = re.compile(r"^(\d{4})_[a-z0-9_]+\.sql$")


class StorageError(RuntimeError):
    """The database cannot be opened or changed; the message says what to do."""


class MigrationError(StorageError):
    pass


@dataclass(frozen=True, slots=True)
class Migration:
    version: int
    name: str
    sql: str


def load_migrations(folder: Path = MIGRATIONS_DIR) -> list[Migration]:
    """The numbered *.sql files of `folder`, in order; numbers must run 1, 2, 3 ... without gaps.

    No gaps: a database at version N has every migration up to N, so one that lands later with a
    lower number could never be skipped by a database that already went past it.
    """
    found = []
    for path in sorted(folder.glob("*.sql")):
        match = _MIGRATION_NAME.match(path.name)
        if not match:
            raise MigrationError(f"{path.name}: migration files are named NNNN_description.sql")
        found.append(Migration(int(match.group(1)), path.name, path.read_text(encoding="utf-8")))
    for expected, migration in enumerate(found, start=1):
        if migration.version != expected:
            raise MigrationError(f"{migration.name}: expected migration number {expected:04d}")
    return found


def split_statements(sql: str) -> list[str]:
    """Split a script into complete statements (triggers with inner semicolons stay whole)."""
    statements, current = [], ""
    for line in sql.splitlines(keepends=True):
        current += line
        if sqlite3.complete_statement(current):
            if current.strip():
                statements.append(current.strip())
            current = ""
    if current.strip() and not current.strip().startswith("--"):
        statements.append(current.strip())
    return statements


def _check_path(path: Path) -> None:
    if str(path) == ":memory:":
        return
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise StorageError(
            f"Cannot create the folder for the database at {path}: {exc.strerror or exc}. "
            "Set DATABASE_PATH to a writable location."
        ) from None
    if path.is_dir():
        raise StorageError(
            f"DATABASE_PATH {path} is a folder; point it at a file such as {path}/studybot.sqlite3."
        )
    # Checked by mode bits, not os.access: a root process could otherwise write to a file
    # its owner marked read-only.
    if path.exists() and not path.stat().st_mode & (stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH):
        raise StorageError(
            f"The database file {path} is read-only. Make it writable (chmod u+w) "
            "or set DATABASE_PATH to another file."
        )


async def _run(conn: aiosqlite.Connection, sql: str, params: tuple = ()) -> None:
    """Execute in one trip to aiosqlite's thread, leaving no open cursor (one would block COMMIT)."""
    await conn.execute_fetchall(sql, params)


WAL_AUTOCHECKPOINT_PAGES = 10_000  # ~40 MB of log before a commit would checkpoint by itself
# A background checkpoint after this many commits: a quiz answer adds about 18 pages to the log (its
# row, its indexes, the leaderboard totals and the class-report figures), so the log stays under
# about 4,000 pages (~15 MB) without any commit paying for a checkpoint.
CHECKPOINT_EVERY_COMMITS = 200
#: Copying passes a background checkpoint makes while commits go on, before it holds them back.
CHECKPOINT_PASSES = 3
#: The longest a background checkpoint holds commits back to finish (milliseconds).
CHECKPOINT_PAUSE_MS = 50


def _background_checkpoint(path: Path) -> tuple[int, int, int]:
    """Copy the log into the database file from a second connection, and have the next commit start
    the log over from its beginning. Returns SQLite's (busy, frames in the log, frames copied).

    A commit starts the log over only when everything in it has been copied and no transaction is
    still reading it. PASSIVE copies without waiting for or blocking the bot's writer, but while
    answers keep coming, a commit is nearly always under way when it ends, and that commit adds to
    the log rather than starting it over. A log that never starts over grows until a commit crosses
    WAL_AUTOCHECKPOINT_PAGES and checkpoints by itself: on the event loop's thread, disk flushes
    included. So PASSIVE passes copy the bulk while commits go on, then RESTART holds commits back
    for the few frames left (a write meanwhile goes to the worker thread, which waits) and sees the
    log start over. It waits at most CHECKPOINT_PAUSE_MS for the writer or a reader; past that it
    gives up (busy) and the next checkpoint tries again."""
    conn = sqlite3.connect(str(path), timeout=1.0, isolation_level=None)
    try:
        for _ in range(CHECKPOINT_PASSES):
            _busy, frames, copied = conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
            if frames == copied:
                break
        conn.execute(f"PRAGMA busy_timeout={CHECKPOINT_PAUSE_MS:d}")
        return tuple(conn.execute("PRAGMA wal_checkpoint(RESTART)").fetchone())
    finally:
        conn.close()


class Snapshot:
    """Reads inside `Database.snapshot`, with the read methods of a storage transaction. Rows are
    dicts (column -> value), which the PostgreSQL backend's records also convert to."""

    def __init__(self, conn: aiosqlite.Connection) -> None:
        self._conn = conn

    async def fetchall(self, sql: str, params: Sequence = ()) -> list[dict]:
        async with self._conn.execute(sql, tuple(params)) as cur:
            names = [d[0] for d in cur.description]
            return [dict(zip(names, row, strict=True)) for row in await cur.fetchall()]

    async def fetchone(self, sql: str, params: Sequence = ()) -> dict | None:
        rows = await self.fetchall(sql, params)
        return rows[0] if rows else None


def _replay(raw: sqlite3.Connection, queued: list[tuple[bool, str, object]], then):
    """On aiosqlite's thread: run the queued statements in order, then `then(raw)` (a statement
    whose result the caller waits for, or COMMIT) and return what it returns."""
    for many, sql, params in queued:
        (raw.executemany if many else raw.execute)(sql, params).close()
    return None if then is None else then(raw)


def _statement(sql: str, params: tuple, result):
    """A `then` for _replay: run one statement and return `result(cursor)`, closing the cursor."""

    def run(raw: sqlite3.Connection):
        cur = raw.execute(sql, params)
        try:
            return result(cur)
        finally:
            cur.close()

    return run


_ROWCOUNT = attrgetter("rowcount")
_LASTROWID = attrgetter("lastrowid")
_ROWS = methodcaller("fetchall")


def _commit(raw: sqlite3.Connection) -> None:
    raw.execute("COMMIT").close()


def _and_commit(run):
    def both(raw: sqlite3.Connection):
        result = run(raw)
        _commit(raw)
        return result

    return both


class SqliteTx:
    """One transaction on the bot's SQLite connection: the storage interface both engines offer
    (`bot.storage.postgres.PgTx` is the PostgreSQL twin).

    Each trip to aiosqlite's worker thread costs the event loop a wake-up, so statements whose
    result nobody waits for (BEGIN IMMEDIATE, `executemany`) are queued and run in the same trip
    as the next statement that returns something, or as COMMIT: a write-only transaction such as
    a batch of quiz answers is one trip. A queued statement's error surfaces at that next await
    (inside the block or at its end), and the whole transaction is rolled back either way. No
    cursor is left open (an open cursor would block COMMIT)."""

    def __init__(self, conn: aiosqlite.Connection, inline: InlineWriter | None = None) -> None:
        self.conn = conn
        self.inline = inline  # commits a transaction that only writes on the loop's thread
        self._queued: list[tuple[bool, str, object]] = [(False, "BEGIN IMMEDIATE", ())]
        self.begun = False  # BEGIN IMMEDIATE has run (with or without success)
        self.finished = False  # committed by `_execute_and_commit`

    async def _trip(self, then=None):
        """Run what is queued and `then` in one trip to aiosqlite's thread."""
        queued, self._queued = self._queued, []
        self.begun = True
        # aiosqlite has no public "run this function on the connection's thread"; `_execute` is
        # what all of its own methods use.
        return await self.conn._execute(_replay, self.conn._conn, queued, then)

    async def execute(self, sql: str, params: Sequence = ()) -> int:
        """Run a statement; returns how many rows it changed."""
        return await self._trip(_statement(sql, tuple(params), _ROWCOUNT))

    async def executemany(self, sql: str, rows: Iterable[Sequence]) -> None:
        """Run a statement once per row (queued: it runs with the next statement or COMMIT)."""
        self._queued.append((True, sql, [tuple(r) for r in rows]))

    async def fetchone(self, sql: str, params: Sequence = ()):
        rows = await self._trip(_statement(sql, tuple(params), _ROWS))
        return rows[0] if rows else None

    async def fetchall(self, sql: str, params: Sequence = ()) -> list:
        return await self._trip(_statement(sql, tuple(params), _ROWS))

    async def insert(self, sql: str, params: Sequence = ()) -> int:
        """Run an INSERT and return the new row's `id`."""
        return await self._trip(_statement(sql, tuple(params), _LASTROWID))

    async def lock(self, *keys: str) -> None:
        """Hold the keys until the transaction ends. SQLite's BEGIN IMMEDIATE already lets one writer
        at a time in, so there is nothing more to take here (PostgreSQL takes an advisory lock)."""

    async def _execute_and_commit(self, sql: str, params: Sequence = ()) -> int:
        """The transaction's last statement and its COMMIT in one trip; returns the rowcount."""
        count = await self._trip(_and_commit(_statement(sql, tuple(params), _ROWCOUNT)))
        self.finished = True
        return count

    async def commit(self) -> bool:
        """Run what is queued and COMMIT (one trip). False when the block ran no statement at all:
        nothing was begun, so there is nothing to commit."""
        if self.finished:
            return True
        if not self.begun and len(self._queued) == 1:
            self._queued = []
            return False
        # Nothing was read back yet: the whole transaction is what is queued, and it may run here.
        if not self.begun and self.inline is not None and self.inline.commit(self._queued[1:]):
            self._queued = []
            self.finished = True
            return True
        await self._trip(_commit)
        return True


class Database:
    """The bot's single connection. Statements run one at a time on aiosqlite's worker thread."""

    engine = "sqlite"
    #: The names of the schema's tables, one per row (column `name`).
    TABLES_SQL = "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name"

    def __init__(self, conn: aiosqlite.Connection, path: Path, inline: InlineWriter | None = None) -> None:
        self.conn = conn
        self.path = path
        self.inline = inline
        # One connection is shared by every task: transactions take turns.
        self.write_lock = asyncio.Lock()
        self.commits_since_checkpoint = 0
        self._checkpoint_task: asyncio.Task | None = None

    @classmethod
    async def open(cls, path: Path | str, *, synchronous: str = "NORMAL") -> Database:
        """Open (creating if missing) the database at `path`. `synchronous` is SQLite's durability
        level: NORMAL, or FULL for commits that survive a power cut (a disk flush each)."""
        if synchronous not in ("NORMAL", "FULL"):
            raise StorageError(f"synchronous must be NORMAL or FULL, not {synchronous!r}.")
        path = Path(path)
        _check_path(path)
        try:
            # isolation_level=None: we issue BEGIN/COMMIT ourselves, so nothing commits behind our back.
            conn = await aiosqlite.connect(str(path), isolation_level=None)
        except sqlite3.Error as exc:
            raise StorageError(f"Cannot open the database at {path}: {exc}. Check DATABASE_PATH.") from None
        try:
            for pragma in (
                "PRAGMA journal_mode=WAL",
                "PRAGMA foreign_keys=ON",
                "PRAGMA busy_timeout=5000",
                # WAL + NORMAL: a commit survives a crash or kill of the bot process; only a power cut
                # (or an OS crash) can lose the last few transactions. FULL (SQLITE_SYNCHRONOUS) adds a
                # flush of the log to the disk at every commit, so those survive too.
                f"PRAGMA synchronous={synchronous}",
                # Checkpoints move the write-ahead log into the database file. SQLite runs one inside
                # whichever commit crosses its threshold: a quiz answer would wait for it. The bot
                # checkpoints from a background thread instead (`request_checkpoint`); this higher
                # threshold is only the safety net if that ever falls behind.
                f"PRAGMA wal_autocheckpoint={WAL_AUTOCHECKPOINT_PAGES:d}",
            ):
                await _run(conn, pragma)
            # Write-only transactions commit on the loop's thread (bot/storage/inline.py); not with
            # FULL, whose flush to the disk would stall the loop, nor in memory (a second
            # connection would open another database).
            inline = None
            if synchronous == "NORMAL" and str(path) != ":memory:":
                inline = InlineWriter(path, autocheckpoint_pages=WAL_AUTOCHECKPOINT_PAGES)
        except sqlite3.Error as exc:
            await conn.close()
            raise StorageError(f"Cannot use the database at {path}: {exc}. Check DATABASE_PATH.") from None
        return cls(conn, path, inline)

    async def execute(self, sql: str, params: Sequence = ()) -> int:
        """One write in a transaction of its own (one trip to the worker thread); returns how many
        rows it changed."""
        async with self.transaction() as tx:
            return await tx._execute_and_commit(sql, params)

    async def fetchone(self, sql: str, params: Sequence = ()):
        rows = await self.conn.execute_fetchall(sql, tuple(params))
        return rows[0] if rows else None

    async def fetchall(self, sql: str, params: Sequence = ()) -> list:
        return list(await self.conn.execute_fetchall(sql, tuple(params)))

    async def close(self) -> None:
        if self._checkpoint_task is not None:
            await asyncio.gather(self._checkpoint_task, return_exceptions=True)
        if self.inline is not None:
            self.inline.close()
            self.inline = None
        await self.conn.close()

    def request_checkpoint(self) -> asyncio.Task | None:
        """Start a background checkpoint unless one is running or nothing was committed since.

        Returns the task (None when none was started); it never raises into the caller."""
        running = self._checkpoint_task is not None and not self._checkpoint_task.done()
        if running or not self.commits_since_checkpoint or str(self.path) == ":memory:":
            return None
        self.commits_since_checkpoint = 0
        self._checkpoint_task = asyncio.create_task(self._checkpoint(), name="wal-checkpoint")
        return self._checkpoint_task

    async def _checkpoint(self) -> None:
        try:
            busy, pages, done = await asyncio.to_thread(_background_checkpoint, self.path)
        except sqlite3.Error:
            log.warning("background checkpoint failed; SQLite's own checkpoint remains", exc_info=True)
            return
        log.debug("checkpoint: %d of %d log pages copied (busy=%d)", done, pages, busy)

    async def schema_version(self) -> int:
        async with self.conn.execute("PRAGMA user_version") as cur:
            row = await cur.fetchone()
        return int(row[0])

    async def migrate(self, migrations: list[Migration] | None = None) -> int:
        """Apply pending migrations, each in its own transaction; returns the new version.

        A failing migration is rolled back whole and the database stays at the previous version.
        """
        migrations = load_migrations() if migrations is None else migrations
        current = await self.schema_version()
        latest = migrations[-1].version if migrations else 0
        if current > latest:
            raise MigrationError(
                f"The database is at schema version {current}, newer than this bot knows ({latest}). "
                "Update the bot or point DATABASE_PATH at another file."
            )
        for migration in migrations:
            if migration.version <= current:
                continue
            try:
                await _run(self.conn, "BEGIN IMMEDIATE")
                for statement in split_statements(migration.sql):
                    await _run(self.conn, statement)
                await _run(self.conn, f"PRAGMA user_version = {migration.version:d}")
                await _run(self.conn, "COMMIT")
            except sqlite3.Error as exc:
                if self.conn.in_transaction:  # not after a failed BEGIN, nor after SQLite rolled back
                    await _run(self.conn, "ROLLBACK")
                if "readonly" in str(exc):
                    raise StorageError(
                        f"The database at {self.path} is read-only ({exc}). Make it writable or set DATABASE_PATH."
                    ) from None
                raise MigrationError(
                    f"Migration {migration.name} failed: {exc}. The database stays at version {current}."
                ) from exc
            log.info("applied migration %s", migration.name)
            current = migration.version
        return current

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[SqliteTx]:
        """BEGIN IMMEDIATE ... COMMIT, rolled back if the block raises; one at a time."""
        async with self.write_lock:
            tx = SqliteTx(self.conn, self.inline)
            try:
                yield tx
                committed = await tx.commit()
            except BaseException:
                # SQLite has already rolled back after some errors (a full disk, for one), and a
                # failed COMMIT leaves the transaction open: roll back what is open, keep the error.
                if tx.begun and self.conn.in_transaction:
                    await _run(self.conn, "ROLLBACK")
                raise
            if committed:
                self.commits_since_checkpoint += 1
                if self.commits_since_checkpoint >= CHECKPOINT_EVERY_COMMITS:
                    self.request_checkpoint()

    @asynccontextmanager
    async def snapshot(self) -> AsyncIterator[Snapshot]:
        """A read-only view of what is committed, for long reads (a member's export).

        A second connection in one read transaction: in WAL mode it neither waits for nor blocks the
        bot's writes, and it never sees a write still in progress on the bot's connection.
        """
        if str(self.path) == ":memory:":  # a second connection would open another, empty database
            async with self.transaction() as tx:
                await tx.fetchall("SELECT 1")  # BEGIN now: the reads below run inside it
                yield Snapshot(tx.conn)
            return
        try:
            conn = await aiosqlite.connect(
                f"{self.path.resolve().as_uri()}?mode=ro", uri=True, isolation_level=None
            )
        except sqlite3.Error as exc:
            raise StorageError(f"Cannot read the database at {self.path}: {exc}.") from exc
        try:
            await _run(conn, "PRAGMA busy_timeout=5000")
            await _run(conn, "BEGIN")  # the snapshot is taken at the first read
            yield Snapshot(conn)
        finally:
            try:
                if conn.in_transaction:
                    await _run(conn, "ROLLBACK")  # nothing was written: this only ends the snapshot
            finally:
                await conn.close()

    async def table_counts(self) -> dict[str, int]:
        async with self.conn.execute(
            "SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%' ORDER BY name"
        ) as cur:
            names = [r[0] for r in await cur.fetchall()]
        counts = {}
        for name in names:
            async with self.conn.execute(f'SELECT COUNT(*) FROM "{name}"') as cur:
                counts[name] = (await cur.fetchone())[0]
        return counts
