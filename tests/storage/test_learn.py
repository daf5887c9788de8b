"""Learn storage on real SQLite: stages, the session's compare-and-set, answers that wait for /review
and the card they build, and one transaction per answer."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from fsrs import Rating

from bot.core import srs
from bot.core.learn import Stage
from bot.storage.learn import LEARN_SOURCE, LearnAnswer, LearnRepo, SessionMoved, TermRecord
from tests.storage.engine import fail_writes, write_failure

NOW = datetime(2026, 3, 10, 15, 30, tzinfo=UTC)
ALICE, GUILD = 111, 900


@pytest.fixture
def learn(db):
    return LearnRepo(db)


async def test_a_session_moves_on_once_per_seq(learn):
    first = await learn.start(ALICE, 5, GUILD, "metrics", "question", {"n": 0}, NOW)
    moved = await learn.advance(first, "round", {"n": 1}, NOW)
    assert (moved.seq, moved.screen, moved.state) == (1, "round", {"n": 1})
    with pytest.raises(SessionMoved):  # a second writer that read seq 0 too
        await learn.advance(first, "question", {"n": 2}, NOW)
    with pytest.raises(SessionMoved):
        await learn.answer(
            first,
            LearnAnswer(ALICE, "nps", True, GUILD, Stage.RECALL, 0),
            "question",
            {},
            NOW,
            scheduler=srs.DEFAULT_SCHEDULER,
        )
    assert (await learn.session(ALICE)).state == {"n": 1}
    assert await learn.stages(ALICE) == {} and await learn.waiting(ALICE) == {}, "the refused answer left nothing"
    again = await learn.start(ALICE, 6, None, None, "question", {"n": 9}, NOW)
    assert (await learn.session(ALICE)) == again and again.seq == 0 and again.topic is None


async def test_answers_wait_for_review_and_build_the_card_they_would_have_built(learn, repo):
    session = await learn.start(ALICE, 1, GUILD, None, "question", {}, NOW)
    plan = [(False, Stage.CHOICE), (True, Stage.RECALL), (True, Stage.RECALL_AGAIN), (True, Stage.LEARNED)]
    times = [NOW + timedelta(minutes=3 * i) for i in range(len(plan))]
    for (correct, stage), at in zip(plan, times, strict=True):
        session, outcome = await learn.answer(
            session,
            LearnAnswer(ALICE, "nps", correct, GUILD, stage, 1),
            "question",
            {},
            at,
            scheduler=srs.DEFAULT_SCHEDULER,
        )
        assert outcome is None, "not in /review yet: nothing scheduled"
    assert await repo.get_cards(ALICE) == {} and await learn.waiting(ALICE) == {"nps": 4}
    assert await learn.stages(ALICE) == {"nps": TermRecord(Stage.LEARNED, 1)} and await learn.learned(ALICE) == {
        "nps"
    }

    later = NOW + timedelta(days=2)
    added = await learn.add_to_review(ALICE, ["nps", "nps"], later, scheduler=srs.DEFAULT_SCHEDULER)
    assert (added.added, added.already) == (["nps"], [])
    card = (await repo.get_cards(ALICE))["nps"]
    live = None
    for (correct, _), at in zip(plan, times, strict=True):
        live = srs.apply_rating(
            "nps",
            live,
            srs.rating_for_answer(correct),
            at,
            srs.review_rng(ALICE, "nps", at),
            scheduler=srs.DEFAULT_SCHEDULER,
        )
        live = live.state
    assert card == live == await repo.replay_card(ALICE, "nps")
    log = await learn.db.fetchall("SELECT rating, source, reviewed_at, guild_id FROM study_reviews ORDER BY id")
    assert log == [
        (int(srs.rating_for_answer(c)), LEARN_SOURCE, int(at.timestamp() * 1000), GUILD)
        for (c, _), at in zip(plan, times, strict=True)
    ]
    assert await learn.waiting(ALICE) == {}
    again = await learn.add_to_review(ALICE, ["nps"], later, scheduler=srs.DEFAULT_SCHEDULER)
    assert (again.added, again.already) == ([], ["nps"]), "a second click changes nothing"


async def test_an_answer_to_a_term_in_review_goes_into_its_card_at_once(learn, repo):
    await repo.record_review(
        ALICE, "nps", 4, "review", GUILD, NOW - timedelta(days=3), scheduler=srs.DEFAULT_SCHEDULER
    )
    session = await learn.start(ALICE, 1, GUILD, None, "question", {}, NOW)
    _, outcome = await learn.answer(
        session,
        LearnAnswer(ALICE, "nps", False, GUILD, Stage.CHOICE, 1),
        "question",
        {},
        NOW,
        scheduler=srs.DEFAULT_SCHEDULER,
    )
    assert outcome is not None and outcome.rating == Rating.Again
    assert (await repo.get_cards(ALICE))["nps"] == outcome.state
    assert await learn.waiting(ALICE) == {}


async def test_a_question_in_between_keeps_the_stage(learn):
    session = await learn.start(ALICE, 1, GUILD, None, "question", {}, NOW)
    session, _ = await learn.answer(
        session,
        LearnAnswer(ALICE, "nps", True, GUILD, Stage.LEARNED, 0),
        "question",
        {},
        NOW,
        scheduler=srs.DEFAULT_SCHEDULER,
    )
    await learn.answer(
        session, LearnAnswer(ALICE, "nps", False, GUILD), "question", {}, NOW, scheduler=srs.DEFAULT_SCHEDULER
    )  # in between
    assert await learn.stages(ALICE) == {"nps": TermRecord(Stage.LEARNED, 0)}
    assert await learn.waiting(ALICE) == {"nps": 2}, "the answer still counts for the card"


async def test_an_answer_is_one_transaction(learn, db):
    session = await learn.start(ALICE, 1, GUILD, None, "question", {"n": 0}, NOW)
    await fail_writes(db, "learn_answers", "INSERT", "disk on fire")
    with pytest.raises(write_failure(), match="disk on fire"):
        await learn.answer(
            session,
            LearnAnswer(ALICE, "nps", True, GUILD, Stage.RECALL, 0),
            "round",
            {"n": 1},
            NOW,
            scheduler=srs.DEFAULT_SCHEDULER,
        )
    assert (await learn.session(ALICE)).seq == 0 and await learn.stages(ALICE) == {}


async def test_unknown_screens_are_refused(learn):
    with pytest.raises(ValueError, match="screen"):
        await learn.start(ALICE, 1, GUILD, None, "finished", {}, NOW)
