"""StudyRepo methods for review sessions and "review the missed ones", on real SQLite files."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.core import srs

NOW = datetime(2026, 3, 10, 15, 30, 12, tzinfo=UTC)
ALICE, BOB = 111, 222
GUILD = 900


async def test_review_head_is_zero_then_follows_the_members_own_log(repo):
    assert await repo.review_head(ALICE) == 0
    await repo.record_review(ALICE, "clv", 4, "review", GUILD, NOW, scheduler=srs.DEFAULT_SCHEDULER)
    first = await repo.review_head(ALICE)
    await repo.record_answer(BOB, "clv", True, "quiz", GUILD, NOW, scheduler=srs.DEFAULT_SCHEDULER)
    assert await repo.review_head(ALICE) == first, "another member's review does not move alice's head"
    await repo.record_answer(ALICE, "crm", False, "test", GUILD, NOW, scheduler=srs.DEFAULT_SCHEDULER)
    assert await repo.review_head(ALICE) > first, "every source counts"


async def test_reviewed_since_sees_only_later_reviews_of_that_card_by_that_member(repo):
    await repo.record_review(ALICE, "clv", 3, "review", GUILD, NOW, scheduler=srs.DEFAULT_SCHEDULER)
    head = await repo.review_head(ALICE)
    assert not await repo.reviewed_since(ALICE, "clv", head)
    assert await repo.reviewed_since(ALICE, "clv", 0), "the earlier review is after row 0"

    await repo.record_review(
        ALICE, "crm", 5, "review", GUILD, NOW, scheduler=srs.DEFAULT_SCHEDULER
    )  # another card
    await repo.record_review(
        BOB, "clv", 5, "review", GUILD, NOW, scheduler=srs.DEFAULT_SCHEDULER
    )  # another member
    assert not await repo.reviewed_since(ALICE, "clv", head)

    # Same instant on a frozen clock: the log id still tells the new review apart.
    await repo.record_answer(ALICE, "clv", False, "test", GUILD, NOW, scheduler=srs.DEFAULT_SCHEDULER)
    assert await repo.reviewed_since(ALICE, "clv", head)


async def test_test_missed_returns_the_list_in_order_only_to_its_owner(repo):
    test_id = await repo.record_test_result(
        ALICE,
        GUILD,
        questions=5,
        correct=3,
        started_at=NOW,
        finished_at=NOW + timedelta(minutes=2),
        mode="typed",
        missed=["crm", "clv"],
    )
    assert await repo.test_missed(ALICE, test_id) == ["crm", "clv"]
    assert await repo.test_missed(BOB, test_id) is None
    assert await repo.test_missed(ALICE, test_id + 1) is None
    perfect = await repo.record_test_result(
        ALICE, None, questions=5, correct=5, started_at=NOW, finished_at=NOW, mode="mixed"
    )
    assert await repo.test_missed(ALICE, perfect) == []
