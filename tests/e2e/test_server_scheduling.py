"""Every path that rates a card schedules it with the server's own FSRS parameters and desired
retention (issue 14): /review ratings, /test answers, channel-quiz answers, /learn answers and its
"Add to /review", the daily term's "Quiz me"; DMs keep the defaults.

Each test gives the server adopted parameters (as a fit that won would leave them), rates a card
the member already studies, and checks the stored card is what FSRS gives with those parameters,
and not what the defaults give: same card, same rating, different due date.
"""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from fsrs import Rating, State

from bot.core import srs
from bot.storage.study import StudyRepo
from tests.core.server_history import FORGETFUL
from tests.e2e.helpers import rows, write
from tests.e2e.test_daily import buttons_of, posts, set_daily
from tests.e2e.test_review import RATINGS, card_of


def adopt(world, parameters=FORGETFUL) -> None:
    """The server's parameters as a fit that beat the defaults leaves them."""
    write(
        world,
        "INSERT INTO fsrs_params (guild_id, parameters, checked_at, adopted_at, outcome, reviews, held_out)"
        " VALUES (?, ?, 0, 0, 'adopted', 6000, 300)",
        [(world.guild.id, json.dumps(parameters))],
    )


async def studied(world, member, card_id: str, days_ago: int = 3) -> srs.CardState:
    """A card the member knew well `days_ago` days ago (rated 5 then, in a DM: default scheduling)."""
    at = world.env.now() - timedelta(days=days_ago)
    outcome = await StudyRepo(world.bot.db).record_review(
        member.id, card_id, 5, "review", None, at, scheduler=srs.DEFAULT_SCHEDULER
    )
    assert outcome.state.state == State.Review
    return outcome.state


def after(member, card_id, before, rating, at, scheduler) -> srs.CardState:
    rng = srs.review_rng(member.id, card_id, at)
    return srs.apply_rating(card_id, before, rating, at, rng, scheduler=scheduler).state


async def stored(world, member, card_id) -> srs.CardState:
    return (await StudyRepo(world.bot.db).get_cards(member.id, [card_id]))[card_id]


def assert_scheduled_by(card, member, before, rating, at, server, default=srs.DEFAULT_SCHEDULER):
    """The stored card is FSRS's with the server's scheduler, and another due date than the defaults'."""
    card_id = card.card_id
    assert card == after(member, card_id, before, rating, at, server)
    assert card.due != after(member, card_id, before, rating, at, default).due


async def test_review_ratings_follow_the_servers_parameters_and_retention(world):
    alice = world.alice
    adopt(world)
    set_to = await world.teacher.slash(world.channel, "settings retention", value="0.95")
    assert set_to.ephemeral and "**95%**" in set_to.response.content
    card_id = "customer-loyalty"
    before = await studied(world, alice, card_id, days_ago=30)  # due by now
    msg = (await alice.slash(world.channel, "review")).response
    assert card_of(msg) == card_id, "the due card comes first"
    await alice.click(msg, label="Show answer")
    at = world.env.now()
    await alice.click(msg, label=RATINGS[3])  # 4 Good
    card = await stored(world, alice, card_id)
    assert_scheduled_by(card, alice, before, Rating.Good, at, srs.scheduler(FORGETFUL, 0.95))
    # The parameters alone, at the default retention, would give yet another date.
    assert card.due != after(alice, card_id, before, Rating.Good, at, srs.scheduler(FORGETFUL)).due


async def test_a_rating_in_a_dm_keeps_the_defaults(world):
    bob = world.bob
    adopt(world)  # bob's server has its own parameters; his DMs are no server's
    card_id = "customer-loyalty"
    before = await studied(world, bob, card_id, days_ago=30)
    msg = (await bob.user.slash("review")).response
    assert card_of(msg) == card_id
    await bob.user.click(msg, label="Show answer")
    at = world.env.now()
    await bob.user.click(msg, label=RATINGS[3])
    card = await stored(world, bob, card_id)
    assert card == after(bob, card_id, before, Rating.Good, at, srs.DEFAULT_SCHEDULER)
    assert card.due != after(bob, card_id, before, Rating.Good, at, srs.scheduler(FORGETFUL)).due


