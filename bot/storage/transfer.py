"""Moving a school's data from its SQLite file into PostgreSQL: `python -m bot migrate-data`.

The target is migrated to the latest schema first and must hold no data yet. Everything is copied
in ONE PostgreSQL transaction, which commits only when every table checks out row by row: the
same number of rows and the same checksum on both sides, each computed the same way (a SHA-256 of
every row's values in primary-key order, read back from PostgreSQL after the copy). Any problem
rolls the whole copy back, so the target is either complete or still empty. The SQLite file is
only read: a file at an older schema version is copied and migrated in a temporary folder first,
and a file at the latest version is read in one read transaction (one consistent snapshot, even
if a bot is still writing to it).

Identity columns (`id`) keep their values, and each identity counter is set past the copied ids
and past SQLite's own AUTOINCREMENT counter (a removed deck's id is never handed out again).
"""

from __future__ import annotations

import hashlib
import re
import sqlite3
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from bot.storage.database import Database, StorageError, load_migrations
from bot.storage.maintenance import backup_database

#: Any constant shared by every copy of the bot: two migrate-data runs into one database take turns.
TRANSFER_LOCK = 815_2026_12
CHUNK = 5_000  # rows per COPY; memory stays small whatever the table's size
MAX_PROBLEMS = 20  # one line each; past that, a count

_INT_RANGES = {"smallint": 2**15, "integer": 2**31, "bigint": 2**63}
_FLOATS = ("double precision", "real")


class TransferProblems(StorageError):
    """The data could not be moved; `problems` holds one clear line each. Nothing was committed."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__(problems[0] if len(problems) == 1 else f"{len(problems)} problems")
        self.problems = problems


@dataclass(frozen=True, slots=True)
class TableCopy:
    name: str
    rows: int
    checksum: str  # hex SHA-256 of every row in primary-key order, the same on both sides


@dataclass(frozen=True, slots=True)
class _Table:
    name: str
    columns: list[str]
    types: list[str]  # PostgreSQL's data_type per column
    order: list[str]  # the primary key's columns (every column when there is none)

    def select(self, postgres: bool) -> str:
        """The statement that reads every row in primary-key order, the same order on both engines:
        text compared byte by byte (SQLite's BINARY, PostgreSQL's "C"), NULLs first (as SQLite)."""
        cols = ", ".join(f'"{c}"' for c in self.columns)
        keys = []
        for column in self.order:
            text = self.types[self.columns.index(column)] == "text"
            keys.append(
                f'"{column}"'
                + (' COLLATE "C"' if text and postgres else "")
                + (" NULLS FIRST" if postgres else "")
            )
        return f'SELECT {cols} FROM "{self.name}" ORDER BY {", ".join(keys)}'


def canonical(value, pg_type: str) -> bytes:
    """One value as the checksum sees it; the same for SQLite's and PostgreSQL's copy of it."""
    if value is None:
        return b"n;"
    if pg_type in _FLOATS and isinstance(value, int | float):
        return f"f{float(value)!r};".encode()
    if isinstance(value, int):
        return f"i{value};".encode()
    data = str(value).encode("utf-8", "surrogatepass")
    return b"s%d:%s;" % (len(data), data)


def row_digest(digest, row, types: list[str]) -> None:
    for value, pg_type in zip(row, types, strict=True):
        digest.update(canonical(value, pg_type))
    digest.update(b"\n")


def _convert(value, pg_type: str):
    """SQLite's value as PostgreSQL's column takes it, or a ValueError saying why it cannot."""
    if value is None:
        return None
    if pg_type in _INT_RANGES:
        if isinstance(value, bool) or not isinstance(value, int):
            raise ValueError(f"holds {value!r}, not a whole number")
        if not -_INT_RANGES[pg_type] <= value < _INT_RANGES[pg_type]:
            raise ValueError(f"holds {value}, too large for PostgreSQL's {pg_type}")
        return value
    if pg_type in _FLOATS:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ValueError(f"holds {value!r}, not a number")
        return float(value)
    if pg_type == "text":
        if not isinstance(value, str):
            raise ValueError(f"holds {type(value).__name__} data, not text")
        if "\x00" in value:
            raise ValueError("holds a NUL character, which PostgreSQL's text cannot store")
        return value
    raise ValueError(f"is of PostgreSQL type {pg_type}, which migrate-data does not copy")


class _Problems:
    def __init__(self) -> None:
        self.lines: list[str] = []
        self.more = 0

    def add(self, line: str) -> None:
        if len(self.lines) < MAX_PROBLEMS:
            self.lines.append(line)
        else:
            self.more += 1

    def raise_any(self) -> None:
        if self.lines:
            more = [f"... and {self.more} more problems of the same kind"] if self.more else []
            raise TransferProblems([*self.lines, *more])


# --- the source ------------------------------------------------------------------------------------


def _open_source(path: Path) -> sqlite3.Connection:
    try:
        conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, isolation_level=None)
        conn.execute("PRAGMA busy_timeout = 5000")
        conn.execute("BEGIN")  # one snapshot for every read that follows
        conn.execute("SELECT COUNT(*) FROM sqlite_master").fetchone()
    except sqlite3.Error as exc:
        raise StorageError(f"Cannot read the SQLite database at {path}: {exc}. Check --from.") from None
    return conn


async def _prepared_source(path: Path, scratch: Path) -> sqlite3.Connection:
    """A read-only connection to the source at the latest schema version. A file at an older
    version is copied into `scratch` (SQLite's online backup) and the copy migrated: the
    operator's file is never changed."""
    latest = load_migrations()[-1].version
    conn = _open_source(path)
    version = conn.execute("PRAGMA user_version").fetchone()[0]
    if version == latest:
        return conn
    conn.close()
    if version > latest:
        raise StorageError(
            f"The SQLite database at {path} is at schema version {version}, newer than this bot knows "
            f"({latest}). Update the bot first."
        )
    copy = scratch / "source.sqlite3"
    backup_database(path, copy)
    db = await Database.open(copy)
    try:
        await db.migrate()
    finally:
        await db.close()
    return _open_source(copy)


def _source_columns(conn: sqlite3.Connection) -> dict[str, list[str]]:
    names = [
        r[0]
        for r in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name"
        )
    ]
    return {name: [r[1] for r in conn.execute(f'PRAGMA table_info("{name}")')] for name in names}


