"""Everything that touches SQL lives here; nothing here imports discord."""

from bot.storage.database import Database, MigrationError, StorageError

__all__ = ["Database", "MigrationError", "StorageError"]
