"""The command line, run as a user would run it."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from bot.config import ConfigError, Settings


def run_cli(tmp_path, *args, **env_extra):
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DISCORD_TOKEN", "DATABASE_PATH", "DATABASE_URL", "DEV_GUILD_ID"}
    }
    env["DATABASE_PATH"] = str(tmp_path / "data" / "bot.sqlite3")
    env.update(env_extra)
    # cwd=tmp_path: no developer .env file can leak into the test
    return subprocess.run(
        [sys.executable, "-m", "bot", *args], capture_output=True, text=True, cwd=tmp_path, env=env, timeout=60
    )


def test_no_token_gives_one_friendly_line_naming_the_playground(tmp_path):
    proc = run_cli(tmp_path)
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert "DISCORD_TOKEN" in lines[0] and ".env" in lines[0] and "python -m bot playground" in lines[0]
    assert "Traceback" not in proc.stderr
    assert run_cli(tmp_path, "run").returncode == 2
    assert run_cli(tmp_path, "sync").returncode == 2


def test_define_json(tmp_path):
    proc = run_cli(tmp_path, "define", "clv", "--json")
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    assert data["query"] == "clv"
    assert data["match"]["id"] == "customer-lifetime-value"
    assert set(data["match"]) == {"id", "name", "aliases", "definition", "topic"}
    assert "CLV" in data["match"]["aliases"]
    assert data["suggestions"] == []


def test_define_unknown_prints_suggestions(tmp_path):
    proc = run_cli(tmp_path, "define", "loyality custmer", "--json")
    assert proc.returncode == 1
    data = json.loads(proc.stdout)
    assert data["match"] is None and "Customer Loyalty" in data["suggestions"]
    plain = run_cli(tmp_path, "define", "loyality custmer")
    assert "Did you mean" in plain.stdout


def test_check_summarises_without_creating_the_database(tmp_path):
    proc = run_cli(tmp_path, "check")
    assert proc.returncode == 0, proc.stderr
    assert "terms" in proc.stdout and "schema version" in proc.stdout and "topics" in proc.stdout
    assert "does not exist yet" in proc.stdout
    assert not (tmp_path / "data").exists(), "check is read-only: the bot creates the database when it starts"


def test_check_reports_an_unusable_database_clearly(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    proc = run_cli(tmp_path, "check", DATABASE_PATH=str(blocker / "bot.sqlite3"))
    assert proc.returncode == 1
    assert proc.stderr.startswith("error: Cannot create the folder") and "Traceback" not in proc.stderr


def test_bad_settings_are_explained(tmp_path):
    proc = run_cli(tmp_path, "check", LOG_LEVEL="LOUD")
    assert proc.returncode == 1 and "LOG_LEVEL must be one of" in proc.stderr


def test_settings_never_show_the_token():
    settings = Settings(token="secret-token-value", database_path="x.sqlite3")
    assert "secret-token-value" not in repr(settings) and "secret-token-value" not in str(settings)


def test_settings_from_env():
    s = Settings.from_env({"DISCORD_TOKEN": " abc ", "DEV_GUILD_ID": "42", "LOG_LEVEL": "debug"}, dotenv=False)
    assert (s.token, s.dev_guild_id, s.log_level, str(s.database_path)) == (
        "abc",
        42,
        "DEBUG",
        "data/studybot.sqlite3",
    )
    with pytest.raises(ConfigError, match="DEV_GUILD_ID"):
        Settings.from_env({"DEV_GUILD_ID": "my server"}, dotenv=False)


def test_a_dotenv_in_the_working_folder_is_read_wherever_the_bot_is_installed(tmp_path):
    """A service started in its own folder (not the project's) reads the .env there."""
    (tmp_path / ".env").write_text("DATABASE_PATH=from-dotenv.sqlite3\nLOG_LEVEL=warning\n", encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if k not in {"DISCORD_TOKEN", "DATABASE_PATH", "LOG_LEVEL"}}
    proc = subprocess.run(
        [sys.executable, "-m", "bot", "check"], capture_output=True, text=True, cwd=tmp_path, env=env, timeout=60
    )
    assert proc.returncode == 0, proc.stderr
    assert "Database: from-dotenv.sqlite3 does not exist yet" in proc.stdout


def test_a_dotenv_in_a_parent_folder_is_not_read(tmp_path):
    """Only the working folder counts: a .env higher up (or the project's own) never leaks in."""
    (tmp_path / ".env").write_text("LOG_LEVEL=LOUD\n", encoding="utf-8")
    inner = tmp_path / "service"
    inner.mkdir()
    proc = run_cli(inner, "check")
    assert proc.returncode == 0, proc.stderr
