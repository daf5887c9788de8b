"""Everything that touches SQL lives here; nothing here imports discord."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.storage.database import Database, MigrationError, StorageError

if TYPE_CHECKING:
    from bot.config import Settings
    from bot.storage.postgres import PostgresDatabase

__all__ = ["Database", "MigrationError", "StorageError", "open_database"]


async def open_database(settings: Settings) -> Database | PostgresDatabase:
    """The bot's storage: PostgreSQL when DATABASE_URL is set, else the SQLite file at DATABASE_PATH.

    Raises StorageError with one line that says what is wrong (never a password)."""
    if settings.database_url:
        from bot.storage.postgres import PostgresDatabase

        return await PostgresDatabase.open(settings.database_url)
    return await Database.open(settings.database_path, synchronous=settings.sqlite_synchronous)
