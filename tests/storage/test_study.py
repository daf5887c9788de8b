"""Study storage on real SQLite files: reviews, replay, tests, matching games, progress, privacy."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from fsrs import Rating, State

from bot.core import srs
from bot.core.errors import BadInput
from tests.storage.engine import committed_rows, fail_writes, write_failure

NOW = datetime(2026, 3, 10, 15, 30, 12, 345000, tzinfo=UTC)
ALICE, BOB = 111, 222
GUILD = 900


async def test_record_review_persists_card_and_log_together(repo, db):
    outcome = await repo.record_review(
        ALICE, "clv", 5, "review", GUILD, NOW, duration_ms=4200, scheduler=srs.DEFAULT_SCHEDULER
    )
    assert outcome.was_new and outcome.state.state == State.Review

    # Read back through a second, independent connection: the write is committed.
    card = committed_rows(db, "SELECT state, due, last_review, introduced_via FROM study_cards")
    log = committed_rows(
        db,
        "SELECT user_id, card_id, guild_id, raw_rating, rating, source, reviewed_at, elapsed_s, duration_ms"
        " FROM study_reviews",
    )
    assert card == [(int(State.Review), int(outcome.state.due.timestamp()), int(NOW.timestamp()), "review")]
    assert log == [(ALICE, "clv", GUILD, 5, int(Rating.Easy), "review", int(NOW.timestamp() * 1000), None, 4200)]

    stored = await repo.get_cards(ALICE)
    assert stored == {"clv": outcome.state}


async def test_a_failed_write_leaves_neither_card_nor_log(repo, db):
    # A trigger makes the log insert fail after the card upsert: the whole review must roll back.
    await fail_writes(db, "study_reviews", "INSERT", "disk full")
    with pytest.raises(write_failure(), match="disk full"):
        await repo.record_review(ALICE, "clv", 4, "review", GUILD, NOW, scheduler=srs.DEFAULT_SCHEDULER)
    assert await repo.get_cards(ALICE) == {}
    assert (await db.table_counts())["study_reviews"] == 0


async def test_invalid_input_is_refused_before_writing(repo, db):
    with pytest.raises(BadInput):
        await repo.record_review(ALICE, "clv", 6, "review", GUILD, NOW, scheduler=srs.DEFAULT_SCHEDULER)
    with pytest.raises(ValueError, match="source"):
        await repo.record_review(ALICE, "clv", 4, "homework", GUILD, NOW, scheduler=srs.DEFAULT_SCHEDULER)
    with pytest.raises(ValueError, match="raw_rating or rating"):
        await repo.record_review(ALICE, "clv", None, "quiz", GUILD, NOW, scheduler=srs.DEFAULT_SCHEDULER)
    assert (await db.table_counts())["study_reviews"] == 0


async def test_quiz_answers_store_the_mapped_rating_only(repo, db):
    await repo.record_answer(ALICE, "nps", False, "quiz", None, NOW, scheduler=srs.DEFAULT_SCHEDULER)
    await repo.record_answer(ALICE, "csat", True, "test", GUILD, NOW, scheduler=srs.DEFAULT_SCHEDULER)
    rows = await db.fetchall("SELECT card_id, guild_id, raw_rating, rating, source FROM study_reviews ORDER BY id")
    assert rows == [("nps", None, None, 1, "quiz"), ("csat", GUILD, None, 3, "test")]


async def test_replaying_the_log_reproduces_the_stored_state(repo):
    at = NOW
    for raw in (3, 4, 1, 2, 4, 5, 4, 4):
        outcome = await repo.record_review(
            ALICE, "churn", raw, "review", GUILD, at, scheduler=srs.DEFAULT_SCHEDULER
        )
        at = outcome.state.due + timedelta(hours=7, milliseconds=123)
    await repo.record_answer(ALICE, "churn", True, "quiz", GUILD, at, scheduler=srs.DEFAULT_SCHEDULER)
    stored = (await repo.get_cards(ALICE, ["churn"]))["churn"]
    assert len(await repo.card_history(ALICE, "churn")) == 9
    assert await repo.replay_card(ALICE, "churn") == stored
    assert await repo.replay_card(ALICE, "never-seen") is None


async def test_cards_are_per_member_and_filtered_by_id(repo):
    for card in ("a", "b", "c"):
        await repo.record_review(ALICE, card, 4, "review", GUILD, NOW, scheduler=srs.DEFAULT_SCHEDULER)
    await repo.record_review(BOB, "a", 1, "review", None, NOW, scheduler=srs.DEFAULT_SCHEDULER)
    assert set(await repo.get_cards(ALICE)) == {"a", "b", "c"}
    assert set(await repo.get_cards(ALICE, ["a", "c", "zzz"])) == {"a", "c"}
    assert (await repo.get_cards(BOB))["a"].state == State.Learning


async def test_new_today_counts_cards_started_in_review_on_this_utc_day(repo):
    yesterday = NOW - timedelta(days=1)
    await repo.record_review(ALICE, "old", 4, "review", None, yesterday, scheduler=srs.DEFAULT_SCHEDULER)
    await repo.record_review(
        ALICE, "old", 4, "review", None, NOW, scheduler=srs.DEFAULT_SCHEDULER
    )  # seen again today: not new
    await repo.record_review(ALICE, "x", 3, "review", None, NOW, scheduler=srs.DEFAULT_SCHEDULER)
    await repo.record_review(ALICE, "y", 1, "review", None, NOW, scheduler=srs.DEFAULT_SCHEDULER)
    await repo.record_answer(
        ALICE, "from-quiz", True, "quiz", GUILD, NOW, scheduler=srs.DEFAULT_SCHEDULER
    )  # does not use the allowance
    assert await repo.count_new_today(ALICE, NOW) == 2
    assert await repo.count_new_today(ALICE, NOW + timedelta(days=1)) == 0
    assert await repo.count_new_today(BOB, NOW) == 0

    states = await repo.get_cards(ALICE)
    q = srs.select_queue(states, ["old", "x", "y", "n1", "n2", "n3"], now=NOW, new_today=2, new_per_day=3)
    assert q.new == ("n1",)


async def test_progress_figures_against_known_data(repo, db):
    day = 86_400

    def put(card_id, stability, due):
        return db.execute(
            "INSERT INTO study_cards (user_id, card_id, state, step, stability, difficulty, due, last_review,"
            " introduced_at, introduced_via) VALUES (?, ?, 2, NULL, ?, 5.0, ?, ?, ?, 'review')",
            (
                ALICE,
                card_id,
                stability,
                int(due.timestamp()),
                int(NOW.timestamp()) - day,
                int(NOW.timestamp()) - day,
            ),
        )

    await put("mastered-exactly", 21.0, NOW + timedelta(days=30))
    await put("mastered", 40.0, NOW + timedelta(days=40))
    await put("almost", 20.9, NOW - timedelta(seconds=1))  # due now
    await put("due-now", 3.0, NOW - timedelta(days=2))
    await put("due-soon", 3.0, NOW + timedelta(hours=23))
    await put("due-tomorrow-evening", 3.0, NOW + timedelta(hours=25))

    # Reviews today, yesterday, 2 days ago; then a gap; a member on a 3-day streak.
    today_start = srs.utc_day_start(NOW)
    for at in (
        NOW,
        today_start,
        today_start - timedelta(seconds=1),
        today_start - timedelta(days=2),
        today_start - timedelta(days=5),
    ):
        await db.execute(
            "INSERT INTO study_reviews (user_id, card_id, rating, source, reviewed_at) VALUES (?, 'x', 3, 'review', ?)",
            (ALICE, int(at.timestamp() * 1000)),
        )
    for questions, correct in ((10, 7), (5, 5)):
        await repo.record_test_result(
            ALICE,
            GUILD,
            questions=questions,
            correct=correct,
            started_at=NOW,
            finished_at=NOW + timedelta(minutes=3),
            mode="mixed",
        )

    p = await repo.progress(ALICE, NOW, quiz_answered=4, quiz_correct=1)
    assert (p.cards_seen, p.mastered, p.due_now, p.due_next_24h) == (6, 2, 2, 1)
    assert p.reviews_today == 2
    assert p.day_streak == 3
    assert (p.test_questions, p.test_correct, p.test_accuracy) == (15, 12, 0.8)
    assert p.overall_accuracy == pytest.approx(13 / 19)

    # Only the cards of the decks in use: every card figure counts the same cards.
    in_use = await repo.progress(ALICE, NOW, card_ids=["mastered", "due-now", "due-soon", "not-studied"])
    assert (in_use.cards_seen, in_use.mastered, in_use.due_now, in_use.due_next_24h) == (3, 1, 1, 1)
    none_in_use = await repo.progress(ALICE, NOW, card_ids=[])
    assert (none_in_use.cards_seen, none_in_use.mastered, none_in_use.due_now) == (0, 0, 0)

    # The next day without a review the streak still stands; a day later it is broken.
    assert (await repo.progress(ALICE, NOW + timedelta(days=1))).day_streak == 3
    assert (await repo.progress(ALICE, NOW + timedelta(days=2))).day_streak == 0
    empty = await repo.progress(BOB, NOW)
    assert (empty.cards_seen, empty.day_streak, empty.test_accuracy) == (0, 0, None)


async def test_topic_mastery_uses_the_members_cards(repo, db):
    await db.execute(
        "INSERT INTO study_cards (user_id, card_id, state, step, stability, difficulty, due, last_review,"
        " introduced_at, introduced_via) VALUES (?, 'clv', 2, NULL, 25.0, 5.0, 0, 0, 0, 'review'),"
        " (?, 'nps', 2, NULL, 1.0, 5.0, 0, 0, 0, 'review')",
        (ALICE, ALICE),
    )
    result = await repo.topic_mastery(ALICE, {"clv": "metrics", "nps": "metrics", "loyalty-program": "loyalty"})
    assert (result["metrics"].total, result["metrics"].seen, result["metrics"].mastered) == (2, 2, 1)
    assert result["loyalty"].seen == 0


async def test_test_results_keep_missed_cards_as_json(repo, db):
    test_id = await repo.record_test_result(
        ALICE,
        None,
        questions=3,
        correct=1,
        started_at=NOW,
        finished_at=NOW + timedelta(seconds=90),
        mode="written",
        topic="metrics",
        missed=["clv", "nps"],
    )
    row = await db.fetchone(
        "SELECT topic, mode, missed, finished_at - started_at FROM study_tests WHERE id = ?", (test_id,)
    )
    assert row[:2] == ("metrics", "written") and json.loads(row[2]) == ["clv", "nps"] and row[3] == 90_000
    with pytest.raises(ValueError):
        await repo.record_test_result(
            ALICE, None, questions=2, correct=3, started_at=NOW, finished_at=NOW, mode="x"
        )


async def test_match_personal_best_and_server_leaderboard(repo):
    games = [
        (ALICE, GUILD, 30_000, 1),
        (ALICE, GUILD, 25_000, 0),
        (BOB, GUILD, 28_000, 2),
        (BOB, 901, 20_000, 0),
        (333, GUILD, 40_000, 3),
        (ALICE, None, 19_000, 0),
    ]
    for i, (user, guild, elapsed, penalties) in enumerate(games):
        await repo.record_match_time(user, guild, elapsed, penalties, NOW + timedelta(minutes=i))

    best = await repo.personal_best_match(ALICE)
    assert (best.elapsed_ms, best.guild_id, best.finished_at) == (19_000, None, NOW + timedelta(minutes=5))
    assert await repo.personal_best_match(444) is None

    board = await repo.fastest_matches(GUILD)
    assert [(m.user_id, m.elapsed_ms, m.penalties) for m in board] == [
        (ALICE, 25_000, 0),
        (BOB, 28_000, 2),
        (333, 40_000, 3),
    ]
    assert len(await repo.fastest_matches(GUILD, limit=2)) == 2
    assert [m.user_id for m in await repo.fastest_matches(901)] == [BOB]


async def test_a_quiz_question_updates_only_cards_already_studied(repo, db):
    await repo.record_review(ALICE, "clv", 4, "review", GUILD, NOW, scheduler=srs.DEFAULT_SCHEDULER)
    await repo.record_review(BOB, "clv", 4, "review", GUILD, NOW, scheduler=srs.DEFAULT_SCHEDULER)
    later = NOW + timedelta(days=3)
    updated = await repo.record_quiz_question(
        "clv", [(ALICE, True), (BOB, False), (901, True)], GUILD, later, scheduler=srs.DEFAULT_SCHEDULER
    )
    assert sorted(updated) == sorted([ALICE, BOB])
    assert await repo.get_cards(901) == {}, "no new card from a class quiz"
    assert [r for r, _ in await repo.card_history(ALICE, "clv")] == [Rating.Good, Rating.Good]
    assert [r for r, _ in await repo.card_history(BOB, "clv")] == [Rating.Good, Rating.Again]
    assert (await repo.get_cards(BOB))["clv"] == await repo.replay_card(BOB, "clv"), "the log replays to the card"
    assert await repo.record_quiz_question("clv", [], GUILD, later, scheduler=srs.DEFAULT_SCHEDULER) == []
