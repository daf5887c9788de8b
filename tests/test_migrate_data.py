"""`python -m bot migrate-data`: a school's SQLite file moved into PostgreSQL, run as an operator
runs it (a subprocess), then read back through the bot's own storage on both engines."""

from __future__ import annotations

import asyncio
import hashlib
import json
import random
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

import content
from bot.core.quiz import period_key, period_keys
from bot.core.schedule import next_daily_run
from bot.core.srs import DEFAULT_SCHEDULER
from bot.decks import DeckLibrary, ServerDeck
from bot.storage.database import Database, load_migrations
from bot.storage.decks import DeckStore
from bot.storage.learn import LearnAnswer, LearnRepo
from bot.storage.postgres import PostgresDatabase
from bot.storage.privacy import PrivacyRepo
from bot.storage.quiz import AnswerRow, QuizRepo, write_answers
from bot.storage.schedules import ScheduleStore
from bot.storage.study import StudyRepo
from content.importer import ImportedTerm
from tests import pg_server
from tests.test_cli import run_cli

T0 = datetime(2026, 3, 2, 15, 0, tzinfo=UTC)  # a Monday afternoon
GUILDS = (1_100_000_000_000_000_001, 1_100_000_000_000_000_002, 1_100_000_000_000_000_003)
ZONES = ("Europe/Berlin", "America/New_York", "UTC")
MEMBERS = [900_000_000_000_000_000 + i for i in range(24)]


def member_of(guild_index: int) -> list[int]:
    return MEMBERS[guild_index * 8 : guild_index * 8 + 10]  # two members are in two servers


async def build_school(path: Path, *, seed: int = 5) -> dict:
    """A realistic school database, written by the bot's own repositories: three servers with
    rounds and answers over several weeks, flashcards and their log, tests and games, decks (one
    removed, so SQLite's counter is past the highest id left), schedules, daily posts, learn
    sessions and FSRS parameters. Returns what the test needs to know about it."""
    rng = random.Random(seed)
    deck = content.load_deck()
    term_ids = [t.id for t in deck.terms]
    db = await Database.open(path)
    await db.migrate()
    quiz, study, schedules, decks, learn = (
        QuizRepo(db),
        StudyRepo(db),
        ScheduleStore(db),
        DeckStore(db),
        LearnRepo(db),
    )
    removed_deck = 0
    for g, (guild, zone_name) in enumerate(zip(GUILDS, ZONES, strict=True)):
        zone = ZoneInfo(zone_name)
        await schedules.set_timezone(guild, zone, T0 - timedelta(days=60))
        members = member_of(g)
        for r in range(8):
            started = T0 - timedelta(days=7 * r + g, hours=r)
            round_id = await quiz.create_round(
                guild_id=guild,
                channel_id=guild + 10,
                started_by=members[0],
                topic=None if r % 2 else "loyalty",
                mode="mixed",
                question_count=10,
                seconds=20,
                started_at_ms=int(started.timestamp() * 1000),
            )
            rows = []
            for q in range(10):
                card = rng.choice(term_ids)
                for user in members:
                    if rng.random() < 0.2:
                        continue
                    when = started + timedelta(seconds=25 * q + rng.random() * 20)
                    correct = rng.random() < 0.65
                    rows.append(
                        AnswerRow(
                            round_id, q + 1, user, guild, card, rng.choice("ABCD") if q % 3 else "naïve → ✅ «x»",
                            correct, rng.randint(500, 1500) if correct else 0, rng.randint(900, 19_000),
                            int(when.timestamp() * 1000), period_keys(when, zone),
                        )
                    )  # fmt: skip
            await write_answers(db, rows)
            players = {(row.user_id, False) for row in rows}
            winner = max(rows, key=lambda row: row.points).user_id
            await quiz.finish_round(
                round_id,
                "finished" if r else "interrupted",
                int((started + timedelta(minutes=5)).timestamp() * 1000),
                guild,
                [(user, user == winner) for user, _ in players],
                period_keys(started, zone),
            )
        for user in members:
            times = sorted(
                T0 - timedelta(days=rng.randint(0, 40), seconds=rng.randint(0, 86_000)) for _ in range(12)
            )
            for at in times:
                await study.record_review(
                    user,
                    rng.choice(term_ids[:30]),
                    rng.randint(1, 5),
                    "review",
                    guild,
                    at,
                    scheduler=DEFAULT_SCHEDULER,
                )
            started = T0 - timedelta(days=rng.randint(0, 20))
            missed = rng.sample(term_ids, 3)
            await study.record_test_result(
                user, guild, questions=10, correct=7, started_at=started,
                finished_at=started + timedelta(minutes=3), mode="mixed", missed=missed,
            )  # fmt: skip
            await study.record_match_time(user, guild, rng.randint(8_000, 60_000), rng.randint(0, 3), started)
        await schedules.set_daily(guild, guild + 10, time(8, 30), None, T0 - timedelta(days=3))
        for day in range(3):
            local = (T0 - timedelta(days=day)).astimezone(zone).date()
            if await schedules.claim_daily_post(guild, local, term_ids[day], T0 - timedelta(days=day)):
                nxt = next_daily_run(T0, zone, time(8, 30), local)
                await schedules.mark_sent(guild, local, guild + 100 + day, T0 - timedelta(days=day), nxt)
        for k in range(3):
            await schedules.add_quiz_schedule(
                guild, guild + 10, frozenset({0, 2, 4}), time(9 + k, 15), questions=10, topic=None,
                mode="mixed", seconds=20, created_by=members[0], now=T0 - timedelta(days=10),
            )  # fmt: skip
        terms = [
            ImportedTerm(i + 2, f"Term {g}-{i} ✨", f"Definition {i}: «quoted», a\nsecond line", ("T" + str(i),))
            for i in range(30)
        ]
        info = await decks.add(guild, f"Unit {g} vocabulary", terms, created_by=members[0], now=T0, use=True)
        gone = await decks.add(guild, f"Old unit {g}", terms[:5], created_by=members[0], now=T0, use=False)
        await decks.remove(guild, gone.id)
        removed_deck = max(removed_deck, gone.id)
        await decks.select(guild, builtin=g != 1, deck_ids=[info.id], now=T0)
        learner = members[1]
        session = await learn.start(learner, 1, guild, None, "question", {"round": 1, "note": "ü"}, T0)
        for i in range(4):
            answer = LearnAnswer(learner, term_ids[40 + i], i % 2 == 0, guild, stage=None)
            session, _ = await learn.answer(
                session,
                answer,
                "question",
                {"round": 1, "i": i},
                T0 + timedelta(seconds=i),
                scheduler=DEFAULT_SCHEDULER,
            )
    await db.execute(
        "INSERT INTO fsrs_params (guild_id, parameters, checked_at, adopted_at, outcome, reviews, held_out,"
        " current_loss, current_rmse, fitted_loss, fitted_rmse) VALUES (?, ?, ?, ?, 'adopted', ?, ?, ?, ?, ?, ?)",
        (
            GUILDS[0],
            json.dumps([0.1 * i for i in range(21)]),
            1,
            2,
            3000,
            400,
            0.3240123456789,
            1 / 3,
            0.31,
            2e-17,
        ),
    )
    await db.close()
    return {"removed_deck": removed_deck}