def _source_counters(conn: sqlite3.Connection) -> dict[str, int]:
    """SQLite's AUTOINCREMENT counters: the highest id each such table ever handed out."""
    if not conn.execute("SELECT 1 FROM sqlite_master WHERE name = 'sqlite_sequence'").fetchone():
        return {}
    return dict(conn.execute("SELECT name, seq FROM sqlite_sequence"))


def _source_rows(conn: sqlite3.Connection, table: _Table) -> Iterator[tuple]:
    cursor = conn.execute(table.select(postgres=False))
    while batch := cursor.fetchmany(CHUNK):
        yield from batch


# --- the target ------------------------------------------------------------------------------------


async def _target_tables(conn) -> dict[str, _Table]:
    """The target's tables (without the version table), their columns, types and primary keys."""
    columns = await conn.fetch(
        "SELECT table_name, column_name, data_type FROM information_schema.columns"
        " WHERE table_schema = current_schema() AND table_name <> 'schema_version'"
        " ORDER BY table_name, ordinal_position"
    )
    keys = await conn.fetch(
        "SELECT t.relname, a.attname FROM pg_constraint c JOIN pg_class t ON t.oid = c.conrelid"
        " CROSS JOIN LATERAL unnest(c.conkey) WITH ORDINALITY AS k(attnum, n)"
        " JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.attnum"
        " WHERE c.contype = 'p' AND c.connamespace = current_schema()::regnamespace ORDER BY 1, k.n"
    )
    found: dict[str, tuple[list[str], list[str]]] = {}
    for name, column, pg_type in columns:
        cols, types = found.setdefault(name, ([], []))
        cols.append(column)
        types.append(pg_type)
    primary: dict[str, list[str]] = {}
    for name, column in keys:
        primary.setdefault(name, []).append(column)
    return {name: _Table(name, cols, types, primary.get(name) or cols) for name, (cols, types) in found.items()}


