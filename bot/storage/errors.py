"""Which storage failures pass by themselves: the member is told "try again in a moment".

SQLite: locked by another process past the busy timeout, disk full, an I/O error. PostgreSQL:
the connection was lost (the server restarted, a network blip; the pool reconnects on the next
use, so the bot carries on by itself once the server is back), the server is starting or shutting down or has no free connection, a deadlock or a
serialization conflict, a statement that timed out.
"""

from __future__ import annotations

import sqlite3

_SQLITE_PASSING = {sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED, sqlite3.SQLITE_FULL, sqlite3.SQLITE_IOERR}


def _postgres_passing() -> tuple[type[BaseException], ...]:
    try:
        import asyncpg
    except ImportError:  # pragma: no cover - asyncpg is a dependency
        return ()
    e = asyncpg.exceptions
    return (
        e.PostgresConnectionError,  # includes ConnectionDoesNotExistError and friends
        e.CannotConnectNowError,
        e.TooManyConnectionsError,
        e.AdminShutdownError,
        e.DeadlockDetectedError,
        e.SerializationError,
        e.QueryCanceledError,
        asyncpg.InterfaceError,  # "connection is closed" and the like
        # A server shutting down says goodbye on every connection before it closes them: a
        # statement sent in between finds asyncpg's protocol still reading that farewell.
        e.InternalClientError,
    )


def is_transient(error: BaseException) -> bool:
    """True for a storage failure that a retry in a moment is likely to get past."""
    code = getattr(error, "sqlite_errorcode", None)
    if code is not None:
        return code & 0xFF in _SQLITE_PASSING  # the low byte is the primary code
    if isinstance(error, ConnectionError | TimeoutError):
        return True
    return isinstance(error, _postgres_passing())
