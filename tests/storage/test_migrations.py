"""Migrations on real SQLite files."""

from __future__ import annotations

import os
import sqlite3

import pytest

from bot.storage.database import Database, Migration, MigrationError, StorageError, load_migrations


async def test_fresh_database_migrates_to_latest(tmp_path):
    db = await Database.open(tmp_path / "bot.sqlite3")
    try:
        latest = load_migrations()[-1].version
        assert await db.migrate() == latest
        assert await db.schema_version() == latest
        assert (await db.fetchone("PRAGMA journal_mode"))[0] == "wal"
        assert (await db.fetchone("PRAGMA foreign_keys"))[0] == 1
        assert "guild_settings" in await db.table_counts()
    finally:
        await db.close()


async def test_migrating_twice_is_a_no_op(tmp_path):
    path = tmp_path / "bot.sqlite3"
    db = await Database.open(path)
    first = await db.migrate()
    await db.execute("INSERT INTO guild_settings (guild_id, timezone, updated_at) VALUES (1, 'UTC', 0)")
    await db.close()
    db = await Database.open(path)
    try:
        assert await db.migrate() == first
        assert (await db.table_counts())["guild_settings"] == 1
    finally:
        await db.close()


async def test_failing_migration_rolls_back_whole(tmp_path):
    db = await Database.open(tmp_path / "bot.sqlite3")
    try:
        good = Migration(1, "0001_ok.sql", "CREATE TABLE a (x INTEGER);")
        bad = Migration(2, "0002_bad.sql", "CREATE TABLE b (y INTEGER);\nINSERT INTO missing VALUES (1);")
        with pytest.raises(MigrationError, match=r"0002_bad.sql failed.*stays at version 1"):
            await db.migrate([good, bad])
        assert await db.schema_version() == 1
        tables = await db.table_counts()
        assert "a" in tables and "b" not in tables, "the half-applied migration must leave no trace"
    finally:
        await db.close()


async def test_triggers_with_inner_semicolons_apply(tmp_path):
    db = await Database.open(tmp_path / "bot.sqlite3")
    try:
        sql = (
            "CREATE TABLE t (x INTEGER);\nCREATE TABLE log (x INTEGER);\n"
            "CREATE TRIGGER t_ins AFTER INSERT ON t BEGIN\n  INSERT INTO log VALUES (new.x);\nEND;\n"
        )
        await db.migrate([Migration(1, "0001_t.sql", sql)])
        await db.execute("INSERT INTO t VALUES (7)")
        assert await db.fetchall("SELECT x FROM log") == [(7,)]
    finally:
        await db.close()


async def test_database_newer_than_the_bot_is_refused(tmp_path):
    path = tmp_path / "bot.sqlite3"
    with sqlite3.connect(path) as raw:
        raw.execute("PRAGMA user_version = 999")
    db = await Database.open(path)
    try:
        with pytest.raises(MigrationError, match="newer than this bot knows"):
            await db.migrate()
    finally:
        await db.close()


async def test_missing_folders_are_created(tmp_path):
    path = tmp_path / "does" / "not" / "exist" / "bot.sqlite3"
    db = await Database.open(path)
    await db.migrate()
    await db.close()
    assert path.exists()


async def test_read_only_database_gets_a_clear_error_and_is_untouched(tmp_path):
    path = tmp_path / "bot.sqlite3"
    sqlite3.connect(path).close()
    before = path.read_bytes()
    os.chmod(path, 0o444)
    try:
        with pytest.raises(StorageError, match="read-only"):
            await Database.open(path)
        assert path.read_bytes() == before
    finally:
        os.chmod(path, 0o644)


async def test_path_that_is_a_folder_or_under_a_file_is_refused(tmp_path):
    with pytest.raises(StorageError, match="is a folder"):
        await Database.open(tmp_path)
    blocker = tmp_path / "file.txt"
    blocker.write_text("x")
    with pytest.raises(StorageError, match="Cannot create the folder"):
        await Database.open(blocker / "bot.sqlite3")


async def test_transaction_rolls_back_on_error(tmp_path):
    db = await Database.open(tmp_path / "bot.sqlite3")
    try:
        await db.migrate()
        with pytest.raises(RuntimeError):
            async with db.transaction() as conn:
                await conn.execute(
                    "INSERT INTO guild_settings (guild_id, timezone, updated_at) VALUES (5, 'UTC', 0)"
                )
                raise RuntimeError("boom")
        assert (await db.table_counts())["guild_settings"] == 0
    finally:
        await db.close()


def test_migration_numbers_run_without_gaps(tmp_path):
    """A gap would let a database pass a number that lands later: it is refused."""
    (tmp_path / "0001_base.sql").write_text("CREATE TABLE a (x INTEGER);")
    (tmp_path / "0003_later.sql").write_text("CREATE INDEX a_x ON a (x);")
    with pytest.raises(MigrationError, match=r"0003_later\.sql: expected migration number 0002"):
        load_migrations(tmp_path)