async def _parents_first(conn, names: list[str]) -> list[str]:
    """`names` ordered so that a table comes after every table its foreign keys point at."""
    links = await conn.fetch(
        "SELECT child.relname, parent.relname FROM pg_constraint c"
        " JOIN pg_class child ON child.oid = c.conrelid JOIN pg_class parent ON parent.oid = c.confrelid"
        " WHERE c.contype = 'f' AND c.connamespace = current_schema()::regnamespace"
    )
    parents: dict[str, set[str]] = {name: set() for name in names}
    for child, parent in links:
        if child in parents and child != parent:
            parents[child].add(parent)
    ordered: list[str] = []
    while len(ordered) < len(names):
        ready = [n for n in names if n not in ordered and parents[n] <= set(ordered)]
        if not ready:  # a cycle: not in this schema; copy the rest in name order and let PostgreSQL say
            ready = [n for n in names if n not in ordered]
        ordered.extend(ready)
    return ordered


async def _target_digest(conn, table: _Table) -> tuple[int, str]:
    digest, count = hashlib.sha256(), 0
    async for row in conn.cursor(table.select(postgres=True), prefetch=CHUNK):
        row_digest(digest, row, table.types)
        count += 1
    return count, digest.hexdigest()


async def _set_identity_counters(conn, counters: dict[str, int]) -> None:
    """Each identity column's next value comes after the copied ids and after SQLite's own
    AUTOINCREMENT counter for that table."""
    identities = await conn.fetch(
        "SELECT table_name, column_name FROM information_schema.columns"
        " WHERE table_schema = current_schema() AND is_identity = 'YES'"
    )
    for table, column in identities:
        highest = await conn.fetchval(f'SELECT COALESCE(MAX("{column}"), 0) FROM "{table}"')
        highest = max(highest, counters.get(table, 0))
        if highest > 0:
            await conn.execute("SELECT setval(pg_get_serial_sequence($1, $2), $3)", f'"{table}"', column, highest)


# --- the move --------------------------------------------------------------------------------------


def _compare_schemas(source: dict[str, list[str]], target: dict[str, _Table], problems: _Problems) -> None:
    for name in sorted(source.keys() - target.keys()):
        problems.add(f"table {name} is in the SQLite file but not in PostgreSQL's schema; nothing was moved")
    for name in sorted(target.keys() - source.keys()):
        problems.add(f"table {name} is in PostgreSQL's schema but not in the SQLite file; nothing was moved")
    for name in sorted(source.keys() & target.keys()):
        if set(source[name]) != set(target[name].columns):
            only_sqlite = sorted(set(source[name]) - set(target[name].columns))
            only_pg = sorted(set(target[name].columns) - set(source[name]))
            problems.add(
                f"table {name} has different columns: only in SQLite {only_sqlite or 'none'}, "
                f"only in PostgreSQL {only_pg or 'none'}; nothing was moved"
            )


async def _refuse_data(conn, tables: list[str], where: str) -> None:
    holding = []
    for name in tables:
        count = await conn.fetchval(f'SELECT COUNT(*) FROM (SELECT 1 FROM "{name}" LIMIT 1000) AS t')
        if count:
            holding.append(f"{name} ({count:,}{'+' if count == 1000 else ''} rows)")
    if holding:
        raise TransferProblems(
            [
                f"The PostgreSQL database at {where} already holds data ({', '.join(holding)}); migrate-data "
                "only fills an empty database. Point --to at a new one (createdb NAME), or drop and recreate it."
            ]
        )


async def _copy_table(conn, source: sqlite3.Connection, table: _Table, problems: _Problems) -> tuple[int, str]:
    """Copy one table; returns its row count and the checksum of the SQLite side."""
    digest, count, batch = hashlib.sha256(), 0, []
    key_at = [table.columns.index(c) for c in table.order]
    for row in _source_rows(source, table):
        row_digest(digest, row, table.types)
        count += 1
        try:
            batch.append(tuple(_convert(v, t) for v, t in zip(row, table.types, strict=True)))
        except ValueError:
            for column, value, pg_type in zip(table.columns, row, table.types, strict=True):
                try:
                    _convert(value, pg_type)
                except ValueError as exc:
                    key = ", ".join(f"{table.columns[i]}={row[i]!r}" for i in key_at)
                    problems.add(f"table {table.name}, row ({key}): column {column} {exc}")
        if len(batch) >= CHUNK and not problems.lines:
            await conn.copy_records_to_table(table.name, records=batch, columns=table.columns)
            batch = []
    if batch and not problems.lines:
        await conn.copy_records_to_table(table.name, records=batch, columns=table.columns)
    return count, digest.hexdigest()


