"""/learn through the real discord.py client: a whole session from new to learned (right, wrong and
typo answers, a restart in the middle), the FSRS cards it leaves, owner-only buttons, answer boxes
after a restart, failed replies retried, resuming, and bad input."""

from __future__ import annotations

import json
import logging

import pytest
from fsrs import Rating
from simcord.interactions import OptionError

from bot.core import srs
from bot.core.learn import Stage
from bot.storage.study import StudyRepo
from bot.ui import learn as ui
from tests.e2e.helpers import rows
from tests.e2e.test_bad_input import TEXT_IDS, TEXTS, WHITESPACE, ZERO_WIDTH, expect_refusal
from tests.e2e.test_review import buttons, forge_click, snapshot

TOPIC = "ethics-and-rights"  # 7 terms: one round
CALLBACK = "/interactions/*/*/callback"


def stored(world, member) -> dict:
    """The member's stored session: its screen, seq and state."""
    [(screen, seq, state)] = rows(
        world, "SELECT screen, seq, state FROM learn_sessions WHERE user_id = ?", (member.id,)
    )
    return {"screen": screen, "seq": seq, **json.loads(state)}


def typo(name: str) -> str:
    """A small typo the judge forgives: two neighbouring letters swapped in the longest word."""
    word = max(name.split(), key=len)
    i = len(word) // 2
    return name.replace(word, word[: i - 1] + word[i] + word[i - 1] + word[i + 1 :], 1)


async def answer(world, member, msg, how: str = "right"):
    """Answer the question showing now: "right", "wrong", "typo" (typed questions) or "skip"."""
    question = stored(world, member)["question"]
    deck = world.bot.deck
    if how == "skip":
        return await member.click(msg, label="Don't know")
    if question["kind"] == "typed":
        shown = await member.click(msg, label="✏️ Type your answer")
        assert shown.modal is not None, "the box opens"
        name = deck.get(question["term_id"]).name
        text = {"right": name, "typo": typo(name), "wrong": "definitely not a term"}[how]
        return await member.submit_modal(shown, {"answer": text})
    choice = question["answer"]
    if how == "wrong":
        choice = next(k for k in ("A", "B", "C", "D") if k != choice)
    return await member.click(msg, custom_id=next(c for c in buttons(msg).values() if c.endswith(f":{choice}")))


def reviews(world, member):
    return rows(
        world,
        "SELECT card_id, rating, source FROM study_reviews WHERE user_id = ? ORDER BY id",
        (member.id,),
    )


