"""Storage tests run on real databases, never on a mock: a SQLite file in a temporary folder, and
the same test again on a fresh PostgreSQL database when the machine has PostgreSQL."""

from __future__ import annotations

import pytest

from bot.storage import open_database
from bot.storage.study import StudyRepo


@pytest.fixture
async def db(settings):
    """A fresh database at the latest schema, of the test's engine."""
    database = await open_database(settings)
    await database.migrate()
    yield database
    await database.close()


@pytest.fixture
def repo(db):
    return StudyRepo(db)
