"""The missed-terms count behind /quiz start source:missed, on a real SQLite file: quiz answers and
practice-test answers of one server in a period, read through indexes (never a scan)."""

from __future__ import annotations

from bot.core.missed import TermRecord
from bot.storage.quiz import AnswerRow, QuizRepo, write_answers
from tests.storage.engine import plan_of

GUILD, OTHER = 1, 2
DAY_MS = 86_400_000


async def a_round(db, guild_id: int) -> int:
    return await QuizRepo(db).create_round(
        guild_id=guild_id,
        channel_id=guild_id * 10,
        started_by=5,
        topic=None,
        mode="mixed",
        question_count=3,
        seconds=20,
        started_at_ms=0,
    )


def answer(round_id, number, user_id, guild_id, card_id, correct, at_ms) -> AnswerRow:
    return AnswerRow(round_id, number, user_id, guild_id, card_id, "A", correct, 0, 1000, at_ms, ("all",))


async def test_quiz_and_test_answers_of_the_server_in_the_period(db):
    repo = QuizRepo(db)
    here, there = await a_round(db, GUILD), await a_round(db, OTHER)
    await write_answers(
        db,
        [
            answer(here, 1, 11, GUILD, "nps", False, 10 * DAY_MS),
            answer(here, 1, 12, GUILD, "nps", True, 10 * DAY_MS),
            answer(here, 2, 11, GUILD, "clv", True, 10 * DAY_MS),
            answer(here, 3, 11, GUILD, "old", False, 1 * DAY_MS),  # before the period
            answer(there, 1, 11, OTHER, "nps", False, 10 * DAY_MS),  # another server
        ],
    )
    await db.execute(
        "INSERT INTO study_reviews (user_id, card_id, guild_id, rating, source, reviewed_at) VALUES"
        " (11, 'nps', 1, 1, 'test', ?), (12, 'clv', 1, 1, 'test', ?), (13, 'clv', 1, 3, 'test', ?),"
        " (11, 'clv', 1, 1, 'review', ?), (11, 'clv', NULL, 1, 'test', ?), (11, 'nps', 2, 1, 'test', ?)",
        (11 * DAY_MS, 11 * DAY_MS, 11 * DAY_MS, 11 * DAY_MS, 11 * DAY_MS, 11 * DAY_MS),
    )
    assert await repo.missed_terms(GUILD, 5 * DAY_MS) == [
        TermRecord("clv", answers=3, misses=1),  # quiz right, tests wrong + right; the review is no test
        TermRecord("nps", answers=3, misses=2),
    ]
    everything = await repo.missed_terms(GUILD, None)
    assert TermRecord("old", 1, 1) in everything
    assert await repo.missed_terms(3, None) == []


async def test_the_count_reads_indexes_only(db):
    steps = await plan_of(db, QuizRepo.MISSED_TERMS_SQL, (GUILD, 0, GUILD, 0))
    if db.engine == "postgres":  # an index-only scan of each, with sequential scans priced out
        assert "Index Only Scan using quiz_answers_guild_time" in steps, steps
        assert "Index Only Scan using study_reviews_test_guild_time" in steps, steps
        return
    assert "COVERING INDEX quiz_answers_guild_time" in steps, steps
    assert "COVERING INDEX study_reviews_test_guild_time" in steps, steps
    assert "SCAN quiz_answers" not in steps and "SCAN study_reviews" not in steps