async def test_a_whole_session_from_new_to_learned_leaves_fsrs_cards(world):
    alice, deck = world.alice, world.bot.deck
    terms = [t.id for t in deck.terms_in(TOPIC)]
    # Alice already studies one of the terms in /review: her /learn answers go into that card at once.
    known = terms[3]
    await StudyRepo(world.bot.db).record_review(
        alice.id, known, 4, "review", world.guild.id, world.env.now(), scheduler=srs.DEFAULT_SCHEDULER
    )
    start = await alice.slash(world.channel, "learn", topic=TOPIC)
    assert start.ephemeral
    msg = start.response
    first = msg.embeds[0]
    assert first.title == "Learn · round 1 · Pick the term"
    assert "Not started **7**" in first.fields[-1].value
    assert set(buttons(msg)) >= {"Don't know"} and len(buttons(msg)) == 5

    # Each term's answers, in order, to check the cards they leave.
    given: dict[str, list[bool]] = {t: [] for t in terms}
    plans = {"choice": iter(["wrong", "right", "skip"]), "typed": iter(["typo", "wrong"])}
    used, restarted = [], False
    while (state := stored(world, alice))["screen"] != "done":
        if state["screen"] == "round":
            assert msg.embeds[-1].title.startswith("Round ") and "Continue ▶️" in buttons(msg)
            await alice.click(msg, label="Continue ▶️")
            continue
        question = state["question"]
        how = next(plans["typed" if question["kind"] == "typed" else "choice"], "right")
        used.append(how)
        await world.env.advance_time(5)
        await answer(world, alice, msg, how)
        given[question["term_id"]].append(how in ("right", "typo"))
        feedback = msg.embeds[0]
        assert feedback.title == ("✅ Right!" if how in ("right", "typo") else "❌ Not quite")
        if how == "typo":
            assert "Accepted with a small typo" in feedback.description
        if len(used) == 12:
            await world.restart()  # in the middle: the same message carries on
            restarted = True
    assert restarted and used[:3] == ["wrong", "right", "skip"] and {"typo", "wrong"} <= set(used[7:])

    done = msg.embeds[-1]
    assert done.title == "🎉 Learn session complete"
    assert "You learned **7** terms" in done.description and "Learned **7**" in done.description
    missed = {f.name for f in done.fields if f.name.startswith("❌ Missed:")}
    assert missed == {f"❌ Missed: {deck.get(t).name}" for t, answers in given.items() if False in answers}
    assert sum(a.count(False) for a in given.values()) == 3, "wrong MC, Don't know, wrong typed"
    assert rows(
        world, "SELECT term_id, stage FROM learn_terms WHERE user_id = ? ORDER BY term_id", (alice.id,)
    ) == [(t, int(Stage.LEARNED)) for t in sorted(terms)]
    for term_id, answers in given.items():
        assert answers[-1] is True and answers.count(True) >= 3, (term_id, answers)

    # Only the term she already studied is in /review so far, with every /learn answer in it.
    assert rows(world, "SELECT card_id FROM study_cards WHERE user_id = ?", (alice.id,)) == [(known,)]
    assert [r[1] for r in reviews(world, alice)] == [int(Rating.Good)] + [
        int(srs.rating_for_answer(c)) for c in given[known]
    ]
    assert {r[2] for r in reviews(world, alice)[1:]} == {"test"}

    # The offer: the other six go into /review, built from her answers as if they had gone in live.
    not_yours = await forge_click(world, world.bob, msg, buttons(msg)["Add to /review"])
    assert ui.NOT_YOURS in not_yours.response.content
    await alice.click(msg, label="Add to /review")
    assert msg.content.startswith("✅ Added 6 terms to your /review") and "1 was there already" in msg.content
    assert not msg.components
    cards = await StudyRepo(world.bot.db).get_cards(alice.id)
    assert set(cards) == set(terms)
    for term_id in terms:
        log = [r for r in reviews(world, alice) if r[0] == term_id]
        expected = [int(srs.rating_for_answer(c)) for c in given[term_id]]
        assert [r[1] for r in log][-len(expected) :] == expected
        assert cards[term_id] == await StudyRepo(world.bot.db).replay_card(alice.id, term_id)
    assert rows(world, "SELECT COUNT(*) FROM learn_answers") == [(0,)]


async def test_buttons_belong_to_their_owner(world):
    msg = (await world.alice.slash(world.channel, "learn", topic=TOPIC)).response
    before = stored(world, world.alice)
    clicked = await forge_click(world, world.bob, msg, next(iter(buttons(msg).values())))
    assert clicked.ephemeral and ui.NOT_YOURS in clicked.response.content
    assert stored(world, world.alice) == before
    assert rows(world, "SELECT COUNT(*) FROM learn_answers") == [(0,)]


def answers_stored(world) -> int:
    return (
        rows(world, "SELECT COUNT(*) FROM learn_answers")[0][0]
        + rows(world, "SELECT COUNT(*) FROM study_reviews")[0][0]
    )


async def test_a_double_click_counts_once(world):
    alice = world.alice
    msg = (await alice.slash(world.channel, "learn", topic=TOPIC)).response
    before = snapshot(world, msg)
    await answer(world, alice, msg, "right")
    again = await forge_click(world, alice, msg, next(iter(buttons(before).values())), as_it_was=before)
    assert again.ephemeral and ui.ALREADY_ANSWERED in again.response.content
    assert answers_stored(world) == 1 and stored(world, alice)["seq"] == 1


# What a stalled or failing Discord answers to the bot's reply: a 5xx, or "Unknown interaction"
# (the 3-second window passed while the bot was busy).
REPLY_FAILURES = [
    pytest.param(500, 0, "Internal Server Error", id="5xx"),
    pytest.param(404, 10062, "Unknown interaction", id="unknown-interaction"),
]


@pytest.mark.parametrize(("status", "code", "message"), REPLY_FAILURES)
async def test_a_failed_reply_leaves_the_question_to_click_again_and_counts_once(world, status, code, message):
    alice = world.alice
    msg = (await alice.slash(world.channel, "learn", topic=TOPIC)).response
    question = stored(world, alice)["question"]
    world.env.inject_error("POST", CALLBACK, status=status, code=code, message=message)
    lost = await answer(world, alice, msg, "wrong")
    if lost.acknowledged:  # after a 5xx the interaction still takes the error reply
        assert lost.ephemeral and "try again" in lost.response.content
    assert msg.embeds[0].title == "Learn · round 1 · Pick the term", "the question is still showing"
    assert answers_stored(world) == 1, "the answer was stored before the reply failed"

    # Whatever the member clicks now, the answer they gave stands and they see its feedback.
    retry = await alice.click(
        msg, custom_id=buttons(msg)[f"{question['answer']}: {world.bot.deck.get(question['term_id']).name}"]
    )
    assert retry.acknowledged and msg.embeds[0].title == "❌ Not quite"
    assert msg.embeds[1].title.startswith("Learn · round 1")
    assert answers_stored(world) == 1 and stored(world, alice)["seq"] == 1
    await answer(world, alice, msg, "right")
    assert msg.embeds[0].title == "✅ Right!" and answers_stored(world) == 2


