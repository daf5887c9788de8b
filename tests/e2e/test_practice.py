"""/test through the real discord.py client: answers feed the review schedule, the summary, the
"Review the missed ones now" button, owner-only buttons, double answers, ending early, restarts;
each option said once and no score before the first answer."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from fsrs import Rating, State

from bot.core import questions, srs
from bot.core.questions import Kind, Mode, make_question
from bot.storage.study import StudyRepo
from bot.ui.practice import ALREADY_ANSWERED, ENDED, FINISHED, NOT_YOURS
from tests.e2e.helpers import fields_of, rows
from tests.e2e.test_review import RATINGS, buttons, forge_click, snapshot
from tests.e2e.test_storage_faults import BUSY, locked, short_busy_timeout


def current(world, member):
    return world.bot.get_cog("Practice").tests[member.id]


async def answer(world, member, msg, right: bool):
    """Answer the question showing now, rightly or wrongly, the way a student would."""
    q = current(world, member).question
    if q.kind is Kind.TYPED:
        shown = await member.click(msg, label="✏️ Type your answer")
        assert shown.modal is not None
        text = world.bot.deck.get(q.term_id).name if right else "definitely not a term"
        return await member.submit_modal(shown, {"answer": text})
    choice = q.answer if right else next(k for k in q.choice_keys if k != q.answer)
    return await member.click(msg, custom_id=next(c for c in buttons(msg).values() if c.endswith(f":{choice}")))


async def test_a_typed_wrong_answer_sends_a_known_card_back_to_again(world):
    alice, deck = world.alice, world.bot.deck
    msg = (await alice.slash(world.channel, "test", questions=5, mode="typed")).response
    term = deck.get(current(world, alice).question.term_id)
    # Known well three days ago: a Review card in the middle of its interval.
    known = await StudyRepo(world.bot.db).record_review(
        alice.id,
        term.id,
        5,
        "review",
        world.guild.id,
        world.env.now() - timedelta(days=3),
        scheduler=srs.DEFAULT_SCHEDULER,
    )
    assert known.state.state == State.Review and known.state.due > world.env.now()
    assert msg.embeds[0].title == "Practice test · 1/5 · Type the term"
    at = world.env.now()
    await answer(world, alice, msg, right=False)

    feedback, question = msg.embeds
    assert feedback.title == "❌ Not quite" and f"Correct answer: **{term.name}**" in feedback.description
    assert term.definition[:50] in feedback.description
    assert question.title == "Practice test · 2/5 · Type the term"
    state, due, last = rows(
        world,
        "SELECT state, due, last_review FROM study_cards WHERE user_id = ? AND card_id = ?",
        (alice.id, term.id),
    )[0]
    expected = srs.apply_rating(
        term.id,
        known.state,
        Rating.Again,
        at,
        srs.review_rng(alice.id, term.id, at),
        scheduler=srs.DEFAULT_SCHEDULER,
    ).state
    assert (state, due, last) == (int(State.Relearning), int(expected.due.timestamp()), int(at.timestamp()))
    assert due - at.timestamp() == 600, "Again sends it to relearning: back in 10 minutes"
    assert rows(world, "SELECT raw_rating, rating, source FROM study_reviews ORDER BY id DESC LIMIT 1") == [
        (None, int(Rating.Again), "test")
    ]


@pytest.mark.parametrize("kind", [Kind.TERM, Kind.DEFINITION])
async def test_each_option_is_said_once_and_the_score_waits_for_a_first_answer(world, monkeypatch, kind):
    monkeypatch.setitem(questions.MODE_KINDS, Mode.MULTIPLE_CHOICE, (kind,))
    alice = world.alice
    msg = (await alice.slash(world.channel, "test", questions=5, mode="multiple_choice")).response
    q = current(world, alice).question
    embed, labels = msg.embeds[0], [label for label in buttons(msg) if label != "End test"]
    if kind is Kind.TERM:  # short names: on the buttons, not in the card
        assert labels == [f"{key}: {name}" for key, name in zip("ABCD", q.options, strict=True)]
        assert embed.fields == [] and not [name for name in q.options if name in str(embed.to_dict())]
    else:  # long definitions: in the card, a letter per button
        assert labels == ["A", "B", "C", "D"]
        assert fields_of(embed) == dict(zip("ABCD", q.options, strict=True))
    assert embed.footer.text is None, "no 'Score so far: 0/0' before any answer"
    await answer(world, alice, msg, right=True)
    assert msg.embeds[-1].footer.text == "Score so far: 1/1"


async def test_the_feedback_says_each_definition_once(world, monkeypatch):
    monkeypatch.setitem(questions.MODE_KINDS, Mode.MULTIPLE_CHOICE, (Kind.DEFINITION,))
    alice, deck = world.alice, world.bot.deck
    msg = (await alice.slash(world.channel, "test", questions=5, mode="multiple_choice")).response
    q = current(world, alice).question
    picked = next(k for k in q.choice_keys if k != q.answer)
    await answer(world, alice, msg, right=False)
    said = msg.embeds[0].description
    definition = deck.get(q.term_id).definition
    assert said.count(definition) == 1 and f"Correct answer: **{q.answer}**\n" in said
    chosen = q.options["ABCD".index(picked)]
    assert said.startswith(f"Your answer: {picked}: “") and chosen not in said, "a letter and a short form"
    q = current(world, alice).question
    await answer(world, alice, msg, right=True)
    right = msg.embeds[0]
    assert (
        right.title == "✅ Right!"
        and right.description == f"**{deck.get(q.term_id).name}**: {deck.get(q.term_id).definition}"
    )


async def test_a_full_test_sums_up_and_offers_to_review_the_missed_ones(world):
    alice, deck = world.alice, world.bot.deck
    start = await alice.slash(world.channel, "test", questions=5)
    assert start.ephemeral
    msg = start.response
    plan = (True, False, True, True, False)
    asked = [q.term_id for q in current(world, alice).questions]
    assert len(set(asked)) == 5, "never the same term twice"
    for i, right in enumerate(plan):
        await world.env.advance_time(7)
        before = snapshot(world, msg)
        await answer(world, alice, msg, right)
        assert msg.embeds[0].title == ("✅ Right!" if right else "❌ Not quite")
        # A second click made on the question just answered (a double click) changes nothing.
        again = await forge_click(world, alice, msg, next(iter(buttons(before).values())), as_it_was=before)
        assert again.ephemeral and (ALREADY_ANSWERED if i < 4 else FINISHED) in again.response.content

    summary = msg.embeds[-1]
    assert summary.title == "📝 Practice test complete"
    assert "Score: **3/5** (60%)" in summary.description and "⏱️ 35 s" in summary.description
    missed = [asked[1], asked[4]]
    assert fields_of(summary) == {f"❌ {deck.get(t).name}": deck.get(t).definition[:300] for t in missed}
    assert len(summary) + len(msg.embeds[0]) <= 6000
    test_row = rows(
        world, "SELECT id, questions, correct, mode, missed, finished_at - started_at FROM study_tests"
    )
    assert [r[1:] for r in test_row] == [(5, 3, "mixed", json.dumps(missed), 35_000)]
    assert rows(world, "SELECT card_id, rating FROM study_reviews WHERE source = 'test' ORDER BY id") == [
        (t, int(Rating.Good if right else Rating.Again)) for t, right in zip(asked, plan, strict=True)
    ]

    not_yours = await forge_click(world, world.bob, msg, buttons(msg)["Review the missed ones now"])
    assert NOT_YOURS in not_yours.response.content
    review = await alice.click(msg, label="Review the missed ones now")
    card = review.response
    assert review.ephemeral and card.id != msg.id, "a new private message; the result stays"
    assert card.embeds[0].title == deck.get(missed[0]).name
    assert "cards you missed in your test" in card.embeds[0].footer.text
    for _ in missed:
        await alice.click(card, label="Show answer")
        await alice.click(card, label=RATINGS[2])
    assert card.embeds[0].title == "🎉 All done for now"
    assert fields_of(card.embeds[0])["Reviewed"] == "2 cards"
    assert rows(world, "SELECT card_id FROM study_reviews WHERE source = 'review' ORDER BY id") == [
        (t,) for t in missed
    ]


async def test_ending_early_keeps_the_answers_so_far(world):
    alice = world.alice
    msg = (await alice.slash(world.channel, "test", questions=5, mode="true_false")).response
    await answer(world, alice, msg, right=True)
    await alice.click(msg, label="End test")
    summary = msg.embeds[-1]
    assert summary.title == "📝 Practice test ended early" and "**1/1**" in summary.description
    assert not msg.components, "no misses, so no review button"
    assert rows(world, "SELECT questions, correct FROM study_tests") == [(1, 1)]


async def test_a_restart_or_a_newer_test_ends_the_old_one(world):
    alice = world.alice
    first = (await alice.slash(world.channel, "test", questions=5, mode="true_false")).response
    second = (await alice.slash(world.channel, "test", questions=5, mode="true_false")).response
    await alice.click(first, label="True")
    assert first.content == ENDED and not first.components
    await world.restart()
    await alice.click(second, label="False")
    assert second.content == ENDED
    assert rows(world, "SELECT COUNT(*) FROM study_reviews") == [(0,)]


async def test_typed_answers_accept_acronyms_and_small_typos(world):
    alice, deck = world.alice, world.bot.deck
    msg = (await alice.slash(world.channel, "test", questions=5, mode="typed")).response
    test = current(world, alice)
    test.questions[0] = make_question(deck, deck.get("customer-lifetime-value"), Kind.TYPED, world.bot.rng)
    shown = await alice.click(msg, label="✏️ Type your answer")
    await alice.submit_modal(shown, {"answer": "clv"})
    assert msg.embeds[0].title == "✅ Right!" and "acronym" in msg.embeds[0].description
    assert test.correct == 1


async def test_bad_options_are_friendly(world):
    result = await world.alice.slash(world.channel, "test", topic="astrology")
    assert result.ephemeral and "no topic called" in result.response.content
    small = await world.alice.slash(world.channel, "test", questions=10, topic="ethics-and-rights")
    assert "has 7 terms, so this test has 7 questions" in small.response.content
    assert small.response.embeds[0].title.startswith("Practice test · 1/7")


# -- real Discord: a reply or a write can fail; the member can always try again ------------------

CALLBACK = "/interactions/*/*/callback"
# What a stalled or failing Discord answers to the bot's reply: a 5xx, or "Unknown interaction"
# (the 3-second window passed while the bot was busy).
REPLY_FAILURES = [
    pytest.param(503, 0, "Service Unavailable", id="5xx"),
    pytest.param(404, 10062, "Unknown interaction", id="unknown-interaction"),
]


def review_count(world) -> int:
    return rows(world, "SELECT COUNT(*) FROM study_reviews")[0][0]


@pytest.mark.parametrize(("status", "code", "message"), REPLY_FAILURES)
async def test_a_failed_reply_leaves_the_question_to_click_again_and_counts_once(world, status, code, message):
    alice = world.alice
    msg = (await alice.slash(world.channel, "test", questions=5, mode="true_false")).response
    first = current(world, alice).question
    world.env.inject_error("POST", CALLBACK, status=status, code=code, message=message)
    lost = await answer(world, alice, msg, right=True)
    if lost.acknowledged:  # after a 5xx the interaction still takes the error reply
        assert lost.ephemeral and "try again" in lost.response.content
    assert msg.embeds[0].title == "Practice test · 1/5 · True or false"
    assert review_count(world) == 1, "the answer was stored before the reply failed"

    retry = await alice.click(msg, label="False")  # whatever is clicked: the stored answer stands
    assert retry.acknowledged
    feedback, question = msg.embeds
    assert feedback.title == "✅ Right!" and question.title == "Practice test · 2/5 · True or false"
    assert review_count(world) == 1, "the retry delivered the answer; it did not store a second one"
    for _ in range(4):
        await answer(world, alice, msg, right=False)
    summary = msg.embeds[-1]
    assert "Score: **1/5**" in summary.description
    assert rows(world, "SELECT card_id FROM study_reviews ORDER BY id")[0] == (first.term_id,)
    assert rows(world, "SELECT questions, correct FROM study_tests") == [(5, 1)]


async def test_a_storage_failure_refuses_the_answer_and_the_retry_counts(world):
    alice = world.alice
    await short_busy_timeout(world)
    msg = (await alice.slash(world.channel, "test", questions=5, mode="true_false")).response
    with locked(world):
        refused = await answer(world, alice, msg, right=True)
    assert refused.ephemeral and BUSY in refused.response.content
    assert review_count(world) == 0 and msg.embeds[0].title.startswith("Practice test · 1/5")
    await answer(world, alice, msg, right=True)
    assert msg.embeds[0].title == "✅ Right!" and review_count(world) == 1


async def test_a_reply_reported_as_failed_that_did_arrive_lets_the_test_carry_on(world):
    alice = world.alice
    msg = (await alice.slash(world.channel, "test", questions=5, mode="true_false")).response
    test = current(world, alice)
    world.env.inject_error("POST", CALLBACK, status=503, message="Service Unavailable")
    await answer(world, alice, msg, right=True)
    # Discord applied the edit but answered 5xx: the member has question 2's buttons.
    shown = snapshot(world, msg)
    button = shown.components[0]["components"][0]
    button["custom_id"] = f"pt:{alice.id}:{test.key}:1:{test.questions[1].answer}"
    clicked = await forge_click(world, alice, msg, button["custom_id"], as_it_was=shown)
    assert clicked.acknowledged
    assert msg.embeds[0].title == "✅ Right!" and msg.embeds[1].title.startswith("Practice test · 3/5")
    assert review_count(world) == 2


async def test_a_failed_result_reply_shows_the_result_on_the_retry_and_stores_it_once(world):
    alice = world.alice
    msg = (await alice.slash(world.channel, "test", questions=5, mode="true_false")).response
    for _ in range(4):
        await answer(world, alice, msg, right=True)
    world.env.inject_error("POST", CALLBACK, status=404, code=10062, message="Unknown interaction")
    await answer(world, alice, msg, right=False)
    assert msg.embeds[-1].title.startswith("Practice test · 5/5"), "the last question is still showing"
    await alice.click(msg, label="End test")
    assert msg.embeds[0].title == "❌ Not quite" and msg.embeds[-1].title == "📝 Practice test complete"
    assert "Score: **4/5**" in msg.embeds[-1].description
    assert rows(world, "SELECT questions, correct FROM study_tests") == [(5, 4)], "stored once"
    assert review_count(world) == 5


async def test_an_abandoned_test_is_dropped_and_its_buttons_say_so(world):
    alice, bob = world.alice, world.bob
    practice = world.bot.get_cog("Practice")
    msg = (await alice.slash(world.channel, "test", questions=5, mode="true_false")).response
    await answer(world, alice, msg, right=True)
    await world.env.advance_time(61 * 60)
    await bob.slash(world.channel, "test", questions=5, mode="true_false")
    assert alice.id not in practice.tests and bob.id in practice.tests, "alice's test is no longer held"
    assert len(practice.last_key) == 1
    await alice.click(msg, label="True")
    assert msg.content == ENDED and "over an hour" in msg.content and not msg.components
    assert review_count(world) == 1, "the answer given before is kept"


async def test_forget_member_drops_a_running_test(world):
    """The cog's own method (the /privacy forget wiring is tested with that command)."""
    alice = world.alice
    practice = world.bot.get_cog("Practice")
    msg = (await alice.slash(world.channel, "test", questions=5, mode="true_false")).response
    practice.forget_member(alice.id)
    assert alice.id not in practice.tests and alice.id not in practice.last_key
    await alice.click(msg, label="True")
    assert msg.content == ENDED and review_count(world) == 0


async def test_a_typed_answer_whose_reply_failed_is_shown_when_the_box_button_is_clicked_again(world):
    alice, deck = world.alice, world.bot.deck
    msg = (await alice.slash(world.channel, "test", questions=5, mode="typed")).response
    term = deck.get(current(world, alice).question.term_id)
    shown = await alice.click(msg, label="✏️ Type your answer")
    world.env.inject_error("POST", CALLBACK, status=404, code=10062, message="Unknown interaction")
    await alice.submit_modal(shown, {"answer": term.name})
    assert review_count(world) == 1 and msg.embeds[0].title.startswith("Practice test · 1/5")
    retry = await alice.click(msg, label="✏️ Type your answer")
    assert retry.modal is None, "no second box: the answer is already stored"
    assert msg.embeds[0].title == "✅ Right!" and msg.embeds[1].title.startswith("Practice test · 2/5")
    assert review_count(world) == 1
