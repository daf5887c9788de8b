"""Assignment storage on real databases (both engines): numbers, the open limit, progress counted by
the triggers from reviews, finished tests and learned terms (only the server's, the topic's, after
the assignment was made, while it is open; the best test; the goal's time), the same figures the
core computes from the work itself, and reminders taken at most once."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest

from bot.core.errors import BadInput
from bot.core.homework import MAX_OPEN, Kind, Status, Work, progress
from bot.core.learn import Stage
from bot.core.srs import DEFAULT_SCHEDULER
from bot.storage.homework import HomeworkStore, progress_from
from bot.storage.learn import LearnAnswer, LearnRepo
from bot.storage.study import StudyRepo
from tests.storage.engine import plan_of, uses_index

GUILD, OTHER = 900, 901
NOW = datetime(2026, 3, 2, 12, tzinfo=UTC)
DUE = NOW + timedelta(days=3)
ALICE, BOB = 11, 12


async def make(
    store, kind=Kind.REVIEW, goal=3, topic=None, cards=(), questions=None, guild=GUILD, at=NOW, due=DUE
):
    return await store.create(
        guild, kind=kind, goal=goal, topic=topic, questions=questions, channel_id=5, created_by=1, now=at,
        due_at=due, remind_at=due - timedelta(hours=24), cards=cards,
    )  # fmt: skip


async def test_numbers_count_up_per_server_and_are_never_reused(db):
    store = HomeworkStore(db)
    first, second = await make(store), await make(store)
    other = await make(store, guild=OTHER)
    assert (first.number, second.number, other.number) == (1, 2, 1)
    assert await store.remove(GUILD, second.id)
    assert not await store.remove(GUILD, second.id), "gone already"
    assert (await make(store)).number == 3
    assert [a.number for a in await store.open_in(GUILD)] == [1, 3]
    closed = await store.close(GUILD, 1, NOW)
    assert closed.closed_at == NOW and closed.reminder == "skipped"
    with pytest.raises(BadInput, match="closed already"):
        await store.close(GUILD, 1, NOW)
    with pytest.raises(BadInput, match="no assignment #9"):
        await store.get(GUILD, 9)


async def test_at_most_25_open_per_server(db):
    store = HomeworkStore(db)
    for _ in range(MAX_OPEN):
        await make(store)
    with pytest.raises(BadInput, match="25 open assignments"):
        await make(store)
    assert len(await make_other(store)) == 1, "another server has its own 25"
    await store.close(GUILD, 4, NOW)
    assert (await make(store)).number == MAX_OPEN + 1


async def make_other(store):
    await make(store, guild=OTHER)
    return await store.open_in(OTHER)


async def test_reviews_count_in_this_server_on_the_topic_after_it_was_set(db):
    store, study = HomeworkStore(db), StudyRepo(db)
    await study.record_review(
        ALICE, "nps", 4, "review", GUILD, NOW - timedelta(minutes=1), scheduler=DEFAULT_SCHEDULER
    )  # before
    a = await make(store, goal=3, topic="metrics", cards=("nps", "clv"))
    everything = await make(store, goal=2)
    for minutes, card, guild in ((1, "nps", GUILD), (2, "crm", GUILD), (3, "clv", OTHER), (4, "clv", None)):
        await study.record_review(
            ALICE, card, 3, "review", guild, NOW + timedelta(minutes=minutes), scheduler=DEFAULT_SCHEDULER
        )
    await study.record_answer(
        ALICE, "nps", True, "test", GUILD, NOW + timedelta(minutes=5), given="x", scheduler=DEFAULT_SCHEDULER
    )  # no review
    work = await store.work([a.id, everything.id])
    assert work[(a.id, ALICE)].value == 1, "only nps: crm is another topic, clv was in another server or a DM"
    assert work[(everything.id, ALICE)].value == 2 and work[(everything.id, ALICE)].done_at == NOW + timedelta(
        minutes=2
    )
    for minutes in (6, 7):
        await study.record_review(
            ALICE, "clv", 3, "review", GUILD, NOW + timedelta(minutes=minutes), scheduler=DEFAULT_SCHEDULER
        )
    tally = (await store.work([a.id], ALICE))[(a.id, ALICE)]
    assert (tally.value, tally.done_at, tally.first_at) == (
        3,
        NOW + timedelta(minutes=7),
        NOW + timedelta(minutes=1),
    )
    assert progress_from(a, tally, NOW + timedelta(hours=1)).status is Status.DONE
    await store.close(GUILD, everything.number, NOW + timedelta(minutes=8))
    await study.record_review(
        ALICE, "nps", 3, "review", GUILD, NOW + timedelta(minutes=9), scheduler=DEFAULT_SCHEDULER
    )
    assert (await store.work([everything.id]))[(everything.id, ALICE)].value == 4, "closed: no longer counted"


async def test_the_best_full_length_test_of_the_topic_counts(db):
    store, study = HomeworkStore(db), StudyRepo(db)
    a = await make(store, Kind.TEST, goal=80, topic="metrics", questions=10)
    anything = await make(store, Kind.TEST, goal=50, questions=5)

    async def test(minutes, correct, questions=10, topic="metrics", guild=GUILD):
        at = NOW + timedelta(minutes=minutes)
        await study.record_test_result(
            BOB,
            guild,
            questions=questions,
            correct=correct,
            started_at=at,
            finished_at=at,
            mode="mixed",
            topic=topic,
        )

    await test(1, 4, questions=4)  # ended early: 4 of 10 questions never counts, even at 100%
    await test(2, 7)
    await test(3, 10, topic="ethics")  # another topic: counts only for the assignment on every topic
    await test(4, 9, guild=OTHER)
    assert (await store.work([a.id], BOB))[(a.id, BOB)].value == 70
    await test(DUE_MINUTES + 5, 8)  # after the due time: late
    await test(DUE_MINUTES + 9, 6)  # a worse attempt later changes nothing
    tally = (await store.work([a.id], BOB))[(a.id, BOB)]
    assert (tally.value, tally.done_at) == (80, NOW + timedelta(minutes=DUE_MINUTES + 5))
    assert progress_from(a, tally, DUE + timedelta(days=1)).status is Status.LATE
    broad = (await store.work([anything.id], BOB))[(anything.id, BOB)]
    assert broad.value == 100 and broad.done_at == NOW + timedelta(minutes=2), "any topic, 5+ questions"


DUE_MINUTES = int((DUE - NOW).total_seconds() // 60)


async def test_terms_learned_in_this_servers_session_count(db):
    store, learn = HomeworkStore(db), LearnRepo(db)
    a = await make(store, Kind.LEARN, goal=2, topic="metrics", cards=("nps", "clv", "kpi"))
    elsewhere = await make(store, Kind.LEARN, goal=1, guild=OTHER)
    session = await learn.start(ALICE, 1, GUILD, "metrics", "question", {}, NOW)
    steps = [("nps", Stage.RECALL), ("nps", Stage.LEARNED), ("crm", Stage.LEARNED), ("clv", Stage.LEARNED)]
    for minutes, (term, stage) in enumerate(steps, start=1):
        session = (
            await learn.answer(
                session,
                LearnAnswer(ALICE, term, True, GUILD, stage, 0),
                "question",
                {},
                NOW + timedelta(minutes=minutes),
                scheduler=DEFAULT_SCHEDULER,
            )
        )[0]
    work = await store.work([a.id, elsewhere.id])
    assert work[(a.id, ALICE)].value == 2 and work[(a.id, ALICE)].done_at == NOW + timedelta(minutes=4)
    assert (elsewhere.id, ALICE) not in work, "the session runs in the other server"


async def test_the_triggers_agree_with_the_core_rule_on_the_work_itself(db):
    """Random reviews (some before the assignment, some after the due time): the stored figures give
    the same progress as `bot.core.homework.progress` over the same work."""
    store, study, rng = HomeworkStore(db), StudyRepo(db), random.Random(5)
    created = NOW + timedelta(hours=2)
    a = await make(
        store, goal=6, topic="metrics", cards=("nps", "clv"), at=created, due=created + timedelta(hours=5)
    )
    work = []
    for at in sorted(
        NOW + timedelta(minutes=rng.randrange(600)) for _ in range(25)
    ):  # a review is logged as it happens
        card = rng.choice(("nps", "clv", "crm"))
        await study.record_review(ALICE, card, rng.randint(1, 5), "review", GUILD, at, scheduler=DEFAULT_SCHEDULER)
        if card != "crm":
            work.append(Work(at, 1))
    later = NOW + timedelta(days=2)
    want = progress(a, work, later)
    got = progress_from(a, (await store.work([a.id], ALICE)).get((a.id, ALICE)), later)
    assert (got.value, got.done_at, got.status) == (want.value, want.done_at, want.status)


async def test_a_reminder_is_taken_once_and_closing_drops_it(db):
    store = HomeworkStore(db)
    soon = await make(store, due=NOW + timedelta(hours=30))
    later = await make(store, due=NOW + timedelta(days=5))
    closed = await make(store, due=NOW + timedelta(hours=26))
    await store.close(GUILD, closed.number, NOW)
    at = NOW + timedelta(hours=7)
    assert [a.id for a in await store.due_reminders(at)] == [soon.id]
    assert await store.next_reminder_at() == soon.due_at - timedelta(hours=24)
    assert await store.claim_reminder(soon.id)
    assert not await store.claim_reminder(soon.id), "at most once"
    assert await store.due_reminders(at) == []
    await store.reminder_done(soon.id, "failed", "Missing Access")
    shown = await store.by_id(soon.id)
    assert (shown.reminder, shown.reminder_note) == ("failed", "Missing Access")
    assert await store.next_reminder_at() == later.due_at - timedelta(hours=24)
    plan = await plan_of(db, HomeworkStore.DUE_REMINDERS_SQL, (0, 50))
    assert uses_index(db, plan, "assignments_reminders" if db.engine == "sqlite" else None), plan
