"""PostgreSQL through asyncpg: the same storage interface as the SQLite `Database`, for a bot that
many schools share (several processes, several machines, one database).

Selected by `DATABASE_URL=postgresql://user:password@host:port/dbname`. Repositories hold one SQL
text per statement for both engines (written with `?`, numbered here); what differs lives in
this module: the connection pool, `RETURNING id` for inserts, advisory locks, the migration
lock and the version table.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Iterable, Sequence
from contextlib import asynccontextmanager
from pathlib import Path
from urllib.parse import parse_qsl, unquote, unquote_plus, urlencode, urlsplit

from bot.storage.database import MIGRATIONS_DIR, Migration, MigrationError, StorageError, load_migrations
from bot.storage.sql import numbered

log = logging.getLogger(__name__)

PG_MIGRATIONS_DIR = MIGRATIONS_DIR / "postgres"
#: Any constant shared by every process of the bot: the lock that serialises migrations.
MIGRATION_LOCK = 815_2026_11
CONNECT_TIMEOUT = 10.0


def describe_url(url: str) -> str:
    """host:port/dbname of a database URL, never its password (for messages and logs)."""
    parts = urlsplit(url)
    host = parts.hostname or "localhost"
    port = parts.port or 5432
    name = unquote(parts.path.lstrip("/")) or "(default database)"
    user = f"{unquote(parts.username)}@" if parts.username else ""
    return f"{user}{host}:{port}/{name}"


def is_postgres_url(url: str | None) -> bool:
    return bool(url) and urlsplit(url).scheme in ("postgres", "postgresql")


def _passwords(url: str) -> list[tuple[str, str]]:
    """The passwords a URL carries, each as written and decoded: after the user name, or as
    `?password=` (libpq allows both)."""
    parts = urlsplit(url)
    found = [(parts.password, unquote(parts.password))] if parts.password is not None else []
    for pair in parts.query.split("&"):
        key, _, value = pair.partition("=")
        if unquote_plus(key) == "password":
            found.append((value, unquote_plus(value)))
    return found


def url_secrets(url: str) -> tuple[str, ...]:
    """The password of a database URL as written and decoded: what no message may show."""
    return tuple(dict.fromkeys(s for pair in _passwords(url) for s in pair if s))


def without_password(url: str) -> tuple[str, str | None]:
    """`url` with its password taken out, and the (decoded) password: tools such as pg_dump get it
    through PGPASSWORD, never on a command line that `ps` shows to every user of the machine."""
    passwords = _passwords(url)
    if not passwords:
        return url, None
    parts = urlsplit(url)
    netloc = parts.netloc
    if parts.password is not None:
        netloc = f"{parts.username or ''}@{netloc.rsplit('@', 1)[1]}"
    query = urlencode([(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k != "password"])
    return parts._replace(netloc=netloc, query=query).geturl(), passwords[0][1]


def hide_secrets(text: str, url: str) -> str:
    """`text` (an error message) with the URL shown as host:port/dbname and no password anywhere."""
    text = text.replace(url, describe_url(url))
    for secret in url_secrets(url):
        text = text.replace(secret, "[hidden]")
    return text


CONNECT_ERRORS_HINT = (
    "Check DATABASE_URL (host, port, database name, user and password) and that the server is running."
)


def _reason(exc: BaseException) -> str:
    """What went wrong, in words an operator can act on (the server's own message otherwise)."""
    import socket

    if isinstance(exc, socket.gaierror):
        return "the host name cannot be found"
    if isinstance(exc, ConnectionRefusedError):
        return "nothing accepts connections at that host and port (connection refused)"
    if isinstance(exc, TimeoutError):
        return f"no answer within {CONNECT_TIMEOUT:.0f} s"
    return str(exc)


def connect_failure(url: str, exc: BaseException) -> StorageError:
    """The one line an operator sees when the database at `url` cannot be reached or refuses us."""
    reason = hide_secrets(_reason(exc), url) or type(exc).__name__
    return StorageError(f"Cannot connect to PostgreSQL at {describe_url(url)}: {reason}. {CONNECT_ERRORS_HINT}")


def connect_errors() -> tuple[type[BaseException], ...]:
    """What asyncpg raises when it cannot connect: a refused or unknown host, a wrong password,
    a missing database, a time-out, a malformed URL."""
    import asyncpg

    return (TimeoutError, OSError, asyncpg.PostgresError, asyncpg.InterfaceError, ValueError)


async def connect(url: str, *, read_only: bool = False):
    """One asyncpg connection for an operator's command (`check`, `migrate-data`); raises
    StorageError with one line (never the password). `read_only` makes the whole session refuse
    writes, so a report can never change the database."""
    import asyncpg

    settings = {"default_transaction_read_only": "on"} if read_only else None
    try:
        return await asyncpg.connect(url, timeout=CONNECT_TIMEOUT, server_settings=settings)
    except connect_errors() as exc:
        raise connect_failure(url, exc) from None


def _rowcount(status: str) -> int:
    """asyncpg returns a command tag such as 'UPDATE 3' or 'INSERT 0 1'."""
    last = status.rsplit(" ", 1)[-1] if status else ""
    return int(last) if last.isdigit() else 0


async def _keep_session(conn) -> None:
    """What the pool runs on a connection it takes back. asyncpg's default resets the session (a
    round trip after every statement); the bot keeps no session state to reset: its advisory locks
    are per transaction and it never LISTENs on pooled connections."""
    return None


class PgTx:
    """One transaction on one pooled connection."""

    def __init__(self, conn) -> None:
        self.conn = conn

    async def execute(self, sql: str, params: Sequence = ()) -> int:
        return _rowcount(await self.conn.execute(numbered(sql), *params))

    async def executemany(self, sql: str, rows: Iterable[Sequence]) -> None:
        rows = list(rows)
        if rows:
            await self.conn.executemany(numbered(sql), rows)

    async def fetchone(self, sql: str, params: Sequence = ()):
        return await self.conn.fetchrow(numbered(sql), *params)

    async def fetchall(self, sql: str, params: Sequence = ()) -> list:
        return list(await self.conn.fetch(numbered(sql), *params))

    async def insert(self, sql: str, params: Sequence = ()) -> int:
        """Run an INSERT and return the new row's `id`."""
        return await self.conn.fetchval(numbered(sql) + " RETURNING id", *params)

    async def lock(self, *keys: str) -> None:
        """Hold each key until this transaction ends, taken in the order given (one round trip):
        the same key in another process waits."""
        if len(keys) == 1:
            await self.conn.execute("SELECT pg_advisory_xact_lock(hashtextextended($1, 0))", keys[0])
        elif keys:
            await self.conn.execute(
                "SELECT pg_advisory_xact_lock(hashtextextended(k, 0))"
                " FROM unnest($1::text[]) WITH ORDINALITY AS t(k, n) ORDER BY n",
                list(keys),
            )


class PgSnapshot:
    """Reads inside `PostgresDatabase.snapshot`; rows are dicts, as SQLite's `Snapshot` gives."""

    def __init__(self, conn) -> None:
        self._conn = conn

    async def fetchall(self, sql: str, params: Sequence = ()) -> list[dict]:
        return [dict(r) for r in await self._conn.fetch(numbered(sql), *params)]

    async def fetchone(self, sql: str, params: Sequence = ()) -> dict | None:
        row = await self._conn.fetchrow(numbered(sql), *params)
        return None if row is None else dict(row)


class PostgresDatabase:
    engine = "postgres"
    #: The names of the schema's tables, one per row (column `name`).
    TABLES_SQL = "SELECT tablename AS name FROM pg_tables WHERE schemaname = current_schema() ORDER BY tablename"

    def __init__(self, pool, url: str) -> None:
        self.pool = pool
        self.url = url
        self.where = describe_url(url)
        self.path = None  # SQLite's file; nothing here

    @classmethod
    async def open(cls, url: str, *, min_size: int = 1, max_size: int = 10) -> PostgresDatabase:
        import asyncpg

        try:
            pool = await asyncpg.create_pool(
                url,
                min_size=min_size,
                max_size=max_size,
                timeout=CONNECT_TIMEOUT,
                command_timeout=60,
                reset=_keep_session,
            )
        except connect_errors() as exc:
            raise connect_failure(url, exc) from None
        return cls(pool, url)

    # ------------------------------------------------------------------ statements outside a transaction

    async def execute(self, sql: str, params: Sequence = ()) -> int:
        async with self.pool.acquire() as conn:
            return _rowcount(await conn.execute(numbered(sql), *params))

    async def fetchone(self, sql: str, params: Sequence = ()):
        async with self.pool.acquire() as conn:
            return await conn.fetchrow(numbered(sql), *params)

    async def fetchall(self, sql: str, params: Sequence = ()) -> list:
        async with self.pool.acquire() as conn:
            return list(await conn.fetch(numbered(sql), *params))

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[PgTx]:
        """One transaction; rolled back if the block raises. Transactions of different tasks (and
        processes) run side by side: what must not interleave takes `tx.lock(key)` or a row lock."""
        async with self.pool.acquire() as conn, conn.transaction():
            yield PgTx(conn)

    @asynccontextmanager
    async def snapshot(self) -> AsyncIterator[PgSnapshot]:
        """A read-only, repeatable-read view: every read inside sees the same committed moment."""
        async with self.pool.acquire() as conn, conn.transaction(isolation="repeatable_read", readonly=True):
            yield PgSnapshot(conn)

    def request_checkpoint(self) -> None:
        """SQLite's write-ahead log needs checkpoints; PostgreSQL runs its own."""
        return None

    async def close(self) -> None:
        await self.pool.close()

    # ------------------------------------------------------------------ schema

    async def schema_version(self) -> int:
        async with self.pool.acquire() as conn:
            return await self._version(conn)

    @staticmethod
    async def _version(conn) -> int:
        exists = await conn.fetchval("SELECT to_regclass('schema_version') IS NOT NULL")
        if not exists:
            return 0
        return await conn.fetchval("SELECT COALESCE(MAX(version), 0) FROM schema_version")

    async def migrate(self, migrations: list[Migration] | None = None) -> int:
        """Apply pending migrations under an advisory lock, so processes starting together apply
        each one once; each migration commits with its version row or not at all."""
        migrations = load_migrations(PG_MIGRATIONS_DIR) if migrations is None else migrations
        latest = migrations[-1].version if migrations else 0
        async with self.pool.acquire() as conn:
            await conn.execute("SELECT pg_advisory_lock($1)", MIGRATION_LOCK)
            try:
                await conn.execute(
                    "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER PRIMARY KEY, applied_at TIMESTAMPTZ"
                    " NOT NULL DEFAULT now())"
                )
                current = await self._version(conn)  # read again under the lock
                if current > latest:
                    raise MigrationError(
                        f"The database at {self.where} is at schema version {current}, newer than this bot "
                        f"knows ({latest}). Update the bot or point DATABASE_URL at another database."
                    )
                for migration in migrations:
                    if migration.version <= current:
                        continue
                    try:
                        async with conn.transaction():
                            await conn.execute(migration.sql)
                            await conn.execute(
                                "INSERT INTO schema_version (version) VALUES ($1)", migration.version
                            )
                    except Exception as exc:
                        raise MigrationError(
                            f"Migration {migration.name} failed: {exc}. The database stays at version {current}."
                        ) from exc
                    log.info("applied migration %s", migration.name)
                    current = migration.version
                return current
            finally:
                await conn.execute("SELECT pg_advisory_unlock($1)", MIGRATION_LOCK)

    async def table_counts(self) -> dict[str, int]:
        async with self.pool.acquire() as conn:
            names = [
                r[0]
                for r in await conn.fetch(
                    "SELECT tablename FROM pg_tables WHERE schemaname = current_schema() ORDER BY tablename"
                )
            ]
            return {name: await conn.fetchval(f'SELECT COUNT(*) FROM "{name}"') for name in names}


def pg_migrations_folder() -> Path:
    return PG_MIGRATIONS_DIR