async def first_typed_question(world, member):
    """A session of one term, answered right in multiple choice: round 2 asks to type it."""
    msg = (await member.slash(world.channel, "learn", topic=TOPIC, goal=1)).response
    await answer(world, member, msg, "right")  # one term, so one question a round
    await member.click(msg, label="Continue ▶️")
    question = stored(world, member)["question"]
    assert question["kind"] == "typed"
    return msg, world.bot.deck.get(question["term_id"])


async def test_a_failed_reply_to_a_typed_answer_is_shown_when_the_box_button_is_clicked_again(world):
    alice = world.alice
    msg, term = await first_typed_question(world, alice)
    box = await alice.click(msg, label="✏️ Type your answer")
    world.env.inject_error("POST", CALLBACK, status=500, message="Internal Server Error")
    await alice.submit_modal(box, {"answer": term.name})
    assert answers_stored(world) == 2 and msg.embeds[-1].title.startswith("Learn · round 2 · Type")
    retry = await alice.click(msg, label="✏️ Type your answer")
    assert retry.modal is None, "no second box: the stored answer is shown"
    assert msg.embeds[0].title == "✅ Right!" and answers_stored(world) == 2


async def test_a_busy_database_refuses_the_answer_and_the_retry_counts(world):
    from tests.e2e.test_storage_faults import BUSY, locked, short_busy_timeout

    alice = world.alice
    await short_busy_timeout(world)
    msg = (await alice.slash(world.channel, "learn", topic=TOPIC)).response
    with locked(world):
        refused = await answer(world, alice, msg, "right")
    assert refused.ephemeral and BUSY in refused.response.content
    assert answers_stored(world) == 0 and stored(world, alice)["seq"] == 0
    await answer(world, alice, msg, "right")
    assert msg.embeds[0].title == "✅ Right!" and answers_stored(world) == 1


async def test_an_answer_box_submitted_after_a_restart_is_answered(world):
    alice = world.alice
    msg, term = await first_typed_question(world, alice)
    shown = await alice.click(msg, label="✏️ Type your answer")
    second = await alice.click(msg, label="✏️ Type your answer")  # a second box for the same question
    await world.restart()
    submitted = await alice.submit_modal(shown, {"answer": term.name.upper()})
    assert submitted.acknowledged and msg.embeds[0].title == "✅ Right!"
    assert rows(world, "SELECT stage FROM learn_terms WHERE term_id = ?", (term.id,)) == [
        (int(Stage.RECALL_AGAIN),)
    ]
    # An old box (of a question answered since) is refused kindly and changes nothing.
    late = await alice.submit_modal(second, {"answer": term.name})
    assert late.ephemeral and ui.ALREADY_ANSWERED in late.response.content
    assert answers_stored(world) == 2


async def test_learn_again_resumes_and_a_new_topic_replaces_the_session(world):
    alice, deck = world.alice, world.bot.deck
    first = (await alice.slash(world.channel, "learn", topic=TOPIC)).response
    await answer(world, alice, first, "right")
    seq = stored(world, alice)["seq"]
    again = (await alice.slash(world.channel, "learn", topic=TOPIC)).response
    assert again.id != first.id and "Welcome back" in again.content
    assert (
        again.embeds[0].title == first.embeds[1].title
        and again.embeds[0].description == first.embeds[1].description
    )
    assert stored(world, alice)["seq"] == seq, "nothing changed"
    await answer(world, alice, again, "right")
    stale = await alice.click(first, label="Don't know")
    assert stale.ephemeral and ui.ALREADY_ANSWERED in stale.response.content

    other = (await alice.slash(world.channel, "learn", topic="metrics")).response
    assert "set aside" in other.content and "Feedback and metrics" in other.embeds[0].footer.text
    await alice.click(again, label="Don't know")
    assert again.content == ui.REPLACED and not again.components
    # What she did in the first topic is kept: a new session there continues with those terms.
    back = (await alice.slash(world.channel, "learn", topic=TOPIC)).response
    assert "In progress **2**" in back.embeds[0].fields[-1].value
    assert deck.get(stored(world, alice)["question"]["term_id"]).topic == TOPIC


