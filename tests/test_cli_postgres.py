"""The operator commands on PostgreSQL, run as an operator would (subprocesses): `check` reports
read-only, `backup` calls pg_dump, and `run` with a wrong DATABASE_URL stops with one line that
names the host, port and database but never the password, before it logs in to Discord."""

from __future__ import annotations

import os
import shutil
import socket
import stat
import subprocess
from pathlib import Path

import pytest

from bot.storage.database import load_migrations
from bot.storage.postgres import PG_MIGRATIONS_DIR
from tests import pg_server
from tests.test_cli import run_cli

LATEST = load_migrations(PG_MIGRATIONS_DIR)[-1].version
PASSWORD = "s3cret-Pa55word"


def with_password(url: str, password: str = PASSWORD) -> str:
    """The same database, with a password in the URL (the test server trusts loopback: any
    password is accepted, so the URL stands for a real one)."""
    head, tail = url.split("://", 1)
    return f"{head}://postgres:{password}@{tail.split('@', 1)[1]}"


def where(url: str) -> str:
    return url.split("@", 1)[1]


def everything(url: str) -> list[str]:
    """Every row of every table, as text, to show that nothing changed."""
    tables = [t for (t,) in pg_server.query(url, "SELECT tablename FROM pg_tables WHERE schemaname = 'public'")]
    return sorted(f"{t}: {row!r}" for t in tables for row in pg_server.query(url, f'SELECT * FROM "{t}"'))


@pytest.fixture
def school(pg_databases):
    """A migrated database with a few rows, dropped afterwards."""
    url = pg_databases.create()
    pg_server.execute_many(
        url,
        "INSERT INTO study_matches (user_id, guild_id, elapsed_ms, penalties, finished_at) VALUES (?, 7, ?, 0, 1)",
        [(1, 9000), (2, 9100), (3, 12_000)],
    )
    yield url
    pg_databases.drop(url)


# --- check -------------------------------------------------------------------------------------


def test_check_on_postgres_reports_version_and_rows_and_changes_nothing(tmp_path, school):
    before = everything(school)
    proc = run_cli(tmp_path, "check", DATABASE_URL=with_password(school))
    assert proc.returncode == 0, proc.stderr
    [head] = [line for line in proc.stdout.splitlines() if line.startswith("Database:")]
    assert head.startswith("Database: PostgreSQL 1") and f"at postgres@{where(school)} (" in head
    assert head.endswith(f"schema version {LATEST}")
    assert "  study_matches: 3 rows" in proc.stdout and "  quiz_answers: 0 rows" in proc.stdout
    assert "schema_version" not in proc.stdout.replace("schema version", "")
    assert PASSWORD not in proc.stdout + proc.stderr
    assert everything(school) == before
    assert not (tmp_path / "data").exists(), "no SQLite file is made on the side"


def test_check_on_an_empty_postgres_database_creates_nothing(tmp_path, pg_databases):
    url = pg_databases.create(migrated=False)
    try:
        proc = run_cli(tmp_path, "check", DATABASE_URL=url)
        assert proc.returncode == 0, proc.stderr
        assert f"schema version 0 ({LATEST} migrations to apply at the next start)" in proc.stdout
        assert pg_server.query(url, "SELECT COUNT(*) FROM pg_tables WHERE schemaname = 'public'") == [(0,)]
    finally:
        pg_databases.drop(url)


def test_check_refuses_a_newer_postgres_schema_clearly(tmp_path, school):
    pg_server.execute_many(school, "INSERT INTO schema_version (version) VALUES (?)", [(LATEST + 5,)])
    proc = run_cli(tmp_path, "check", DATABASE_URL=school)
    assert proc.returncode == 1
    assert proc.stderr.strip() == (
        f"error: The database at postgres@{where(school)} is at schema version {LATEST + 5}, newer than this bot knows "
        f"({LATEST}). Update the bot or point DATABASE_URL at another database."
    )


# --- backup ------------------------------------------------------------------------------------


