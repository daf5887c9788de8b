"""Privacy storage on real SQLite files: every column that names a member is covered, forget is one
transaction, shared rows are kept without the member's id, and older schemas work."""

from __future__ import annotations

import asyncio
import sqlite3
from datetime import UTC, datetime

import pytest

from bot.core import srs
from bot.core.learn import Stage
from bot.storage.database import Database, load_migrations
from bot.storage.learn import LearnAnswer, LearnRepo
from bot.storage.privacy import CONTEXT, NOBODY, PERSONAL, SHARED, PrivacyRepo
from bot.storage.quiz import AnswerRow, QuizRepo, write_answers
from bot.storage.study import StudyRepo
from tests.storage.engine import fail_writes, plan_of, uses_index, write_failure

NOW = datetime(2026, 3, 10, 15, 30, tzinfo=UTC)
ALICE, BOB = 111, 222
GUILD = 900


async def seed(db, user_id: int, other: int) -> None:
    """A round started by `user_id` in which both answered, plus study rows of both."""
    quiz, study = QuizRepo(db), StudyRepo(db)
    round_id = await quiz.create_round(
        guild_id=GUILD, channel_id=5, started_by=user_id, topic=None, mode="mixed", question_count=1,
        seconds=20, started_at_ms=1,
    )  # fmt: skip
    await write_answers(
        db,
        [
            AnswerRow(round_id, 1, uid, GUILD, "clv", "A", True, 900, 2000, 10, ("all", "w2026-03-09"))
            for uid in (user_id, other)
        ],
    )
    await quiz.finish_round(round_id, "finished", 20, GUILD, [(user_id, True), (other, False)], ("all",))
    for uid in (user_id, other):
        await study.record_review(uid, "clv", 4, "review", None, NOW, scheduler=srs.DEFAULT_SCHEDULER)
        await study.record_test_result(
            uid, GUILD, questions=1, correct=1, started_at=NOW, finished_at=NOW, mode="mc"
        )
        await study.record_match_time(uid, GUILD, 9000, 0, NOW)
        learn = LearnRepo(db)
        session = await learn.start(uid, 1, GUILD, None, "question", {}, NOW)
        await learn.answer(
            session,
            LearnAnswer(uid, "values", False, GUILD, Stage.CHOICE, 1),
            "question",
            {},
            NOW,
            scheduler=srs.DEFAULT_SCHEDULER,
        )


def test_every_column_that_names_a_member_is_covered(tmp_path):
    """A new table with a user id (or a *_by column) must be added to PERSONAL or SHARED."""
    conn = sqlite3.connect(tmp_path / "schema.sqlite3")
    for migration in load_migrations():
        conn.executescript(migration.sql)
    naming = set()
    for (table,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'"):
        for column in conn.execute(f"PRAGMA table_info({table})"):
            name = column[1]
            if name == "user_id" or name.endswith("_by") or name.endswith("_user_id"):
                naming.add((table, name))
    assert naming == set(PERSONAL) | set(SHARED)


async def test_export_then_forget_everything_of_one_member(db):
    await seed(db, ALICE, BOB)
    repo = PrivacyRepo(db)
    export = await repo.export(ALICE)
    context = {name for name, _ in CONTEXT}
    assert {t: len(r) for t, r in export.items() if t not in context} == await repo.counts(ALICE)
    assert export["quiz_totals"] and all(r["user_id"] == ALICE for r in export["quiz_totals"])
    assert export["quiz_rounds"][0]["started_by"] == ALICE
    bob_before = await repo.export(BOB)

    changed = await repo.forget(ALICE)
    assert changed == {t: len(r) for t, r in export.items() if t not in context}
    after = await repo.export(ALICE)
    assert not any(after.values())
    assert await repo.export(BOB) == bob_before, "the other member keeps everything"
    rounds = await db.fetchall("SELECT started_by FROM quiz_rounds")
    assert rounds == [(NOBODY,)], "the round stays for the class, without alice"
    assert await repo.forget(ALICE) == dict.fromkeys(changed, 0), "a second forget finds nothing"


async def test_forget_is_one_transaction(db):
    await seed(db, ALICE, BOB)
    repo = PrivacyRepo(db)
    before = await repo.counts(ALICE)
    # The last table fails: everything deleted before it must come back.
    last_table = [t for t, _ in PERSONAL][-1]
    await fail_writes(db, last_table, "DELETE", "disk on fire")
    with pytest.raises(write_failure(), match="disk on fire"):
        await repo.forget(ALICE)
    assert await repo.counts(ALICE) == before


async def test_an_older_schema_without_some_tables(tmp_path):
    database = await Database.open(tmp_path / "old.sqlite3")
    try:
        await database.migrate(load_migrations()[:3])  # before schedules and decks
        await StudyRepo(database).record_match_time(ALICE, GUILD, 9000, 0, NOW)
        repo = PrivacyRepo(database)
        assert "quiz_schedules" not in await repo.export(ALICE)
        assert (await repo.forget(ALICE))["study_matches"] == 1
    finally:
        await database.close()


@pytest.mark.parametrize(("table", "column"), PERSONAL + SHARED)
async def test_every_lookup_by_member_uses_an_index(db, table, column):
    """Export, counts and forget find a member's rows by these columns: never a scan of the table."""
    for sql in (
        f"SELECT * FROM {table} WHERE {column} = ?",
        f"UPDATE {table} SET {column} = 0 WHERE {column} = ?",
    ):
        plan = await plan_of(db, sql, (ALICE,))
        assert uses_index(db, plan), f"{sql}: {plan}"


async def test_the_export_reads_a_snapshot_without_the_write_lock(db):
    """An export neither waits for nor blocks the writes (quiz answers) and sees only what is committed."""
    await seed(db, ALICE, BOB)
    repo = PrivacyRepo(db)
    committed = await repo.export(ALICE)
    async with db.transaction() as conn:  # a write in progress holds the bot's only write lock
        await conn.execute("DELETE FROM study_matches WHERE user_id = ?", (ALICE,))
        # Waiting for the lock here would wait forever: the timeout only turns that hang into a failure.
        export = await asyncio.wait_for(repo.export(ALICE), timeout=60)
        counts = await asyncio.wait_for(repo.counts(ALICE), timeout=60)
        assert counts == {t: len(r) for t, r in committed.items() if t not in {n for n, _ in CONTEXT}}
    assert export == committed, "the uncommitted delete is not in the export"
    assert (await repo.export(ALICE))["study_matches"] == []
