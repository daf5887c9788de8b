"""Command line: python -m bot [run|check|define|sync|playground|backup|invite|import|migrate-data] ...

Only `run`, `sync`, `playground` and `invite` import discord.py, so `check` and `define` start fast.
The database commands (`check`, `backup`, `migrate-data`) are in `bot.cli_database`.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
from pathlib import Path

from bot.cli_database import check_database, cmd_backup, cmd_check, cmd_migrate_data
from bot.cli_database import fail as _fail
from bot.config import ConfigError, Settings, configure_logging

NO_TOKEN = (
    "No Discord token: set DISCORD_TOKEN in a .env file (copy .env.example) or the environment. "
    "Get one at https://discord.com/developers/applications -> your app -> Bot -> Reset Token. "
    "To try the bot without a token, run: python -m bot playground"
)


def cmd_run(settings: Settings, args) -> int:
    if not settings.token:
        return _fail(NO_TOKEN, 2)
    import discord

    from bot.app import create_bot
    from bot.storage import StorageError

    configure_logging(settings.log_level, hide=settings.secrets)
    try:
        # Before logging in to Discord: a wrong DATABASE_URL is one clear line, with or without a network.
        asyncio.run(check_database(settings))
    except StorageError as exc:
        return _fail(str(exc))
    bot = create_bot(settings)
    bot.settle_heap_when_ready = True
    try:
        bot.run(settings.token, log_handler=None)
    except StorageError as exc:  # e.g. DATABASE_URL unreachable: one line, never the password
        return _fail(str(exc))
    except discord.LoginFailure:
        return _fail("Discord rejected DISCORD_TOKEN. Reset the token in the Developer Portal and update .env.")
    except discord.PrivilegedIntentsRequired:
        return _fail("Discord refused the bot's intents; check the Bot page of the Developer Portal.")
    return 0


NO_CLIENT_ID = (
    "No application id: pass --client-id, set APPLICATION_ID in .env, or set DISCORD_TOKEN (the id is "
    "read from it). Find it at https://discord.com/developers/applications -> your app -> General "
    "Information -> Application ID."
)


DISCORD_EPOCH_MS = 1_420_070_400_000  # the first second of 2015, where Discord ids start counting
SERVER_ID_HINT = (
    "in Discord, turn on Developer Mode (Settings → Advanced), right-click the server and Copy Server ID"
)
APP_ID_HINT = (
    "copy the Application ID from https://discord.com/developers/applications → your app → General Information"
)


def snowflake_problem(value: int | str) -> str | None:
    """Why `value` cannot be a Discord id (a snowflake), or None if it can."""
    text = str(value).strip()
    if not (text.isascii() and text.isdigit()):
        return "a Discord id is a number"
    if not 17 <= len(text) <= 20:
        return f"a Discord id has 17 to 20 digits, this has {len(text)}"
    created_ms = (int(text) >> 22) + DISCORD_EPOCH_MS
    if int(text) >= 2**63 or created_ms > (time.time() + 86_400) * 1000:
        return "that number is past any Discord id so far"
    return None


def snowflake(hint: str):
    """An argparse type for a Discord id; a bad one gets what it should look like and where to copy it."""

    def parse(text: str) -> int:
        problem = snowflake_problem(text)
        if problem is not None:
            raise argparse.ArgumentTypeError(f"{text!r} is not a Discord id ({problem}): {hint}")
        return int(text)

    return parse


def application_id_from_token(token: str | None) -> int | None:
    """The bot's id, which Discord puts base64-encoded before the first dot of its token."""
    import base64
    import binascii

    head = (token or "").split(".", 1)[0]
    try:
        text = base64.b64decode(head + "=" * (-len(head) % 4), validate=True).decode("ascii")
    except (binascii.Error, UnicodeDecodeError):
        return None
    return int(text) if text.isdigit() else None


