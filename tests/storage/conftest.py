"""Storage tests run on real SQLite files in a temporary folder, never on a mock."""

from __future__ import annotations

import pytest

from bot.storage.database import Database
from bot.storage.study import StudyRepo


@pytest.fixture
async def db(tmp_path):
    """A fresh database at the latest schema (tmp_path / "bot.sqlite3")."""
    database = await Database.open(tmp_path / "bot.sqlite3")
    await database.migrate()
    yield database
    await database.close()


@pytest.fixture
def repo(db):
    return StudyRepo(db)