async def empty_file(path: Path) -> None:
    db = await Database.open(path)
    await db.migrate()
    await db.close()


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


async def figures(db) -> dict:
    """What members and teachers see, read through the bot's storage: leaderboards, ranks,
    progress, cards and their history, schedules, decks and the deck library, exports."""
    quiz, study, schedules, decks = QuizRepo(db), StudyRepo(db), ScheduleStore(db), DeckStore(db)
    library = DeckLibrary(ServerDeck.of(content.load_deck()), decks)
    await library.load()
    seen: dict = {}
    for g, guild in enumerate(GUILDS):
        zone = ZoneInfo(ZONES[g])
        for period in ("week", "month", "all"):
            key = period_key(period, T0, zone) if period != "all" else "all"
            for sort in ("points", "accuracy", "rounds_won"):
                seen[guild, key, sort] = await quiz.leaderboard(guild, key, sort, limit=25)
                for user in member_of(g):
                    seen[guild, key, sort, user] = await quiz.standing_of(guild, key, sort, user)
            seen[guild, key, "players"] = await quiz.count_players(guild, key)
        seen[guild, "missed"] = await quiz.missed_terms(guild, None)
        seen[guild, "schedules"] = await schedules.list_quiz_schedules(guild)
        seen[guild, "daily"] = await schedules.get_daily(guild)
        seen[guild, "decks"] = await decks.list(guild)
        server = await library.for_guild(guild)
        seen[guild, "library"] = [(t.id, t.name, t.definition, t.aliases, t.topic) for t in server.deck.terms]
        seen[guild, "fastest"] = await study.fastest_matches(guild)
    for user in MEMBERS:
        seen[user, "progress"] = await study.progress(user, T0)
        seen[user, "cards"] = await study.get_cards(user)
        seen[user, "totals"] = await quiz.member_totals(user)
        seen[user, "head"] = await study.review_head(user)
        seen[user, "history"] = [await study.card_history(user, card) for card in sorted(seen[user, "cards"])]
        # The export lists rows in no particular order (each engine picks its own): compare as sets.
        export = await PrivacyRepo(db).export(user)
        seen[user, "export"] = {table: sorted(rows, key=repr) for table, rows in export.items()}
    seen["due"] = [s.id for s in await schedules.due_quiz_schedules(T0 + timedelta(days=7))]
    return seen