async def test_a_later_session_knows_what_is_learned(world):
    alice = world.alice
    msg = (await alice.slash(world.channel, "learn", topic=TOPIC, goal=2)).response
    while stored(world, alice)["screen"] != "done":
        if stored(world, alice)["screen"] == "round":
            await alice.click(msg, label="Continue ▶️")
        else:
            await answer(world, alice, msg, "right")
    assert "You learned **2** terms" in msg.embeds[-1].description
    assert "Learned **2** · 📖 In progress **0** · 🆕 Not started **5**" in msg.embeds[-1].description
    learned = {t for (t,) in rows(world, "SELECT term_id FROM learn_terms WHERE stage = 3")}
    nxt = (await alice.slash(world.channel, "learn", topic=TOPIC)).response
    assert "Learned **2**" in nxt.embeds[0].fields[-1].value and "goal: 0/5" in nxt.embeds[0].footer.text
    assert stored(world, alice)["question"]["term_id"] not in learned


async def test_bad_input_gets_a_friendly_private_reply_and_changes_nothing(world, caplog):
    caplog.set_level(logging.WARNING)
    world.bot.get_cog("Scheduler").tick.cancel()
    alice = world.alice
    text = await expect_refusal(world, caplog, alice, "learn", topic="astrology")
    assert "no topic called" in text
    text = await expect_refusal(world, caplog, alice, "learn", topic=TOPIC, goal=8)
    assert "7 terms left to learn" in text and "from 1 to 7" in text
    for goal in (0, 2001):
        with pytest.raises(OptionError):
            await alice.slash(world.channel, "learn", goal=goal)
    # Everything of the topic learned: nothing left to learn there.
    async with world.bot.db.transaction() as tx:
        await tx.executemany(
            "INSERT INTO learn_terms (user_id, term_id, stage, misses, updated_at) VALUES (?, ?, 3, 0, 0)",
            [(alice.id, t.id) for t in world.bot.deck.terms_in(TOPIC)],
        )
    text = await expect_refusal(world, caplog, alice, "learn", topic=TOPIC)
    assert "learned all 7 terms" in text


async def test_forget_member_drops_what_the_cog_holds(world):
    alice = world.alice
    cog = world.bot.get_cog("Learn")
    await alice.slash(world.channel, "learn", topic=TOPIC)
    assert alice.id in cog.delivered
    cog.forget_member(alice.id)
    assert alice.id not in cog.delivered


@pytest.mark.parametrize(
    "text",
    [t for t in TEXTS if t not in (WHITESPACE, ZERO_WIDTH)],  # blank = every topic, as for the others
    ids=[i for t, i in zip(TEXTS, TEXT_IDS, strict=True) if t not in (WHITESPACE, ZERO_WIDTH)],
)
async def test_topics_at_their_edges_are_refused_kindly(world, caplog, text):
    world.bot.get_cog("Scheduler").tick.cancel()
    caplog.set_level(logging.WARNING)
    await expect_refusal(world, caplog, world.alice, "learn", topic=text)


async def test_learn_works_in_direct_messages(world):
    alice = world.alice.user
    start = await alice.slash("learn", topic=TOPIC, goal=1)
    msg = start.response
    assert msg.embeds[0].title == "Learn · round 1 · Pick the term"
    await answer(world, alice, msg, "wrong")
    assert msg.embeds[0].title == "❌ Not quite"
    assert rows(world, "SELECT guild_id FROM learn_answers") == [(None,)]


async def test_a_one_term_goal_asks_another_question_between_the_two_typed_answers(world):
    alice = world.alice
    msg, term = await first_typed_question(world, alice)
    await answer(world, alice, msg, "right")
    await alice.click(msg, label="Continue ▶️")
    between = stored(world, alice)["question"]
    assert between["review"] and between["term_id"] != term.id and between["kind"] == "term"
    assert "question in between" in msg.embeds[0].fields[-2].value
    await answer(world, alice, msg, "wrong")
    assert "moves no term on" in msg.embeds[0].fields[-1].value
    assert stored(world, alice)["question"]["term_id"] == term.id
    await answer(world, alice, msg, "right")
    assert (
        msg.embeds[-1].title == "🎉 Learn session complete"
        and "You learned **1** term:" in msg.embeds[-1].description
    )
    assert rows(world, "SELECT term_id, stage FROM learn_terms") == [(term.id, int(Stage.LEARNED))]
