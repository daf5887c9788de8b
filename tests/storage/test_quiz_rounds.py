"""Quiz rounds in storage: one active round per channel, and a round that never started leaves nothing."""

from __future__ import annotations

from bot.storage.quiz import QuizRepo

ROUND = dict(guild_id=1, channel_id=10, started_by=5, topic=None, mode="mixed", question_count=3, seconds=20)


async def test_a_dropped_round_frees_its_channel_and_leaves_no_row(db):
    repo = QuizRepo(db)
    first = await repo.create_round(**ROUND, started_at_ms=1000)
    assert first is not None
    assert await repo.create_round(**ROUND, started_at_ms=2000) is None, "one active round per channel"
    await repo.delete_round(first)
    assert await db.fetchall("SELECT * FROM quiz_rounds") == []
    assert await repo.active_round_in(10) is None
    assert await repo.create_round(**ROUND, started_at_ms=3000) is not None


async def test_delete_round_never_touches_a_round_that_ran(db):
    repo = QuizRepo(db)
    ran = await repo.create_round(**ROUND, started_at_ms=1000)
    await repo.finish_round(ran, "finished", 2000, 1, [(7, True)], ("all",))
    await repo.delete_round(ran)
    assert await db.fetchall("SELECT id, status FROM quiz_rounds") == [(ran, "finished")]