def spy_pg_dump(tmp_path: Path) -> tuple[dict[str, str], Path]:
    """A pg_dump first on PATH that notes its arguments, whether PGPASSWORD is set and the mode of
    the file it is to write, before it runs the real pg_dump. Returns (environment, notes)."""
    real = shutil.which("pg_dump")
    if real is None:
        pytest.skip("pg_dump is not installed")
    folder = tmp_path / "spy-bin"
    folder.mkdir()
    notes = tmp_path / "pg_dump-notes"
    script = folder / "pg_dump"
    script.write_text(
        "#!/bin/sh\n"
        'for a in "$@"; do case "$a" in --file=*) f="${a#--file=}";; esac; done\n'
        f'stat -c "mode %a" "$f" >> {notes}\n'
        f'printf "arg %s\\n" "$@" >> {notes}\n'
        f'[ -n "$PGPASSWORD" ] && echo "PGPASSWORD given" >> {notes}\n'
        f'exec {real} "$@"\n'
    )
    script.chmod(0o755)
    return {"PATH": f"{folder}{os.pathsep}{os.environ.get('PATH', '')}"}, notes


def test_backup_on_postgres_is_a_pg_dump_private_from_its_first_byte_and_restores(tmp_path, school, pg_databases):
    env, notes = spy_pg_dump(tmp_path)
    url = with_password(school)
    old = os.umask(0o022)  # the usual umask: new files readable by everyone
    try:
        proc = run_cli(tmp_path, "backup", "backups/", DATABASE_URL=url, **env)
    finally:
        os.umask(old)
    assert proc.returncode == 0, proc.stderr
    [dump] = list((tmp_path / "backups").iterdir())
    assert dump.name.startswith("studybot-") and dump.suffix == ".pgdump"
    assert stat.S_IMODE(dump.stat().st_mode) == 0o600
    assert f"Backed up PostgreSQL postgres@{where(school)} with pg_dump (custom format) to backups/" in proc.stdout
    assert "pg_restore" in proc.stdout
    seen = notes.read_text().splitlines()
    assert seen[0] == "mode 600", "the file pg_dump writes into was private before its first byte"
    assert "arg --format=custom" in seen and "PGPASSWORD given" in seen
    assert PASSWORD not in notes.read_text(), "the password is never on pg_dump's command line"
    assert PASSWORD not in proc.stdout + proc.stderr

    restored = pg_databases.create(migrated=False)
    try:
        pg_restore = shutil.which("pg_restore")
        done = subprocess.run(
            [pg_restore, "--no-owner", f"--dbname={restored}", str(dump)], capture_output=True, text=True
        )
        assert done.returncode == 0, done.stderr
        assert everything(restored) == everything(school)
    finally:
        pg_databases.drop(restored)

    again = run_cli(tmp_path, "backup", str(dump), DATABASE_URL=url, **env)
    assert again.returncode == 1 and "already exists" in again.stderr
    forced = run_cli(tmp_path, "backup", str(dump), "--force", DATABASE_URL=url, **env)
    assert forced.returncode == 0, forced.stderr
    assert stat.S_IMODE(dump.stat().st_mode) == 0o600 and not list(dump.parent.glob("*.partial"))


def test_backup_on_postgres_without_pg_dump_says_what_to_install(tmp_path, school):
    empty = tmp_path / "no-tools"
    empty.mkdir()
    proc = run_cli(tmp_path, "backup", "backups/", DATABASE_URL=school, PATH=str(empty))
    assert proc.returncode == 1
    assert proc.stderr.startswith("error: pg_dump is not installed") and "postgresql-client" in proc.stderr
    assert proc.stderr.count("\n") == 1
    assert not (tmp_path / "backups").exists(), "no folder or empty file is left behind"


def test_backup_of_an_unreachable_postgres_is_one_line_and_leaves_nothing(tmp_path, pg_databases):
    url = f"postgresql://postgres:{PASSWORD}@127.0.0.1:{free_port()}/school"
    proc = run_cli(tmp_path, "backup", "copy.pgdump", DATABASE_URL=url)
    assert proc.returncode == 1 and proc.stderr.count("\n") == 1, proc.stderr
    assert proc.stderr.startswith("error: pg_dump could not back up postgres@127.0.0.1:")
    assert PASSWORD not in proc.stderr
    assert not list(tmp_path.glob("copy.pgdump*"))


