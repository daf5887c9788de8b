"""`python -m bot import` and the ids the command line takes, run as an operator would."""

from __future__ import annotations

import sqlite3

import pytest

from tests.test_cli import run_cli

SERVER = "1456074443980800016"  # a real-looking server id (a snowflake from 2026)


def test_import_notes_names_the_decks_in_use_already_have(tmp_path):
    (tmp_path / "mine.csv").write_text("term,definition\nCRM,Our own words for it.\nLapse ratio,Cards left.\n")
    proc = run_cli(tmp_path, "import", "mine.csv", "--name", "Mine", "--guild", SERVER)
    assert proc.returncode == 0, proc.stderr
    assert "Imported 'Mine' for server" in proc.stdout
    assert "Note: 1 of its terms shares a name with a deck in use on that server (CRM)" in proc.stdout
    # The same check with --use: against the decks in use before this one, not against itself.
    (tmp_path / "more.csv").write_text("term,definition\nGlimmer score,A survey figure.\n")
    more = run_cli(tmp_path, "import", "more.csv", "--name", "More", "--guild", SERVER, "--use")
    assert more.returncode == 0, more.stderr
    assert "Note" not in more.stdout


def test_import_refuses_the_built_in_decks_name(tmp_path):
    (tmp_path / "mine.csv").write_text("term,definition\nLapse ratio,Cards left.\n")
    proc = run_cli(tmp_path, "import", "mine.csv", "--name", "customer relations", "--guild", SERVER)
    assert proc.returncode == 1 and "kept for the built-in deck" in proc.stderr
    assert not (tmp_path / "data").exists()


def test_an_unquoted_comma_is_reported_once_with_the_fix(tmp_path):
    (tmp_path / "mine.csv").write_text("term,definition\nUpsell,Selling more, or better, to a customer.\n")
    proc = run_cli(tmp_path, "import", "mine.csv", "--name", "Mine", "--guild", SERVER)
    assert proc.returncode == 1
    problems = [line for line in proc.stderr.splitlines() if line.startswith("  ")]
    assert len(problems) == 1 and problems[0].startswith("  line 2: this line has 4 fields")
    assert "double quotes" in problems[0]


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (("import", "x.csv", "--name", "X", "--guild", "123"), "'123' is not a Discord id (a Discord id has 17"),
        (
            ("import", "x.csv", "--name", "X", "--guild", "my server"),
            "is not a Discord id (a Discord id is a number)",
        ),
        (("import", "x.csv", "--name", "X", "--guild", "99999999999999999999"), "past any Discord id"),
        (("invite", "--client-id", "12"), "'12' is not a Discord id"),
    ],
)
def test_ids_that_cannot_be_discord_ids_are_refused(tmp_path, args, expected):
    (tmp_path / "x.csv").write_text("term,definition\nA,b\n")
    proc = run_cli(tmp_path, *args)
    assert proc.returncode == 2 and expected in proc.stderr and "Traceback" not in proc.stderr
    assert ("Copy Server ID" if args[0] == "import" else "Application ID") in proc.stderr
    assert not (tmp_path / "data").exists()


def test_an_application_id_setting_that_cannot_be_an_id_is_refused(tmp_path):
    proc = run_cli(tmp_path, "invite", APPLICATION_ID="42")
    assert proc.returncode == 1 and "APPLICATION_ID 42 is not a Discord id" in proc.stderr
    assert "discord.com/oauth2" not in proc.stdout


def test_a_server_id_is_accepted_as_discord_shows_it(tmp_path):
    (tmp_path / "x.csv").write_text("term,definition\nA,b\n")
    proc = run_cli(tmp_path, "import", "x.csv", "--name", "X", "--guild", SERVER)
    assert proc.returncode == 0, proc.stderr
    with sqlite3.connect(tmp_path / "data" / "bot.sqlite3") as conn:
        assert conn.execute("SELECT guild_id FROM server_decks").fetchall() == [(int(SERVER),)]
