"""StudyRepo.add_card on a real SQLite file: "Add to my review" from the daily term."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from fsrs import Rating, State

from bot.core import srs

NOW = datetime(2026, 3, 10, 15, 30, 12, tzinfo=UTC)
ALICE, BOB = 111, 222


async def test_added_card_is_new_and_due_now(repo):
    assert await repo.add_card(ALICE, "clv", NOW)
    card = (await repo.get_cards(ALICE))["clv"]
    assert (card.state, card.step, card.stability, card.difficulty) == (State.Learning, 0, None, None)
    assert card.due == NOW and card.last_review is None
    assert card.is_due(NOW)
    queue = srs.select_queue({"clv": card}, ["clv", "nps"], now=NOW, new_today=0, new_per_day=0)
    assert queue.due == ("clv",), "an added card is reviewed even when no new cards are allowed"
    assert await repo.get_cards(BOB) == {}, "cards are per member"


async def test_adding_twice_changes_nothing(repo):
    await repo.record_answer(ALICE, "clv", True, "quiz", None, NOW, scheduler=srs.DEFAULT_SCHEDULER)
    before = (await repo.get_cards(ALICE))["clv"]
    assert not await repo.add_card(ALICE, "clv", NOW + timedelta(days=1))
    assert (await repo.get_cards(ALICE))["clv"] == before
    assert await repo.add_card(ALICE, "nps", NOW)
    assert not await repo.add_card(ALICE, "nps", NOW + timedelta(hours=1))
    assert (await repo.get_cards(ALICE))["nps"].due == NOW


async def test_first_review_of_an_added_card_schedules_it_like_a_new_card(repo):
    await repo.add_card(ALICE, "clv", NOW)
    later = NOW + timedelta(hours=2)
    added = await repo.record_review(
        ALICE, "clv", None, "review", None, later, rating=Rating.Good, scheduler=srs.DEFAULT_SCHEDULER
    )
    fresh = await repo.record_review(
        BOB, "clv", None, "review", None, later, rating=Rating.Good, scheduler=srs.DEFAULT_SCHEDULER
    )
    assert added.was_new and fresh.was_new
    assert (added.state.state, added.state.stability, added.state.due) == (
        fresh.state.state,
        fresh.state.stability,
        fresh.state.due,
    )
    assert await repo.card_history(ALICE, "clv") == [(Rating.Good, later)], "adding logs no review"


async def test_added_cards_do_not_use_the_new_card_allowance(repo):
    for card in ("clv", "nps", "csat"):
        await repo.add_card(ALICE, card, NOW)
    assert await repo.count_new_today(ALICE, NOW) == 0
    progress = await repo.progress(ALICE, NOW)
    assert progress.cards_seen == 3 and progress.due_now == 3 and progress.reviews_today == 0