def cmd_invite(settings: Settings, args) -> int:
    from bot.permissions import INVITE, invite_url

    client_id, source = args.client_id, "--client-id"
    if client_id is None:
        client_id, source = settings.application_id, "APPLICATION_ID"
    if client_id is None:
        # Very old applications have a bot id that differs from the application id: use --client-id then.
        client_id, source = application_id_from_token(settings.token), "DISCORD_TOKEN"
    if client_id is None:
        return _fail(NO_CLIENT_ID)
    if (problem := snowflake_problem(client_id)) is not None:
        return _fail(f"{source} {client_id} is not a Discord id ({problem}): {APP_ID_HINT}.")
    print(invite_url(client_id))
    names = ", ".join(name.replace("_", " ").title() for name in INVITE)
    print(
        f"Application id {client_id} (from {source}). Open the link, pick your server and keep every box "
        f"ticked ({names}).",
        file=sys.stderr,
    )
    return 0


def cmd_define(settings: Settings, args) -> int:
    import content
    from bot.core.lookup import TermIndex

    deck = content.load_deck()
    result = TermIndex(deck.terms).lookup(args.query)
    if args.json:
        match = result.match
        print(
            json.dumps(
                {
                    "query": args.query,
                    "match": None
                    if match is None
                    else {
                        "id": match.id,
                        "name": match.name,
                        "aliases": list(match.aliases),
                        "definition": match.definition,
                        "topic": match.topic,
                    },
                    "suggestions": [t.name for t in result.suggestions],
                },
                ensure_ascii=False,
            )
        )
        return 0 if match else 1
    if result.match is None:
        print(f"No term matches {args.query!r}.")
        if result.suggestions:
            print("Did you mean: " + ", ".join(t.name for t in result.suggestions) + "?")
        return 1
    term = result.match
    print(term.name + (f" ({', '.join(term.aliases)})" if term.aliases else ""))
    print(term.definition)
    if term.example:
        print(f"Example: {term.example}")
    print(f"Topic: {deck.topic_name(term.topic)}")
    return 0


def cmd_sync(settings: Settings, args) -> int:
    if not settings.token:
        return _fail(NO_TOKEN, 2)
    import discord

    from bot.app import create_bot, publish_commands

    configure_logging(settings.log_level, hide=settings.secrets)
    guild_id = args.guild or settings.dev_guild_id

    async def sync() -> list:
        # commands_only: the running bot's database is neither opened nor migrated.
        bot = create_bot(settings, commands_only=True)
        async with bot:
            await bot.login(settings.token)
            return await publish_commands(bot, guild_id)

    try:
        synced = asyncio.run(sync())
    except discord.LoginFailure:
        return _fail("Discord rejected DISCORD_TOKEN. Reset the token in the Developer Portal and update .env.")
    where = f"server {guild_id}" if guild_id else "every server (may take up to an hour to appear)"
    print(f"Synced {len(synced)} commands to {where}.")
    return 0


def cmd_import(settings: Settings, args) -> int:
    """Import a term list for one server, exactly as /deck import does (operator's route)."""
    from datetime import UTC, datetime

    import content
    from bot.core.errors import BadInput
    from bot.decks import DeckLibrary, ServerDeck, check_name, clash_note
    from bot.storage import StorageError, open_database
    from bot.storage.decks import DeckStore
    from content.importer import MAX_BYTES, ImportProblems, parse_term_file

    builtin = content.load_deck()
    try:
        name = check_name(args.name, builtin.name)
        if args.file.stat().st_size > MAX_BYTES:
            return _fail(f"{args.file} is larger than 1 MB (about 2,000 terms); split it into smaller decks.")
        data = args.file.read_bytes()
    except BadInput as exc:
        return _fail(str(exc))
    except OSError as exc:
        return _fail(f"cannot read {args.file}: {exc.strerror or exc}")
    try:
        terms = parse_term_file(data, args.file.name)
    except ImportProblems as exc:
        print(f"error: {args.file} was not imported; nothing was stored:", file=sys.stderr)
        for problem in exc.problems:
            print(f"  {problem}", file=sys.stderr)
        return 1

    async def store() -> int:
        db = await open_database(settings)
        try:
            await db.migrate()
            decks = DeckStore(db)
            if await decks.find(args.guild, name) is not None:
                return _fail(f"server {args.guild} already has a deck called {name!r}; choose another name.")
            # The same check as /deck import, against the decks in use there before this one.
            library = DeckLibrary(ServerDeck.of(builtin), decks)
            await library.load()
            clashes = await library.clashes(args.guild, terms)
            info = await decks.add(args.guild, name, terms, created_by=0, now=datetime.now(UTC), use=args.use)
        finally:
            await db.close()
        state = "in use" if args.use else "not in use yet (/deck use in Discord)"
        print(f"Imported {name!r} for server {args.guild}: {info.term_count} terms, {state}.")
        if args.use:
            print("A running bot picks it up at its next start or the next /deck command there.")
        if clashes:
            print("Note: " + clash_note(clashes, where="on that server"))
        return 0

    try:
        return asyncio.run(store())
    except StorageError as exc:
        return _fail(str(exc))


