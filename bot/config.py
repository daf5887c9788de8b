"""Settings from the environment, with the working folder's .env file loaded by python-dotenv."""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from pathlib import Path

from bot.core.errors import BadInput
from bot.core.shards import ShardPlan, shard_plan

DEFAULT_DATABASE_PATH = Path("data") / "studybot.sqlite3"
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")
#: Each process keeps its share of Discord's 50 requests/s; past this many the shares get too thin
#: to post a quiz question promptly (see bot.core.budget.global_bucket).
MAX_PROCESSES = 40
#: SQLITE_SYNCHRONOUS: NORMAL (default) keeps every commit through a crash of the bot or a kill;
#: FULL also through a power cut or an operating-system crash, at the price of a disk flush per commit.
SQLITE_SYNCHRONOUS = ("NORMAL", "FULL")


class ConfigError(ValueError):
    """A setting has a value the bot cannot use; the message says which and why."""


@dataclass(frozen=True, slots=True)
class Settings:
    token: str | None = None
    database_path: Path = DEFAULT_DATABASE_PATH
    dev_guild_id: int | None = None
    log_level: str = "INFO"
    new_cards_per_day: int = 10
    application_id: int | None = None
    #: postgresql://user:password@host:port/dbname selects PostgreSQL; None means SQLite at database_path.
    database_url: str | None = None
    #: SHARD_COUNT: the bot's total number of shards (None: Discord's recommended count, all here).
    shard_count: int | None = None
    #: SHARD_IDS: the shards this process runs (None: all of them).
    shard_ids: tuple[int, ...] | None = None
    #: PROCESS_COUNT: how many processes share the bot's request budget (None: from the shards).
    process_count: int | None = None
    #: SQLite's durability level (see SQLITE_SYNCHRONOUS); PostgreSQL ignores it.
    sqlite_synchronous: str = "NORMAL"

    def __post_init__(self) -> None:
        object.__setattr__(self, "database_path", Path(self.database_path))
        if self.shard_ids is not None:
            object.__setattr__(self, "shard_ids", tuple(self.shard_ids))

    @property
    def shards(self) -> ShardPlan:
        """The shards this process runs (`bot.core.shards`)."""
        return ShardPlan(self.shard_count, self.shard_ids)

    @property
    def processes(self) -> int:
        """How many processes share the bot's global request budget: PROCESS_COUNT, else as many
        as it takes to run every shard in ranges the size of this one's (SHARD_COUNT / len(SHARD_IDS),
        rounded up), else 1."""
        if self.process_count is not None:
            return self.process_count
        if self.shard_count is not None and self.shard_ids:
            return -(-self.shard_count // len(self.shard_ids))
        return 1

    def __repr__(self) -> str:  # never print the token, even by accident
        hidden = "set" if self.token else "missing"
        return (
            f"Settings(token=<{hidden}>, database_path={str(self.database_path)!r}, "
            f"dev_guild_id={self.dev_guild_id}, log_level={self.log_level!r}, "
            f"new_cards_per_day={self.new_cards_per_day}, application_id={self.application_id}, "
            f"database_url={self.database_where!r}, sqlite_synchronous={self.sqlite_synchronous!r}, "
            f"shard_count={self.shard_count}, shard_ids={self.shard_ids}, process_count={self.process_count})"
        )

    @property
    def database_where(self) -> str:
        """Where the data lives, for messages and logs: never a password."""
        if self.database_url:
            from bot.storage.postgres import describe_url

            return "PostgreSQL " + describe_url(self.database_url)
        return str(self.database_path)

    @property
    def secrets(self) -> tuple[str, ...]:
        """What must never reach a log line: the token and the database password."""
        from urllib.parse import unquote, urlsplit

        password = urlsplit(self.database_url).password if self.database_url else None
        return tuple(s for s in (self.token, password, password and unquote(password)) if s)

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None, *, dotenv: bool = True) -> Settings:
        """Read settings from `env` (default: os.environ after loading the working folder's .env).

        Only `./.env` is read: python-dotenv's default search starts at the calling module's file, so
        a bot installed elsewhere (or a service started in its own folder) would never see it.
        Variables already set in the environment win over the file.
        """
        if env is None:
            if dotenv:
                from dotenv import load_dotenv

                load_dotenv(Path.cwd() / ".env", override=False)
            env = dict(os.environ)

        def get(name: str) -> str | None:
            value = env.get(name, "").strip()
            return value or None

        guild = get("DEV_GUILD_ID")
        if guild is not None and not guild.isdigit():
            raise ConfigError(f"DEV_GUILD_ID must be a server id (digits only), not {guild!r}.")
        application = get("APPLICATION_ID")
        if application is not None and not application.isdigit():
            raise ConfigError(
                f"APPLICATION_ID must be the application's id (digits only, Developer Portal -> General "
                f"Information), not {application!r}."
            )
        level = (get("LOG_LEVEL") or "INFO").upper()
        if level not in LOG_LEVELS:
            raise ConfigError(f"LOG_LEVEL must be one of {', '.join(LOG_LEVELS)}, not {level!r}.")
        per_day = get("NEW_CARDS_PER_DAY") or "10"
        if not per_day.isdigit() or not 0 <= int(per_day) <= 200:
            raise ConfigError(f"NEW_CARDS_PER_DAY must be a whole number from 0 to 200, not {per_day!r}.")
        url = get("DATABASE_URL")
        if url is not None and not url.startswith(("postgresql://", "postgres://")):
            raise ConfigError(
                "DATABASE_URL must look like postgresql://user:password@host:5432/dbname "
                "(leave it empty to use SQLite at DATABASE_PATH)."
            )
        try:
            plan = shard_plan(get("SHARD_COUNT"), get("SHARD_IDS"))
        except BadInput as exc:
            raise ConfigError(str(exc)) from None
        processes = get("PROCESS_COUNT")
        if processes is not None and (not processes.isdigit() or not 1 <= int(processes) <= MAX_PROCESSES):
            raise ConfigError(
                f"PROCESS_COUNT must be a whole number from 1 to {MAX_PROCESSES} (how many processes run "
                f"the bot together), not {processes!r}."
            )
        synchronous = (get("SQLITE_SYNCHRONOUS") or "NORMAL").upper()
        if synchronous not in SQLITE_SYNCHRONOUS:
            raise ConfigError(
                f"SQLITE_SYNCHRONOUS must be NORMAL (survives a crash of the bot) or FULL (survives a power "
                f"cut too, a little slower), not {synchronous!r}."
            )
        return cls(
            token=get("DISCORD_TOKEN"),
            database_path=Path(get("DATABASE_PATH") or DEFAULT_DATABASE_PATH),
            dev_guild_id=int(guild) if guild else None,
            log_level=level,
            new_cards_per_day=int(per_day),
            application_id=int(application) if application else None,
            database_url=url,
            shard_count=plan.count,
            shard_ids=plan.ids,
            process_count=int(processes) if processes else None,
            sqlite_synchronous=synchronous,
        )


class HidingFormatter(logging.Formatter):
    """Replaces secrets (the token) wherever they appear in a formatted line, tracebacks included."""

    def __init__(self, fmt: str, secrets: tuple[str | None, ...]) -> None:
        super().__init__(fmt)
        self.secrets = tuple(s for s in secrets if s)

    def format(self, record: logging.LogRecord) -> str:
        text = super().format(record)
        for secret in self.secrets:
            text = text.replace(secret, "[hidden]")
        return text


def configure_logging(level: str, *, hide: tuple[str | None, ...] = ()) -> None:
    """Log to stderr at `level`; any string in `hide` (pass the token) never reaches the output."""
    handler = logging.StreamHandler()
    handler.setFormatter(HidingFormatter("%(asctime)s %(levelname)-7s %(name)s: %(message)s", hide))
    logging.basicConfig(level=getattr(logging, level, logging.INFO), handlers=[handler])
    # discord.py's gateway chatter is noise at INFO for a classroom bot.
    logging.getLogger("discord").setLevel(max(logging.WARNING, logging.getLogger().level))
