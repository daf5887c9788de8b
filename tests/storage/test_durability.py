"""SQLITE_SYNCHRONOUS: NORMAL by default (a commit survives a crash of the bot), FULL for a teacher
who wants commits to survive a power cut too (a flush of the log at every commit)."""

from __future__ import annotations

import pytest

from bot.config import ConfigError, Settings
from bot.storage import open_database

NORMAL, FULL = 1, 2  # what PRAGMA synchronous reports


def test_the_setting_is_read_from_the_environment_and_checked():
    assert Settings.from_env({}, dotenv=False).sqlite_synchronous == "NORMAL"
    assert Settings.from_env({"SQLITE_SYNCHRONOUS": " full "}, dotenv=False).sqlite_synchronous == "FULL"
    assert "sqlite_synchronous='FULL'" in repr(Settings(sqlite_synchronous="FULL"))
    with pytest.raises(ConfigError, match=r"SQLITE_SYNCHRONOUS must be NORMAL .* or FULL"):
        Settings.from_env({"SQLITE_SYNCHRONOUS": "OFF"}, dotenv=False)  # would lose commits in a crash


@pytest.mark.parametrize(("setting", "level"), [("NORMAL", NORMAL), ("FULL", FULL)])
async def test_the_bot_opens_its_database_with_the_level_asked_for(tmp_path, setting, level):
    db = await open_database(Settings(database_path=tmp_path / "bot.sqlite3", sqlite_synchronous=setting))
    try:
        assert (await db.fetchone("PRAGMA synchronous"))[0] == level
        assert (await db.fetchone("PRAGMA journal_mode"))[0] == "wal"
    finally:
        await db.close()