async def test_a_practice_test_answer_follows_the_servers_parameters(world):
    from tests.e2e.test_practice import answer, current

    alice = world.alice
    adopt(world)
    msg = (await alice.slash(world.channel, "test", questions=5, mode="multiple_choice")).response
    term_id = current(world, alice).question.term_id
    before = await studied(world, alice, term_id)
    at = world.env.now()
    await answer(world, alice, msg, right=True)
    card = await stored(world, alice, term_id)
    assert_scheduled_by(card, alice, before, Rating.Good, at, srs.scheduler(FORGETFUL))


async def test_a_channel_quiz_answer_follows_the_servers_parameters(world):
    from tests.e2e.test_quiz import button, question_of, start

    alice = world.alice
    adopt(world)
    world.bot.get_cog("Scheduler").tick.cancel()
    await start(world, questions=1, mode="multiple_choice", seconds=10)
    q, message = question_of(world), world.channel.last_message
    before = await studied(world, alice, q.term_id)
    await world.env.advance_time(1)
    await alice.click(message, custom_id=button(world, q.answer))
    await world.env.advance_time(12)  # the reveal: then the flashcards are updated
    [(at_ms,)] = rows(world, "SELECT reviewed_at FROM study_reviews WHERE source = 'quiz'")
    at = srs._EPOCH + timedelta(milliseconds=at_ms)
    card = await stored(world, alice, q.term_id)
    assert_scheduled_by(card, alice, before, Rating.Good, at, srs.scheduler(FORGETFUL))


async def test_learn_answers_and_add_to_review_follow_the_servers_parameters(world):
    from tests.e2e.test_learn import TOPIC, answer
    from tests.e2e.test_learn import stored as learn_state

    alice, repo = world.alice, StudyRepo(world.bot.db)
    adopt(world)
    scheduler = srs.scheduler(FORGETFUL)
    known = world.bot.deck.terms_in(TOPIC)[0].id
    before = await studied(world, alice, known)
    msg = (await alice.slash(world.channel, "learn", topic=TOPIC)).response
    known_answers = 0
    while (state := learn_state(world, alice))["screen"] != "done":
        if state["screen"] == "round":
            await alice.click(msg, label="Continue ▶️")
            continue
        at = world.env.now()
        await answer(world, alice, msg, "right")
        if state["question"]["term_id"] == known and not known_answers:
            known_answers += 1
            # A term she studies in /review: her answer goes into the card at once.
            assert_scheduled_by(await stored(world, alice, known), alice, before, Rating.Good, at, scheduler)
        await world.env.advance_time(5)
    assert known_answers == 1
    await alice.click(msg, label="Add to /review")
    cards = await repo.get_cards(alice.id)
    added = [t for t in cards if t != known]
    assert len(added) == 6
    for term_id in added:  # built from her answers with the server's scheduler, as if live
        assert cards[term_id] == await repo.replay_card(alice.id, term_id, scheduler=scheduler)
        assert cards[term_id] != await repo.replay_card(alice.id, term_id)


async def test_the_daily_terms_quiz_me_follows_the_servers_parameters(world):
    alice = world.alice
    adopt(world)
    await set_daily(world)
    await world.teacher.slash(world.channel, "daily now")
    [post] = posts(world)
    term_id = buttons_of(post)["Quiz me"].rsplit(":", 1)[1]
    before = await studied(world, alice, term_id)
    asked = await alice.click(post, label="Quiz me")
    choices = buttons_of(asked.response)
    right = next(iter(choices.values())).split(":")[2]
    at = world.env.now()
    await alice.click(asked.response, custom_id=choices[right])
    card = await stored(world, alice, term_id)
    assert_scheduled_by(card, alice, before, Rating.Good, at, srs.scheduler(FORGETFUL))


@pytest.mark.parametrize("retention", [0.8, 0.95])
async def test_a_servers_retention_alone_moves_the_due_date(world, retention):
    alice = world.alice
    await world.teacher.slash(world.channel, "settings retention", value=str(retention))
    card_id = "customer-loyalty"
    before = await studied(world, alice, card_id, days_ago=30)
    msg = (await alice.slash(world.channel, "review")).response
    await alice.click(msg, label="Show answer")
    at = world.env.now()
    await alice.click(msg, label=RATINGS[3])
    card = await stored(world, alice, card_id)
    assert_scheduled_by(card, alice, before, Rating.Good, at, srs.scheduler(srs.DEFAULT_PARAMETERS, retention))
    sooner = card.due < after(alice, card_id, before, Rating.Good, at, srs.DEFAULT_SCHEDULER).due
    assert sooner is (retention > 0.9), "a higher retention brings cards back sooner, a lower one later"
