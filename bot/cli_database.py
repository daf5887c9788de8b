"""The command line's database commands: `check`, `backup` and `migrate-data`, on either engine
(SQLite at DATABASE_PATH, or PostgreSQL at DATABASE_URL), and the database check `run` does
before it logs in to Discord. Messages name a PostgreSQL database as user@host:port/dbname,
never with its password."""

from __future__ import annotations

import asyncio
import os
import sys
import time
from pathlib import Path

from bot.config import Settings


def fail(message: str, code: int = 1) -> int:
    """Print one `error:` line on stderr; returns the exit status."""
    print(f"error: {message}", file=sys.stderr)
    return code


async def check_database(settings: Settings) -> None:
    """Raise StorageError when the bot could not open its database: PostgreSQL is connected to
    (and let go), SQLite's location is checked without creating anything."""
    from bot.storage import StorageError

    if settings.database_url:
        from bot.storage.postgres import connect

        conn = await connect(settings.database_url)
        await conn.close()
        return
    from bot.storage.maintenance import location_problem

    if not settings.database_path.is_file() and (problem := location_problem(settings.database_path)):
        raise StorageError(problem)


def _size_text(size: int) -> str:
    return f"{size / 1024:.0f} KiB" if size < 1024 * 1024 else f"{size / 1024 / 1024:.1f} MiB"


def _report_lines(report, latest: int, setting: str, engine: str) -> list[str]:
    """The `check` lines of a database report (either engine); raises MigrationError when the
    database is newer than this bot."""
    from bot.storage import MigrationError

    if report.schema_version > latest:
        raise MigrationError(
            f"The database at {report.where} is at schema version {report.schema_version}, newer than this bot "
            f"knows ({latest}). Update the bot or point {setting} at another {engine}."
        )
    pending = latest - report.schema_version
    wal = f" + {_size_text(report.wal_bytes)} write-ahead log" if report.wal_bytes else ""
    server = f"PostgreSQL {report.server} at " if report.server else ""
    lines = [
        f"Database: {server}{report.where} ({_size_text(report.size_bytes)}{wal}), schema version {report.schema_version}"
        + (f" ({pending} migration{'s' if pending > 1 else ''} to apply at the next start)" if pending else "")
    ]
    lines += [f"  {table}: {rows:,} rows" for table, rows in report.rows.items()]
    return lines


def _database_lines(settings: Settings) -> list[str]:
    """What `check` says about the database, read-only: nothing is created or migrated.

    Raises StorageError when the bot could not use it.
    """
    from bot.storage import StorageError
    from bot.storage.database import load_migrations

    if settings.database_url:
        from bot.storage.maintenance import inspect_postgres
        from bot.storage.postgres import PG_MIGRATIONS_DIR

        report = asyncio.run(inspect_postgres(settings.database_url))
        return _report_lines(report, load_migrations(PG_MIGRATIONS_DIR)[-1].version, "DATABASE_URL", "database")
    from bot.storage.maintenance import inspect_database, location_problem

    path = settings.database_path
    latest = load_migrations()[-1].version
    report = inspect_database(path)
    if report is None:
        problem = location_problem(path)
        if problem:
            raise StorageError(problem)
        return [
            f"Database: {path} does not exist yet; the bot creates it (schema version {latest}) when it starts"
        ]
    return _report_lines(report, latest, "DATABASE_PATH", "file")


def cmd_check(settings: Settings, args) -> int:
    import content
    from bot.storage import StorageError
    from content import DeckError

    started = time.perf_counter()
    try:
        deck = content.load_deck()
        database = _database_lines(settings)
    except DeckError as exc:
        print("The deck has problems:", file=sys.stderr)
        for problem in exc.problems:
            print(f"  - {problem}", file=sys.stderr)
        return 1
    except StorageError as exc:
        return fail(str(exc))
    opens, lists = len(deck.open_questions), len(deck.list_questions)
    print(
        f"Deck: {len(deck.terms)} terms, {opens + lists} questions "
        f"({opens} performance indicators, {lists} lists), {len(deck.topics)} topics"
    )
    for topic in deck.topics:
        print(f"  {topic.name}: {len(deck.terms_in(topic.id))}")
    print("\n".join(database))
    print(f"OK in {(time.perf_counter() - started) * 1000:.0f} ms")
    return 0


def cmd_backup(settings: Settings, args) -> int:
    from datetime import datetime

    from bot.storage import StorageError
    from bot.storage.maintenance import (
        backup_database,
        backup_into_folder,
        backup_postgres,
        backup_postgres_into_folder,
    )

    source, target = settings.database_path, Path(args.path)
    # A path ending in a slash, or an existing folder: a dated file inside it (handy for a nightly job).
    into_folder = args.path.endswith(("/", os.sep)) or target.is_dir()
    if settings.database_url:
        source = settings.database_where
    elif not into_folder and target.exists() and target.resolve() == source.resolve():
        return fail(f"{target} is the live database itself; give the backup another name.")
    if not into_folder and target.exists() and not args.force:
        return fail(f"{target} already exists. Choose another name, or add --force to replace it.")
    started = time.perf_counter()
    try:
        if settings.database_url and into_folder:
            target, size = backup_postgres_into_folder(settings.database_url, target, datetime.now())
        elif settings.database_url:
            size = backup_postgres(settings.database_url, target)
        elif into_folder:
            target, size = backup_into_folder(source, target, datetime.now())
        else:
            size = backup_database(source, target)
    except StorageError as exc:
        return fail(str(exc))
    how = " with pg_dump (custom format)" if settings.database_url else ""
    print(
        f"Backed up {source}{how} to {target} ({_size_text(size)}) in "
        f"{(time.perf_counter() - started) * 1000:.0f} ms."
    )
    if settings.database_url:
        print(f"Restore it into an empty database with: pg_restore --no-owner --dbname=DATABASE_URL {target}")
    return 0


def cmd_migrate_data(settings: Settings, args) -> int:
    """Move a SQLite file's data into an empty PostgreSQL database, checked table by table."""
    from bot.storage import StorageError
    from bot.storage.postgres import describe_url, is_postgres_url
    from bot.storage.transfer import TransferProblems, migrate_data

    url = args.to or settings.database_url
    if not url:
        return fail(
            "Give the PostgreSQL database to fill: set DATABASE_URL in .env (keeps the password off the "
            "command line) or add --to postgresql://user:password@host:5432/dbname."
        )
    if not is_postgres_url(url):
        return fail("--to must look like postgresql://user:password@host:5432/dbname.")
    source = args.source or settings.database_path
    where = describe_url(url)
    print(f"Moving {source} into PostgreSQL {where} ...")
    started = time.perf_counter()
    try:
        moved = asyncio.run(migrate_data(source, url, say=print))
    except TransferProblems as exc:
        for problem in exc.problems:
            print(f"error: {problem}", file=sys.stderr)
        print("Nothing was committed: the PostgreSQL database is as it was.", file=sys.stderr)
        return 1
    except StorageError as exc:
        return fail(str(exc))
    rows = sum(table.rows for table in moved)
    print(
        f"Moved {rows:,} rows in {len(moved)} tables in {time.perf_counter() - started:.1f} s; every table has the "
        f"same row count and checksum on both sides. {source} was not changed."
    )
    if not settings.database_url:
        print(f"Next: set DATABASE_URL in .env to that database ({where}) and start the bot.")
    return 0