def test_migrate_data_moves_a_school_and_the_bot_reads_the_same_figures_on_postgres(tmp_path, pg_databases):
    source = tmp_path / "school.sqlite3"
    facts = asyncio.run(build_school(source))
    before = digest(source)
    url = pg_databases.create(migrated=False)  # a new, empty database: migrate-data builds the schema
    try:
        # The URL comes from DATABASE_URL (as in .env), so no password is on the command line.
        proc = run_cli(tmp_path, "migrate-data", "--from", str(source), DATABASE_URL=url)
        assert proc.returncode == 0, proc.stderr
        assert "quiz_answers: " in proc.stdout and "the same on both sides" in proc.stdout
        assert "every table has the same row count and checksum on both sides" in proc.stdout
        assert digest(source) == before, "the SQLite file is only read"

        async def compare():
            sqlite = await Database.open(source)
            postgres = await PostgresDatabase.open(url)
            try:
                assert await postgres.schema_version() == load_migrations()[-1].version
                on_sqlite, on_postgres = await figures(sqlite), await figures(postgres)
                assert on_postgres == on_sqlite
                assert on_sqlite[GUILDS[0], "all", "points"], "the school has a leaderboard to compare"
                assert sum(len(v) for k, v in on_sqlite.items() if k[1:] == ("cards",)) > 100
                counts = await sqlite.table_counts()
                assert {
                    k: v for k, v in (await postgres.table_counts()).items() if k != "schema_version"
                } == counts
                assert counts["quiz_answers"] > 1000 and counts["study_reviews"] > 200
                # New rows continue after the copied ids, and a removed deck's id is never handed out again.
                new_deck = await DeckStore(postgres).add(
                    GUILDS[0], "After the move", [ImportedTerm(2, "A", "B")], created_by=1, now=T0
                )
                assert new_deck.id > facts["removed_deck"]
                highest = (await sqlite.fetchone("SELECT MAX(id) FROM study_reviews"))[0]
                await StudyRepo(postgres).record_review(
                    MEMBERS[0], "x", 4, "review", GUILDS[0], T0, scheduler=DEFAULT_SCHEDULER
                )
                assert await StudyRepo(postgres).review_head(MEMBERS[0]) == highest + 1
            finally:
                await sqlite.close()
                await postgres.close()

        pg_server.run_sync(compare)

        again = run_cli(tmp_path, "migrate-data", "--from", str(source), "--to", url)
        assert again.returncode == 1
        [refusal, nothing] = again.stderr.strip().splitlines()
        assert refusal.startswith("error: The PostgreSQL database at ") and "already holds data" in refusal
        assert "quiz_answers (1,000+ rows)" in refusal and nothing.startswith("Nothing was committed")
    finally:
        pg_databases.drop(url)


def test_a_file_at_an_older_schema_is_migrated_in_a_copy_and_the_file_is_left_alone(tmp_path, pg_databases):
    source = tmp_path / "old.sqlite3"

    async def build():
        db = await Database.open(source)
        await db.migrate(load_migrations()[:4])
        await db.execute("INSERT INTO guild_settings (guild_id, timezone, updated_at) VALUES (7, 'Asia/Tokyo', 1)")
        await db.execute(
            "INSERT INTO study_matches (user_id, guild_id, elapsed_ms, penalties, finished_at) VALUES (1, 7, 9000, 1, 5)"
        )
        await db.close()

    asyncio.run(build())
    before = digest(source)
    url = pg_databases.create()  # already at the latest schema, and empty: also accepted
    try:
        proc = run_cli(tmp_path, "migrate-data", "--from", str(source), "--to", url)
        assert proc.returncode == 0, proc.stderr
        assert digest(source) == before
        assert pg_server.query(url, "SELECT guild_id, timezone, builtin_deck FROM guild_settings") == [
            (7, "Asia/Tokyo", 1)
        ], "the copy was migrated (builtin_deck came with 0005) before it was moved"
    finally:
        pg_databases.drop(url)