async def migrate_data(
    source: Path, url: str, *, say: Callable[[str], None] = lambda line: None
) -> list[TableCopy]:
    """Move every row of the SQLite database at `source` into the empty PostgreSQL database at
    `url` (migrated to the latest schema first), checked table by table; returns what was moved.

    `say` gets one line per table once it checks out. Raises `TransferProblems` (one line per
    problem; nothing committed) or StorageError (cannot read or connect), never with a password.
    """
    import asyncpg

    from bot.storage.postgres import PostgresDatabase, connect, describe_url, hide_secrets

    source, where = Path(source), describe_url(url)
    if not source.is_file():
        raise StorageError(f"There is no SQLite database at {source}. Check --from (or DATABASE_PATH).")
    with tempfile.TemporaryDirectory(prefix="studybot-migrate-") as scratch:
        sqlite = await _prepared_source(source, Path(scratch))
        try:
            target = await PostgresDatabase.open(url, min_size=1, max_size=1)
            try:
                await target.migrate()
            finally:
                await target.close()
            conn = await connect(url)
            try:
                async with conn.transaction():
                    return await _move(conn, sqlite, where, say)
            except (asyncpg.PostgresError, asyncpg.InterfaceError, OSError) as exc:
                raise StorageError(
                    f"Moving the data into {where} failed: {hide_secrets(str(exc), url)}. Nothing was committed."
                ) from None
            finally:
                await conn.close()
        finally:
            sqlite.close()


_CREATE_TRIGGER = re.compile(r"CREATE\s+TRIGGER\s+(\w+)\s.*?\bON\s+(\w+)", re.IGNORECASE | re.DOTALL)


def _own_triggers() -> list[tuple[str, str]]:
    """(table, trigger) of every trigger the bot's PostgreSQL migrations create."""
    from bot.storage.postgres import PG_MIGRATIONS_DIR

    found = [
        (table, trigger)
        for migration in load_migrations(PG_MIGRATIONS_DIR)
        for trigger, table in _CREATE_TRIGGER.findall(migration.sql)
    ]
    return sorted(set(found))


async def _move(conn, sqlite: sqlite3.Connection, where: str, say: Callable[[str], None]) -> list[TableCopy]:
    await conn.execute("SELECT pg_advisory_xact_lock($1)", TRANSFER_LOCK)
    tables = await _target_tables(conn)
    problems = _Problems()
    _compare_schemas(_source_columns(sqlite), tables, problems)
    problems.raise_any()
    order = await _parents_first(conn, sorted(tables))
    await _refuse_data(conn, order, where)
    expected = {}
    # The copy carries every row as SQLite has it, the class figures the bot's triggers keep
    # included: those triggers firing on the copied answers would count them a second time. Off
    # for the copy only (ALTER TABLE is part of this transaction: a failed copy leaves them on);
    # triggers the bot did not create still fire.
    own = _own_triggers()
    for table, trigger in own:
        await conn.execute(f'ALTER TABLE "{table}" DISABLE TRIGGER "{trigger}"')
    for name in order:
        expected[name] = await _copy_table(conn, sqlite, tables[name], problems)
    for table, trigger in own:
        await conn.execute(f'ALTER TABLE "{table}" ENABLE TRIGGER "{trigger}"')
    problems.raise_any()
    await _set_identity_counters(conn, _source_counters(sqlite))
    moved = []
    for name in sorted(order):
        count, checksum = await _target_digest(conn, tables[name])
        want_count, want_checksum = expected[name]
        if count != want_count:
            problems.add(f"table {name}: {want_count:,} rows in SQLite but {count:,} in PostgreSQL")
        elif checksum != want_checksum:
            problems.add(
                f"table {name}: the rows differ after the copy (checksum {want_checksum[:12]} vs {checksum[:12]})"
            )
        else:
            moved.append(TableCopy(name, count, checksum))
            say(
                f"  {name}: {count:,} row{'' if count == 1 else 's'}, checksum {checksum[:12]}, the same on both sides"
            )
    problems.raise_any()
    return moved
