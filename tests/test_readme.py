"""The README names every command a user has: each slash command and each command-line command."""

from __future__ import annotations

from pathlib import Path

from bot.__main__ import build_parser
from bot.app import create_bot
from bot.config import Settings

README = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")


async def test_every_slash_command_is_in_the_readme(tmp_path):
    bot = create_bot(Settings(token=None, database_path=tmp_path / "x.sqlite3"), commands_only=True)
    await bot.setup_hook()
    names = []
    for command in bot.tree.get_commands():
        names += [f"{command.name} {sub.name}" for sub in getattr(command, "commands", ())] or [command.name]
    assert len(names) > 20
    missing = [name for name in names if f"`/{name}" not in README]
    assert missing == []


def test_every_command_line_command_is_in_the_readme():
    parser = build_parser()
    choices = next(a for a in parser._subparsers._group_actions).choices  # argparse keeps them here
    missing = [name for name in choices if f"`python -m bot {name}" not in README]
    assert missing == []