def _one_bad_file(tmp_path) -> Path:
    """SQLite keeps whatever a column is given: text in an integer column, for one."""
    source = tmp_path / "bad.sqlite3"

    async def build():
        db = await Database.open(source)
        await db.migrate()
        await db.execute(
            "INSERT INTO study_matches (user_id, guild_id, elapsed_ms, penalties, finished_at) VALUES (1, 7, 9000, 1, 5)"
        )
        await db.execute(
            "INSERT INTO study_matches (user_id, guild_id, elapsed_ms, penalties, finished_at)"
            " VALUES (2, 7, 'slow', 0, 6)"
        )
        await db.execute(
            "INSERT INTO study_cards (user_id, card_id, state, step, stability, difficulty, due, last_review,"
            " introduced_at, introduced_via) VALUES (3, 'crm', 2, NULL, 'stable', 5.0, 10, 9, 1, 'review')"
        )
        await db.close()

    asyncio.run(build())
    return source


def test_values_postgres_cannot_take_are_named_one_line_each_and_nothing_is_committed(tmp_path, pg_databases):
    source = _one_bad_file(tmp_path)
    url = pg_databases.create(migrated=False)
    try:
        proc = run_cli(tmp_path, "migrate-data", "--from", str(source), "--to", url)
        assert proc.returncode == 1
        lines = proc.stderr.strip().splitlines()
        assert lines == [
            "error: table study_cards, row (user_id=3, card_id='crm'): column stability holds 'stable', not a number",
            "error: table study_matches, row (id=2): column elapsed_ms holds 'slow', not a whole number",
            "Nothing was committed: the PostgreSQL database is as it was.",
        ]
        assert pg_server.query(url, "SELECT COUNT(*) FROM study_matches") == [(0,)], "not even the good row"
    finally:
        pg_databases.drop(url)


@pytest.mark.parametrize(
    ("trigger", "expected"),
    [
        # Stand for a copy that lost or changed rows on the way (a bug, a trigger, a broken disk).
        ("NEW.penalties := NEW.penalties + 1; RETURN NEW;", "the rows differ after the copy"),
        ("IF NEW.user_id = 2 THEN RETURN NULL; END IF; RETURN NEW;", "3 rows in SQLite but 2 in PostgreSQL"),
    ],
)
def test_a_copy_that_does_not_match_row_by_row_is_rolled_back(tmp_path, pg_databases, trigger, expected):
    source = tmp_path / "school.sqlite3"

    async def build():
        db = await Database.open(source)
        await db.migrate()
        for user in (1, 2, 3):
            await StudyRepo(db).record_match_time(user, 7, 9000 + user, 1, T0)
        await db.close()

    asyncio.run(build())
    url = pg_databases.create()
    try:
        pg_server.execute_many(
            url, f"CREATE FUNCTION meddle() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN {trigger} END $$", [()]
        )
        pg_server.execute_many(
            url,
            "CREATE TRIGGER meddle BEFORE INSERT ON study_matches FOR EACH ROW EXECUTE FUNCTION meddle()",
            [()],
        )
        proc = run_cli(tmp_path, "migrate-data", "--from", str(source), "--to", url)
        assert proc.returncode == 1
        [problem, nothing] = proc.stderr.strip().splitlines()
        assert problem.startswith("error: table study_matches: ") and expected in problem
        assert nothing.startswith("Nothing was committed")
        assert pg_server.query(url, "SELECT COUNT(*) FROM study_matches") == [(0,)]
    finally:
        pg_databases.drop(url)


def test_an_unreachable_target_or_a_missing_file_is_one_line_without_the_password(tmp_path, pg_databases):
    source = tmp_path / "school.sqlite3"
    asyncio.run(empty_file(source))
    proc = run_cli(
        tmp_path,
        "migrate-data",
        "--from",
        str(source),
        DATABASE_URL="postgresql://school:hunter2pw@127.0.0.1:1/bot",
    )
    assert proc.returncode == 1
    assert proc.stderr.count("\n") == 1 and "school@127.0.0.1:1/bot" in proc.stderr
    assert "hunter2pw" not in proc.stdout + proc.stderr and "Traceback" not in proc.stderr
    missing = run_cli(
        tmp_path, "migrate-data", "--from", "nowhere.sqlite3", "--to", "postgresql://x@127.0.0.1:1/y"
    )
    assert missing.returncode == 1 and "There is no SQLite database at nowhere.sqlite3" in missing.stderr
    nowhere = run_cli(tmp_path, "migrate-data", "--from", str(source))
    assert nowhere.returncode == 1 and "DATABASE_URL" in nowhere.stderr and "--to" in nowhere.stderr


def test_the_checksum_reads_values_the_same_way_on_both_engines():
    from bot.storage.transfer import canonical

    assert canonical(5, "double precision") == canonical(5.0, "double precision")
    assert canonical(0.1 + 0.2, "double precision") != canonical(0.3, "double precision")
    assert canonical(None, "text") != canonical("", "text") != canonical("None", "text")
    assert canonical("1", "text") != canonical(1, "bigint")
    assert canonical("a;b", "text") != canonical("a", "text") + canonical("b", "text")
