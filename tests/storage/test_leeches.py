"""Lapses and leeches on real databases: every rating path counts lapses into the card, the
migration counts them from the existing log by the same rule, the class's leeches for teachers
(on an index), and the "study it again" bookkeeping (issue 14)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from fsrs import Rating

from bot.config import Settings
from bot.core import srs
from bot.storage import open_database
from bot.storage.database import load_migrations
from bot.storage.leeches import Leech, LeechRepo
from bot.storage.postgres import PG_MIGRATIONS_DIR
from tests.storage.engine import plan_of, uses_index

ALICE, BOB, CAROL = 11, 12, 13
GUILD, OTHER = 900, 901
NOW = datetime(2026, 3, 10, 15, 30, tzinfo=UTC)
DEFAULT = srs.DEFAULT_SCHEDULER


async def forget(repo, user_id: int, card_id: str, times: int, start: datetime, guild_id=GUILD) -> datetime:
    """Learn the card, then forget it `times` times, each a few days after it was relearned."""
    at = start
    await repo.record_review(user_id, card_id, 5, "review", guild_id, at, scheduler=DEFAULT)
    for _ in range(times):
        at += timedelta(days=3)
        await repo.record_answer(user_id, card_id, False, "test", guild_id, at, scheduler=DEFAULT)
        at += timedelta(hours=1)
        await repo.record_review(user_id, card_id, 4, "review", guild_id, at, scheduler=DEFAULT)
    return at


async def test_every_rating_path_counts_lapses_into_the_card(repo):
    at = await forget(repo, ALICE, "clv", 2, NOW)
    card = (await repo.get_cards(ALICE))["clv"]
    assert card.lapses == 2 and not card.leech
    # A miss within the day of the previous review is no lapse (here, minutes after relearning).
    await repo.record_review(ALICE, "clv", 1, "review", GUILD, at + timedelta(minutes=5), scheduler=DEFAULT)
    assert (await repo.get_cards(ALICE))["clv"].lapses == 2
    # A channel quiz miss days later is one.
    await repo.record_quiz_question("clv", [(ALICE, False)], GUILD, at + timedelta(days=4), scheduler=DEFAULT)
    card = (await repo.get_cards(ALICE))["clv"]
    assert card.lapses == 3
    assert await repo.replay_card(ALICE, "clv") == card, "the log replays to the same count"


async def test_the_class_leeches_for_teachers(db, repo):
    await forget(repo, ALICE, "clv", 8, NOW)
    await forget(repo, ALICE, "nps", 9, NOW)
    await forget(repo, ALICE, "crm", 7, NOW)  # not yet
    await forget(repo, BOB, "clv", 8, NOW, guild_id=None)  # in DMs only ...
    await repo.record_answer(BOB, "churn", True, "quiz", GUILD, NOW, scheduler=DEFAULT)  # ... but in the class
    await forget(repo, CAROL, "clv", 10, NOW, guild_id=OTHER)  # another server's member
    leeches = LeechRepo(db)
    assert await leeches.leeches(GUILD) == [Leech(ALICE, "nps", 9), Leech(ALICE, "clv", 8), Leech(BOB, "clv", 8)]
    assert await leeches.leeches(OTHER) == [Leech(CAROL, "clv", 10)]
    assert await leeches.leeches(GUILD, user_ids=[BOB, CAROL]) == [Leech(CAROL, "clv", 10), Leech(BOB, "clv", 8)]
    assert await leeches.leeches(GUILD, user_ids=[]) == []
    assert await leeches.leeches(902) == []


async def test_leeches_are_found_on_their_index(db):
    plan = await plan_of(
        db, "SELECT c.user_id, c.card_id, c.lapses FROM study_cards AS c WHERE c.lapses >= 8 AND c.user_id IN (?, ?)",
        (ALICE, BOB),
    )  # fmt: skip
    assert uses_index(db, plan, "study_cards_leeches"), plan


async def test_studying_a_leech_again_lasts_until_it_is_forgotten_again(db, repo):
    leeches = LeechRepo(db)
    at = await forget(repo, ALICE, "clv", 8, NOW)
    assert await leeches.needs_study(ALICE, "clv")
    assert await leeches.mark_studied(ALICE, "clv")
    assert not await leeches.needs_study(ALICE, "clv")
    before = (await repo.get_cards(ALICE))["clv"]
    assert before.lapses == 8, "studying rates nothing"
    await forget(repo, ALICE, "clv", 1, at + timedelta(days=10))
    assert await leeches.needs_study(ALICE, "clv"), "forgotten again: study it again"
    assert not await leeches.needs_study(ALICE, "never-seen") and not await leeches.mark_studied(
        ALICE, "never-seen"
    )
    await forget(repo, BOB, "nps", 7, NOW)
    assert not await leeches.needs_study(BOB, "nps"), "7 lapses: no leech yet"


async def test_the_migration_counts_lapses_from_the_existing_log(engine, tmp_path, request):
    """A database from before the retention-and-leeches migration gets each card's lapses from its log, by the rule the
    live path counts with: an Again at least a day (86,400 s) after the previous review."""
    url = None
    if engine == "postgres":
        databases = request.getfixturevalue("pg_databases")
        url = databases.create(migrated=False)
        request.addfinalizer(lambda: databases.drop(url))
    db = await open_database(Settings(token=None, database_path=tmp_path / "old.sqlite3", database_url=url))
    try:
        folder = PG_MIGRATIONS_DIR if db.engine == "postgres" else None
        migrations = load_migrations(folder) if folder else load_migrations()
        leeches_at = next(m.version for m in migrations if m.name.endswith("_retention_leeches.sql"))
        await db.migrate([m for m in migrations if m.version < leeches_at])
        async with db.transaction() as tx:
            await tx.executemany(
                "INSERT INTO study_cards (user_id, card_id, state, step, stability, difficulty, due, last_review,"
                " introduced_at, introduced_via) VALUES (?, ?, 2, NULL, 3.0, 5.0, 0, 0, 0, 'review')",
                [(ALICE, "clv"), (ALICE, "nps"), (BOB, "clv")],
            )
            await tx.executemany(
                "INSERT INTO study_reviews (user_id, card_id, guild_id, raw_rating, rating, source, reviewed_at,"
                " elapsed_s) VALUES (?, ?, ?, NULL, ?, 'quiz', 0, ?)",
                [
                    (ALICE, "clv", GUILD, 1, None),  # its first review: no lapse
                    (ALICE, "clv", GUILD, 1, 86_400),  # a lapse
                    (ALICE, "clv", None, 1, 90_000),  # a lapse, in a DM
                    (ALICE, "clv", GUILD, 1, 86_399),  # the same day: none
                    (ALICE, "clv", GUILD, 3, 200_000),  # recalled
                    (BOB, "clv", GUILD, 1, 100_000),  # bob's own card
                    (BOB, "gone", GUILD, 1, 100_000),  # no card any more (a removed deck): nothing to count into
                ],
            )
        await db.migrate()
        rows = await db.fetchall("SELECT user_id, card_id, lapses, studied_lapses FROM study_cards ORDER BY 1, 2")
        assert [tuple(r) for r in rows] == [(ALICE, "clv", 2, 0), (ALICE, "nps", 0, 0), (BOB, "clv", 1, 0)]
        tables = await db.table_counts()
        assert "lapse_counts" not in tables and "server_retention" in tables
    finally:
        await db.close()


async def test_a_rating_after_the_migration_adds_to_the_backfilled_count(repo, db):
    await forget(repo, ALICE, "clv", 1, NOW)
    await db.execute("UPDATE study_cards SET lapses = 7 WHERE user_id = ?", (ALICE,))  # as a backfill left it
    card = (await repo.get_cards(ALICE))["clv"]
    await repo.record_review(ALICE, "clv", 1, "review", GUILD, card.due + timedelta(days=2), scheduler=DEFAULT)
    assert (await repo.get_cards(ALICE))["clv"].lapses == 8
    assert Rating.Again == srs.map_rating(1)