def cmd_playground(settings: Settings, args) -> int:
    from bot.playground import run_playground

    return run_playground(settings, port=args.port, database_path=args.database)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bot", description="Customer Relations study bot")
    sub = parser.add_subparsers(dest="command")
    sub.add_parser("run", help="connect to Discord and run the bot (default)")
    sub.add_parser("check", help="validate the deck and report on the database (read-only)")
    define = sub.add_parser("define", help="look up a term, like /define")
    define.add_argument("query")
    define.add_argument(
        "--json", action="store_true", help="print one JSON object (the exit status is 1 when no term matches)"
    )
    sync = sub.add_parser("sync", help="publish the slash commands to Discord")
    sync.add_argument("--guild", type=int, help="sync to this server only (instant)")
    play = sub.add_parser("playground", help="try the bot offline in your browser, no token needed")
    play.add_argument("--port", type=int, help="local port for the page (default: a free one)")
    play.add_argument("--database", type=Path, help="database file (default: a fresh temporary one)")
    backup = sub.add_parser("backup", help="copy the database safely, even while the bot runs")
    # A str, not a Path: Path("backups/") drops the slash that says "a folder".
    backup.add_argument(
        "path", help="the new file, or a folder (an existing one, or ending in /): a dated file inside"
    )
    backup.add_argument("--force", action="store_true", help="replace the file if it exists")
    move = sub.add_parser(
        "migrate-data", help="move the SQLite database's data into an empty PostgreSQL database, checked"
    )
    move.add_argument(
        "--from", dest="source", type=Path, help="the SQLite file (default: DATABASE_PATH)", metavar="SQLITE_FILE"
    )
    move.add_argument(
        "--to", help="postgresql://user:password@host:port/dbname (default: DATABASE_URL)", metavar="DATABASE_URL"
    )
    imp = sub.add_parser("import", help="import a term list (CSV, TSV, Quizlet or Anki text) for one server")
    imp.add_argument("file", type=Path, help="the file, as /deck import takes it")
    imp.add_argument("--name", required=True, help="the deck's name, e.g. 'Unit 3 vocabulary'")
    imp.add_argument(
        "--guild",
        type=snowflake(SERVER_ID_HINT),
        required=True,
        help="the server's id (Developer Mode: right-click it)",
    )
    imp.add_argument("--use", action="store_true", help="also put the deck in use there")
    invite = sub.add_parser("invite", help="print the link that adds the bot to a server")
    invite.add_argument(
        "--client-id",
        type=snowflake(APP_ID_HINT),
        help="the application id (default: APPLICATION_ID or the token)",
    )
    return parser


COMMANDS = {
    None: cmd_run,
    "run": cmd_run,
    "check": cmd_check,
    "define": cmd_define,
    "sync": cmd_sync,
    "playground": cmd_playground,
    "backup": cmd_backup,
    "invite": cmd_invite,
    "import": cmd_import,
    "migrate-data": cmd_migrate_data,
}


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        settings = Settings.from_env()
    except ConfigError as exc:
        return _fail(str(exc))
    try:
        return COMMANDS[args.command](settings, args)
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
