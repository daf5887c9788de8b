"""Operator commands, run as an operator would: backup (while the bot writes), check (read-only
database report), invite, and logging that never shows the token."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import os
import sqlite3
import stat
import subprocess
import sys
import threading
import time
from datetime import datetime
from urllib.parse import parse_qs, urlparse

import discord
import pytest

from bot.config import ConfigError, Settings
from bot.permissions import INVITE
from bot.storage.database import Database, load_migrations
from bot.storage.maintenance import backup_database, backup_into_folder
from tests.test_cli import run_cli

LATEST = load_migrations()[-1].version


def make_database(path, versions: int | None = None, matches: int = 0) -> None:
    """A real database at `path`, migrated to `versions` (default: all), with `matches` game rows."""

    async def build():
        db = await Database.open(path)
        try:
            await db.migrate(load_migrations()[:versions] if versions else None)
            if matches:
                await db.conn.executemany(
                    "INSERT INTO study_matches (user_id, guild_id, elapsed_ms, finished_at) VALUES (?, 1, ?, 0)",
                    [(i % 7, i) for i in range(matches)],
                )
        finally:
            await db.close()

    asyncio.run(build())


def digest(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


# --- check -------------------------------------------------------------------------------------


def test_check_reports_version_size_and_rows_without_changing_anything(tmp_path):
    db = tmp_path / "data" / "bot.sqlite3"
    make_database(db, matches=3)
    before = digest(db)
    proc = run_cli(tmp_path, "check")
    assert proc.returncode == 0, proc.stderr
    header = next(line for line in proc.stdout.splitlines() if line.startswith("Database:"))
    assert f"schema version {LATEST}" in header and "KiB" in header and "migration" not in header
    assert "  study_matches: 3 rows" in proc.stdout and "  quiz_answers: 0 rows" in proc.stdout
    assert digest(db) == before


def test_check_tells_of_pending_migrations_and_does_not_apply_them(tmp_path):
    db = tmp_path / "data" / "bot.sqlite3"
    make_database(db, versions=2)
    proc = run_cli(tmp_path, "check")
    assert proc.returncode == 0, proc.stderr
    pending = LATEST - 2
    assert f"schema version 2 ({pending} migrations to apply at the next start)" in proc.stdout
    with sqlite3.connect(db) as conn:
        assert conn.execute("PRAGMA user_version").fetchone() == (2,)


def test_check_refuses_a_newer_or_broken_database_clearly(tmp_path):
    db = tmp_path / "data" / "bot.sqlite3"
    make_database(db)
    with sqlite3.connect(db) as conn:
        conn.execute(f"PRAGMA user_version = {LATEST + 1}")
    newer = run_cli(tmp_path, "check")
    assert newer.returncode == 1 and "newer than this bot knows" in newer.stderr
    junk = tmp_path / "junk.sqlite3"
    junk.write_text("not a database at all, just text " * 100)
    broken = run_cli(tmp_path, "check", DATABASE_PATH=str(junk))
    assert broken.returncode == 1 and broken.stderr.startswith("error: Cannot read the database")
    assert "Traceback" not in newer.stderr + broken.stderr


# --- backup ------------------------------------------------------------------------------------

BATCH = 10  # the writer commits this many rows at a time: a consistent copy holds a multiple of it


def test_backup_while_the_bot_keeps_writing_is_consistent(tmp_path):
    db = tmp_path / "data" / "bot.sqlite3"
    make_database(db, matches=50_000)  # a few MiB: the copy is not instant
    stop, commits = threading.Event(), [0]

    def writer():
        conn = sqlite3.connect(db, isolation_level=None)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA busy_timeout=5000")
        while not stop.is_set():
            conn.execute("BEGIN IMMEDIATE")
            conn.executemany(
                "INSERT INTO study_matches (user_id, guild_id, elapsed_ms, finished_at) VALUES (42, 1, ?, 0)",
                [(i,) for i in range(BATCH)],
            )
            conn.execute("COMMIT")
            commits[0] += 1
            time.sleep(0.001)  # a busy class, not a benchmark
        conn.close()

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        while commits[0] < 5:
            time.sleep(0.01)
        during = commits[0]
        proc = run_cli(tmp_path, "backup", "backups/nightly/copy.sqlite3")
        after = commits[0]
    finally:
        stop.set()
        thread.join()
    assert proc.returncode == 0, proc.stderr
    assert after > during, "the bot's writes went on while the backup ran"
    copy = tmp_path / "backups" / "nightly" / "copy.sqlite3"
    assert f"({copy.stat().st_size / 1024 / 1024:.1f} MiB)" in proc.stdout, "the size is reported"
    with sqlite3.connect(f"{copy.as_uri()}?mode=ro", uri=True) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        assert conn.execute("PRAGMA journal_mode").fetchone() == ("delete",), "one self-contained file"
        assert conn.execute("PRAGMA user_version").fetchone() == (LATEST,)
        written = conn.execute("SELECT COUNT(*) FROM study_matches WHERE user_id = 42").fetchone()[0]
    assert written % BATCH == 0, "a snapshot between two commits, never half a transaction"
    assert during <= written // BATCH <= after
    assert not list(copy.parent.glob("*.partial"))


def test_backup_refuses_to_overwrite_unless_forced(tmp_path):
    make_database(tmp_path / "data" / "bot.sqlite3", matches=1)
    target = tmp_path / "copy.sqlite3"
    target.write_text("an older backup")
    refused = run_cli(tmp_path, "backup", "copy.sqlite3")
    assert refused.returncode == 1 and "already exists" in refused.stderr and "--force" in refused.stderr
    assert target.read_text() == "an older backup"
    forced = run_cli(tmp_path, "backup", "copy.sqlite3", "--force")
    assert forced.returncode == 0, forced.stderr
    with sqlite3.connect(target) as conn:
        assert conn.execute("SELECT COUNT(*) FROM study_matches").fetchone() == (1,)


def test_backup_into_a_folder_names_the_file_and_never_copies_onto_the_live_database(tmp_path):
    make_database(tmp_path / "data" / "bot.sqlite3")
    (tmp_path / "backups").mkdir()
    dated = run_cli(tmp_path, "backup", "backups")
    assert dated.returncode == 0, dated.stderr
    (made,) = (tmp_path / "backups").glob("studybot-*.sqlite3")
    assert made.name in dated.stdout
    itself = run_cli(tmp_path, "backup", "data/bot.sqlite3", "--force")
    assert itself.returncode == 1 and "live database itself" in itself.stderr


def test_backup_into_a_folder_that_does_not_exist_yet_works_every_time(tmp_path):
    make_database(tmp_path / "data" / "bot.sqlite3", matches=2)
    first = run_cli(tmp_path, "backup", "backups/")  # the README's nightly example
    second = run_cli(tmp_path, "backup", "backups/")
    assert first.returncode == 0, first.stderr
    assert second.returncode == 0, second.stderr
    assert (tmp_path / "backups").is_dir()
    made = sorted((tmp_path / "backups").iterdir())
    assert len(made) == 2 and all(p.name.startswith("studybot-") and p.suffix == ".sqlite3" for p in made)
    for copy in made:
        with sqlite3.connect(copy) as conn:
            assert conn.execute("SELECT COUNT(*) FROM study_matches").fetchone() == (2,)


def test_two_backups_in_the_same_second_get_distinct_names(tmp_path):
    source = tmp_path / "bot.sqlite3"
    make_database(source, matches=1)
    now = datetime(2026, 3, 2, 18, 30, 5)
    names = [backup_into_folder(source, tmp_path / "nightly", now)[0].name for _ in range(3)]
    assert names == [
        "studybot-20260302-183005.sqlite3",
        "studybot-20260302-183005-2.sqlite3",
        "studybot-20260302-183005-3.sqlite3",
    ]


def test_a_backup_is_private_from_its_first_byte(tmp_path, monkeypatch):
    source = tmp_path / "bot.sqlite3"
    make_database(source, matches=1)
    modes = []
    connect = sqlite3.connect

    def watch(target, *args, **kwargs):
        conn = connect(target, *args, **kwargs)
        if str(target).endswith(".partial"):  # the copy as SQLite opened it, before any page is written
            modes.append(stat.S_IMODE(os.stat(target).st_mode))
        return conn

    monkeypatch.setattr(sqlite3, "connect", watch)
    old = os.umask(0o022)  # the usual umask: new files readable by everyone
    try:
        backup_database(source, tmp_path / "copy.sqlite3")
    finally:
        os.umask(old)
    assert modes == [0o600], "created private, not made private after being written"
    assert stat.S_IMODE((tmp_path / "copy.sqlite3").stat().st_mode) == 0o600


def test_backup_without_a_database_says_so(tmp_path):
    proc = run_cli(tmp_path, "backup", "copy.sqlite3")
    assert proc.returncode == 1 and "There is no database" in proc.stderr
    assert not (tmp_path / "copy.sqlite3").exists() and not (tmp_path / "data").exists()
    folder = run_cli(tmp_path, "backup", "backups/")
    assert folder.returncode == 1 and "There is no database" in folder.stderr
    assert not (tmp_path / "backups").exists()


# --- invite ------------------------------------------------------------------------------------


def invite_query(proc) -> dict[str, list[str]]:
    assert proc.returncode == 0, proc.stderr
    url = urlparse(proc.stdout.strip())
    assert (url.scheme, url.netloc, url.path) == ("https", "discord.com", "/oauth2/authorize")
    return parse_qs(url.query)


def test_invite_asks_for_exactly_the_scopes_and_permissions_the_bot_uses(tmp_path):
    query = invite_query(run_cli(tmp_path, "invite", "--client-id", "123456789012345678"))
    assert query["client_id"] == ["123456789012345678"]
    assert query["scope"] == ["bot applications.commands"]
    expected = discord.Permissions(view_channel=True, send_messages=True, embed_links=True)
    assert query["permissions"] == [str(expected.value)]
    assert discord.Permissions(**dict.fromkeys(INVITE, True)) == expected


def test_invite_takes_the_id_from_the_settings_or_the_token(tmp_path):
    from_setting = invite_query(run_cli(tmp_path, "invite", APPLICATION_ID="222222222222222222"))
    assert from_setting["client_id"] == ["222222222222222222"]
    head = base64.b64encode(b"333333333333333333").decode().rstrip("=")
    token = f"{head}.GabcDE.secret-part-of-the-token"
    proc = run_cli(tmp_path, "invite", DISCORD_TOKEN=token)
    assert invite_query(proc)["client_id"] == ["333333333333333333"]
    assert token not in proc.stdout + proc.stderr and "secret-part" not in proc.stdout + proc.stderr


def test_invite_without_any_id_explains_where_to_find_it(tmp_path):
    proc = run_cli(tmp_path, "invite")
    assert proc.returncode == 1 and "--client-id" in proc.stderr and "Application ID" in proc.stderr


def test_application_id_setting():
    assert Settings.from_env({"APPLICATION_ID": " 42 "}, dotenv=False).application_id == 42
    with pytest.raises(ConfigError, match="APPLICATION_ID"):
        Settings.from_env({"APPLICATION_ID": "my bot"}, dotenv=False)


# --- logging -----------------------------------------------------------------------------------


def test_the_log_output_hides_the_token_even_inside_tracebacks(tmp_path):
    secret = "MTIz.Gsecret.never-in-the-logs"
    script = (
        "import logging\n"
        "from bot.config import configure_logging\n"
        f"configure_logging('INFO', hide=({secret!r}, None))\n"
        "log = logging.getLogger('bot.test')\n"
        f"log.info('connecting with %s', {secret!r})\n"
        "try:\n"
        f"    raise RuntimeError('401 for token ' + {secret!r})\n"
        "except RuntimeError:\n"
        "    log.exception('login failed')\n"
    )
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=tmp_path, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert "connecting with [hidden]" in proc.stderr and "RuntimeError: 401 for token [hidden]" in proc.stderr
    assert secret not in proc.stderr