# --- run with a wrong DATABASE_URL ---------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def password_role(pg_databases):
    """A role that must give its password (scram-sha-256): the test server trusts everyone else.
    Its pg_hba.conf line applies to this role alone, so the other tests are not affected."""
    server = pg_databases.server
    if server.folder is None:
        pytest.skip("TEST_DATABASE_URL points at a server of your own: its authentication is left alone")
    hba = server.folder / "data" / "pg_hba.conf"
    original = hba.read_text()
    hba.write_text("host all studybot_pw 127.0.0.1/32 scram-sha-256\n" + original)
    pg_server.query(server.url, "SELECT pg_reload_conf()")
    pg_server.execute_many(server.url, "CREATE ROLE studybot_pw LOGIN PASSWORD 'the-right-one'", [()])
    yield server
    pg_server.execute_many(server.url, "DROP ROLE studybot_pw", [()])
    hba.write_text(original)
    pg_server.query(server.url, "SELECT pg_reload_conf()")


@pytest.mark.parametrize(
    ("case", "expected"),
    [
        ("wrong host", "the host name cannot be found"),
        ("nothing listening", "nothing accepts connections at that host and port"),
        ("wrong password", 'password authentication failed for user "studybot_pw"'),
        ("missing database", 'database "no_such_school" does not exist'),
    ],
)
def test_run_with_a_wrong_database_url_stops_with_one_line_before_discord(
    tmp_path, pg_databases, request, case, expected
):
    host_port = where(pg_databases.server.url).split("/", 1)[0]
    url = {
        "wrong host": f"postgresql://studybot:{PASSWORD}@db.invalid:5432/school",
        "nothing listening": f"postgresql://studybot:{PASSWORD}@127.0.0.1:{free_port()}/school",
        "wrong password": f"postgresql://studybot_pw:{PASSWORD}@{host_port}/postgres",
        "missing database": f"postgresql://postgres:{PASSWORD}@{host_port}/no_such_school",
    }[case]
    if case == "wrong password":
        request.getfixturevalue("password_role")
    # A token of the right shape: were Discord contacted first, it would fail there instead.
    proc = run_cli(
        tmp_path, "run", DATABASE_URL=url, DISCORD_TOKEN="MTIzNDU2Nzg5MDEyMzQ1Njc4.Gabcde.not-a-real-token"
    )
    assert proc.returncode == 1
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    shown = url.split("@", 1)[1].split(":", 1)[0]
    assert lines[0].startswith(f"error: Cannot connect to PostgreSQL at {url.split('//', 1)[1].split(':')[0]}@")
    assert shown in lines[0] and url.rsplit("/", 1)[1] in lines[0] and expected in lines[0], lines[0]
    assert "Check DATABASE_URL" in lines[0]
    assert PASSWORD not in proc.stdout + proc.stderr and "Traceback" not in proc.stderr
    assert not (tmp_path / "data").exists()


def test_the_same_role_with_its_right_password_gets_in(tmp_path, pg_databases, password_role):
    """So the refusal above is about the password, and nothing else."""
    host_port = where(pg_databases.server.url).split("/", 1)[0]
    proc = run_cli(tmp_path, "check", DATABASE_URL=f"postgresql://studybot_pw:the-right-one@{host_port}/postgres")
    assert proc.returncode == 0, proc.stderr
    assert "the-right-one" not in proc.stdout + proc.stderr


def test_a_database_url_is_shown_and_handed_to_tools_without_its_password():
    from bot.storage.postgres import describe_url, hide_secrets, without_password

    for url, dsn in (
        (
            "postgresql://school:p%40ss-word@db.example.org:6432/bot?sslmode=require",
            "postgresql://school@db.example.org:6432/bot?sslmode=require",
        ),
        ("postgresql://school@db.example.org/bot?password=p%40ss-word", "postgresql://school@db.example.org/bot"),
    ):
        assert without_password(url) == (dsn, "p@ss-word")
        shown = hide_secrets(f"failed for {url}: p@ss-word and p%40ss-word", url)
        assert "p@ss" not in shown and "p%40ss" not in shown and describe_url(url) in shown
    assert without_password("postgresql://school@db/bot") == ("postgresql://school@db/bot", None)
