"""The Learn path: stages, misses, rounds, the goal and saving a session."""

from __future__ import annotations

import json
import random

from bot.core.learn import ROUND_SIZE, LearnSession, Stage, plan_terms


def play(session: LearnSession, rng: random.Random, wrong: set[tuple[str, Stage]] = frozenset(), limit=500):
    """Answer every question until the session is done; `wrong` lists (term, stage) to miss once."""
    log = []
    pending_wrong = set(wrong)
    while not session.done and len(log) < limit:
        if session.round_over:
            session.start_round(rng)
            continue
        step = session.next_step()
        correct = (step.term_id, step.stage) not in pending_wrong or step.review
        pending_wrong.discard((step.term_id, step.stage))
        log.append((step, session.answer(step.term_id, correct)))
    return log


def test_a_term_goes_choice_then_typed_twice_then_learned():
    session = LearnSession(["a", "b", "c"], goal=3)
    log = play(session, random.Random(1))
    stages = [step.stage for step, _ in log if step.term_id == "a" and not step.review]
    assert stages == [Stage.CHOICE, Stage.RECALL, Stage.RECALL_AGAIN]
    assert session.done and session.tally().learned == 3
    assert sorted(session.learned_in_session) == ["a", "b", "c"]


def test_two_typed_recalls_always_have_another_question_in_between():
    for seed in range(30):
        session = LearnSession([f"t{i}" for i in range(9)], goal=9)
        log = play(session, random.Random(seed))
        for term in session.term_ids:
            numbers = [
                n for n, (step, out) in enumerate(log) if step.term_id == term and step.typed and out.correct
            ]
            assert len(numbers) >= 2
            assert numbers[-1] - numbers[-2] >= 2, (seed, term, numbers)


def test_a_miss_goes_back_one_stage_and_comes_again_in_the_same_round():
    session = LearnSession(["a", "b", "c", "d"], goal=4)
    rng = random.Random(3)
    session.start_round(rng)
    for term in list(session.round_queue):  # round 1: all four right in multiple choice
        session.answer(term, True)
    session.start_round(rng)
    first = session.next_step()
    assert first.stage is Stage.RECALL
    outcome = session.answer(first.term_id, False)
    assert (outcome.before, outcome.after) == (Stage.RECALL, Stage.CHOICE)
    assert session.round_queue.index(first.term_id) == 2  # back after two other questions
    assert session.missed == [first.term_id]


def test_a_miss_at_the_first_stage_stays_there():
    session = LearnSession(["a"], goal=1)
    session.start_round(random.Random(1))
    out = session.answer("a", False)
    assert out.after is Stage.CHOICE and session.next_step().term_id == "a"


def test_rounds_hold_about_seven_terms_under_way_first():
    session = LearnSession([f"t{i}" for i in range(20)], goal=20)
    rng = random.Random(5)
    first = session.start_round(rng)
    assert len(first) == ROUND_SIZE
    for term in list(session.round_queue):
        session.answer(term, True)
    second = session.start_round(rng)
    assert set(second) == set(first), "terms under way come before new ones"


def test_the_goal_limits_how_many_new_terms_are_started():
    session = LearnSession([f"t{i}" for i in range(20)], goal=2)
    first = session.start_round(random.Random(1))
    assert len(first) == 2
    play(session, random.Random(1))
    assert session.done and len(session.learned_in_session) == 2
    tally = session.tally()
    assert (tally.learned, tally.in_progress, tally.not_started) == (2, 0, 18)


def test_the_last_term_gets_a_learned_term_in_between():
    session = LearnSession(["a", "b"], goal=2)
    rng = random.Random(2)
    play(session, rng, wrong={("b", Stage.RECALL_AGAIN)})
    assert session.done
    assert session.tally().learned == 2


def test_a_session_survives_being_saved_and_read_back():
    session = LearnSession(["a", "b", "c"], goal=3)
    rng = random.Random(4)
    session.start_round(rng)
    session.answer(session.next_step().term_id, True)
    data = json.loads(json.dumps(session.to_data()))
    again = LearnSession.from_data(data)
    assert again.to_data() == session.to_data()
    play(again, rng)
    assert again.done


def test_terms_gone_from_the_deck_are_dropped_when_read_back():
    session = LearnSession(["a", "b", "c"], goal=3)
    session.start_round(random.Random(1))
    again = LearnSession.from_data(session.to_data(), known={"a", "c"})
    assert again.term_ids == ["a", "c"] and "b" not in again.round_queue and again.goal == 2


def test_a_plan_continues_with_terms_under_way_and_skips_learned_ones():
    stages = {"b": Stage.RECALL, "c": Stage.LEARNED}
    terms, goal = plan_terms(["a", "b", "c", "d"], stages, None)
    assert terms == ["b", "a", "d"] and goal == 3
    assert plan_terms(["a", "b", "c", "d"], stages, 1) == (["b", "a", "d"], 1)
    assert plan_terms(["c"], stages, None) == ([], 0)


def test_a_round_of_one_term_finishes_with_another_term_asked_in_between():
    """A goal of one term (or the last term of a topic) used to loop for ever: its second typed recall
    always came straight after the first, and no learned term of the session was there to ask in
    between. Now a term learned before (`spacers`) or another term of the session is asked."""
    for terms, spacers in ((["a"], ["x"]), ([f"t{i}" for i in range(20)], []), (["a", "b"], [])):
        session = LearnSession(terms, goal=1, spacers=spacers)
        log = play(session, random.Random(1), limit=60)
        assert session.done and len(session.learned_in_session) == 1, (terms, len(log))
        learned = session.learned_in_session[0]
        typed = [n for n, (step, out) in enumerate(log) if step.term_id == learned and step.typed and out.correct]
        assert typed[-1] - typed[-2] >= 2
        between = log[typed[-1] - 1][0]
        assert between.review and between.term_id != learned


def test_a_spacer_from_outside_the_session_changes_nothing():
    session = LearnSession(["a"], goal=1, spacers=["x"])
    rng = random.Random(1)
    play(session, rng, limit=60)
    assert "x" not in session.progress and session.tally().learned == 1


def test_with_no_other_term_at_all_two_recalls_in_a_row_are_enough():
    session = LearnSession(["a"], goal=1)
    play(session, random.Random(1), limit=60)
    assert session.done


def test_random_misses_never_break_the_rules():
    """Whatever is missed, a session ends, and every term learned was recalled in typed form twice
    with another question in between."""
    for seed in range(40):
        rng = random.Random(seed)
        n = rng.randint(1, 12)
        session = LearnSession(
            [f"t{i}" for i in range(n)], goal=rng.randint(1, n), spacers=["s1", "s2"][: seed % 3]
        )
        log = []
        while not session.done and len(log) < 2000:
            if session.round_over:
                session.start_round(rng)
                continue
            step = session.next_step()
            log.append((step, session.answer(step.term_id, rng.random() > 0.3)))
            if rng.random() < 0.1:  # saved and read back now and then, as storage does
                session = LearnSession.from_data(json.loads(json.dumps(session.to_data())))
        assert session.done, seed
        for term in session.learned_in_session:
            typed = [i for i, (step, out) in enumerate(log) if step.term_id == term and step.typed and out.correct]
            learned_at = next(i for i, (step, out) in enumerate(log) if step.term_id == term and out.learned_now)
            before = [i for i in typed if i < learned_at]
            assert (before and learned_at - before[-1] >= 2) or n == 1, (seed, term)
