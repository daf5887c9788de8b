"""/review through the real discord.py client: ratings and due times, owner-only buttons, restarts,
stale cards, two sessions at once, nothing due, unknown topics, question cards."""

from __future__ import annotations

import copy

import pytest
from simcord.actors import _component_interaction

from bot.core import srs
from bot.storage.study import StudyRepo
from bot.ui.review import ENDED_BY_NEWER, NOT_YOURS, STALE_CARD, card_key, rating_label
from tests.e2e.helpers import fields_of, rows

RATINGS = tuple(rating_label(n) for n in range(1, 6))


def buttons(message) -> dict[str, str]:
    """label -> custom_id of every button on the message as it is now."""
    return {c["label"]: c["custom_id"] for row in message.components for c in row["components"]}


def card_of(message) -> str:
    """The card id a review message shows (it is in every button's custom_id)."""
    return next(iter(buttons(message).values())).split(":")[-2]


def snapshot(world, message):
    """The message as it is now, kept: a click can be created on a card just before an edit replaces it."""
    return copy.deepcopy(world.env.backend.get_message(message.channel_id, message.id))


async def forge_click(world, member, message, custom_id: str, *, as_it_was=None):
    """Send a click the simulated client refuses: on someone else's ephemeral message (a modified client
    can), or on a button of an older state of the message (a double click racing the edit)."""
    stored = as_it_was or world.env.backend.get_message(message.channel_id, message.id)
    return await _component_interaction(member, stored, {"custom_id": custom_id, "component_type": 2})


def review_rows(world, user_id):
    return rows(
        world,
        "SELECT card_id, raw_rating, rating, source FROM study_reviews WHERE user_id = ? ORDER BY id",
        (user_id,),
    )


async def test_a_session_rated_1_3_5_schedules_each_card_and_sums_up(world):
    alice = world.alice
    session = await alice.slash(world.channel, "review")
    assert session.ephemeral
    msg = session.response
    assert set(buttons(msg)) == {"Show answer", "Stop"}
    rated = []
    for rating in (1, 3, 5):
        await world.env.advance_time(10)
        card_id = card_of(msg)
        await alice.click(msg, label="Show answer")
        back = msg.embeds[0]
        term = world.bot.deck.get(card_id)
        assert back.description == term.definition and "How well did you know this?" in fields_of(back)
        assert set(buttons(msg)) == {*RATINGS, "Stop"}
        at = world.env.now()
        await alice.click(msg, label=RATINGS[rating - 1])
        rated.append((card_id, rating, at))
        assert msg.content.startswith(f"Rated **{rating}**") and card_of(msg) != card_id, "next card, same message"
    await alice.click(msg, label="Stop")
    summary = fields_of(msg.embeds[0])
    assert summary["Reviewed"] == "3 cards" and summary["Average rating"] == "3.0 / 5"
    assert not msg.components

    stored = {
        card: (state, due, last)
        for card, state, due, last in rows(
            world, "SELECT card_id, state, due, last_review FROM study_cards WHERE user_id = ?", (alice.id,)
        )
    }
    assert set(stored) == {card for card, _, _ in rated}
    topic_of = {card.id: card.topic for card in world.bot.deck.study_cards()}
    assert len({topic_of[card] for card, _, _ in rated}) == 3, "new cards take turns between topics"
    for card_id, rating, at in rated:
        expected = srs.apply_rating(
            card_id,
            None,
            srs.map_rating(rating),
            at,
            srs.review_rng(alice.id, card_id, at),
            scheduler=srs.DEFAULT_SCHEDULER,
        )
        assert stored[card_id] == (
            int(expected.state.state),
            int(expected.state.due.timestamp()),
            int(at.timestamp()),
        )
    (c1, _, t1), (c3, _, t3), (c5, _, t5) = rated
    assert stored[c1][1] - t1.timestamp() == 60, "1 = Again: back in a minute"
    assert stored[c3][1] - t3.timestamp() == 600, "3 = Good on a new card: the next learning step, 10 minutes"
    assert stored[c5][1] - t5.timestamp() >= 2 * 86400, "5 = Easy: days away"
    assert review_rows(world, alice.id) == [(c1, 1, 1, "review"), (c3, 3, 3, "review"), (c5, 5, 4, "review")]
    assert f"<t:{stored[c1][1]}:R>" in summary["What's next"], "next due time = the card rated 1"


async def test_a_card_rated_1_comes_back_when_nothing_else_is_left(world):
    alice = world.alice
    msg = (await alice.slash(world.channel, "review", new=False)).response
    assert "Nothing is due" in msg.content and "new cards are waiting" in msg.content
    repo = StudyRepo(world.bot.db)
    await repo.record_review(
        alice.id, "customer-loyalty", 1, "review", world.guild.id, world.env.now(), scheduler=srs.DEFAULT_SCHEDULER
    )
    # Due in a minute, so it is shown ahead rather than leaving the member with nothing.
    msg = (await alice.slash(world.channel, "review", new=False)).response
    assert msg.embeds[0].title == "Customer Loyalty"
    await alice.click(msg, label="Show answer")
    await alice.click(msg, label=RATINGS[3])
    assert msg.embeds[0].title == "🎉 All done for now"
    assert fields_of(msg.embeds[0])["Reviewed"] == "1 card"


async def test_nothing_due_names_the_next_due_time(world):
    alice = world.alice
    outcome = await StudyRepo(world.bot.db).record_review(
        alice.id, "customer-loyalty", 5, "review", world.guild.id, world.env.now(), scheduler=srs.DEFAULT_SCHEDULER
    )
    result = await alice.slash(world.channel, "review", new=False)
    assert result.ephemeral and "Nothing is due right now" in result.response.content
    assert f"<t:{int(outcome.state.due.timestamp())}:R>" in result.response.content
    assert not result.response.components
    topic = await alice.slash(world.channel, "review", topic="loyalty-and-retention", new=False)
    assert "Nothing is due in **Loyalty and relationships**" in topic.response.content


async def test_unknown_topic_is_a_friendly_error(world):
    result = await world.alice.slash(world.channel, "review", topic="astrology")
    assert result.ephemeral and "no topic called **astrology**" in result.response.content
    assert rows(world, "SELECT COUNT(*) FROM study_reviews") == [(0,)]
    choices = await world.alice.autocomplete(world.channel, "review", "topic", "loyal")
    assert [c["value"] for c in choices] == ["loyalty-and-retention"]


async def test_only_the_owner_can_use_the_buttons(world):
    msg = (await world.alice.slash(world.channel, "review")).response
    await world.alice.click(msg, label="Show answer")
    for label in (RATINGS[3], "Stop"):
        refused = await forge_click(world, world.bob, msg, buttons(msg)[label])
        assert refused.ephemeral and NOT_YOURS in refused.response.content
    assert set(buttons(msg)) == {*RATINGS, "Stop"}, "alice's card is untouched"
    assert rows(world, "SELECT COUNT(*) FROM study_reviews") == [(0,)]
    await world.alice.click(msg, label=RATINGS[3])
    assert review_rows(world, world.alice.id)[0][1:] == (4, 3, "review")


async def test_buttons_keep_working_after_a_restart(world):
    msg = (await world.alice.slash(world.channel, "review")).response
    first = card_of(msg)
    await world.alice.click(msg, label="Show answer")
    await world.restart()
    await world.alice.click(msg, label=RATINGS[3])
    assert review_rows(world, world.alice.id) == [(first, 4, 3, "review")]
    assert msg.content.startswith("Rated **4**")
    second = card_of(msg)
    await world.alice.click(msg, label="Show answer")
    await world.alice.click(msg, label=RATINGS[1])
    await world.alice.click(msg, label="Stop")
    assert fields_of(msg.embeds[0])["Average rating"] == "3.0 / 5", "the counters travel in the buttons"
    assert [r[0] for r in review_rows(world, world.alice.id)] == [first, second]


async def test_a_stale_card_click_records_nothing_even_after_a_restart(world):
    msg = (await world.alice.slash(world.channel, "review")).response
    first = card_of(msg)
    front = snapshot(world, msg)
    await world.alice.click(msg, label="Show answer")
    back = snapshot(world, msg)
    await world.alice.click(msg, label=RATINGS[2])  # a newer card is now showing
    refused = await forge_click(world, world.alice, msg, buttons(back)[RATINGS[4]], as_it_was=back)
    assert refused.ephemeral and STALE_CARD in refused.response.content, "a second rating of the card"
    refused = await forge_click(world, world.alice, msg, buttons(front)["Show answer"], as_it_was=front)
    assert refused.ephemeral and STALE_CARD in refused.response.content, "an older card"
    await world.restart()
    refused = await forge_click(world, world.alice, msg, buttons(back)[RATINGS[0]], as_it_was=back)
    assert STALE_CARD in refused.response.content, "the check lives in the database, not in memory"
    assert review_rows(world, world.alice.id) == [(first, 3, 3, "review")]
    assert card_of(msg) != first and set(buttons(msg)) == {"Show answer", "Stop"}


async def test_a_second_session_ends_the_first_politely(world):
    alice = world.alice
    first = (await alice.slash(world.channel, "review")).response
    await alice.click(first, label="Show answer")
    second = (await alice.slash(world.channel, "review")).response
    assert first.content == ENDED_BY_NEWER and not first.components and not first.embeds
    await alice.click(second, label="Show answer")
    await alice.click(second, label=RATINGS[4])
    assert len(review_rows(world, alice.id)) == 1


async def test_an_older_session_whose_message_could_not_be_edited_refuses_clicks(world):
    alice = world.alice
    first = (await alice.slash(world.channel, "review")).response
    await alice.click(first, label="Show answer")
    # Its interaction token has expired (15 minutes): the message can no longer be edited.
    world.env.inject_error("PATCH", "/webhooks/*", status=401, code=50027, message="Invalid Webhook Token")
    second = (await alice.slash(world.channel, "review")).response
    assert set(buttons(first)) == {*RATINGS, "Stop"}
    await alice.click(first, label=RATINGS[3])
    assert first.content == ENDED_BY_NEWER and not first.components
    assert rows(world, "SELECT COUNT(*) FROM study_reviews") == [(0,)]
    await alice.click(second, label="Show answer")
    assert set(buttons(second)) == {*RATINGS, "Stop"}, "the newer session carries on"


async def test_indicator_and_list_cards_show_the_prompt_then_the_answer(world):
    alice, deck = world.alice, world.bot.deck
    repo = StudyRepo(world.bot.db)
    for term in deck.terms_in("ethics-and-rights"):  # met in a test: studied, not due yet
        await repo.record_answer(
            alice.id, term.id, True, "test", world.guild.id, world.env.now(), scheduler=srs.DEFAULT_SCHEDULER
        )
    msg = (await alice.slash(world.channel, "review", topic="ethics-and-rights")).response
    indicator = next(q for q in deck.open_questions if q.id == card_of(msg))
    assert msg.embeds[0].title == indicator.prompt
    assert msg.embeds[0].description.startswith("🆕 New performance indicator\n")
    await alice.click(msg, label="Show answer")
    assert msg.embeds[0].description == indicator.model_answer[:4096]
    assert indicator.key_points[0] in fields_of(msg.embeds[0])["Key points"]
    for _ in deck.open_questions:
        if card_of(msg).startswith("list-"):
            break
        if "Show answer" in buttons(msg):
            await alice.click(msg, label="Show answer")
        await alice.click(msg, label=RATINGS[3])
    listed = next(q for q in deck.list_questions if q.id == card_of(msg))
    await alice.click(msg, label="Show answer")
    assert msg.embeds[0].title == listed.prompt
    assert msg.embeds[0].description.startswith(f"1. {listed.items[0]}")


async def test_a_days_new_cards_mix_the_topics_and_the_card_says_what_it_is(world):
    alice, deck = world.alice, world.bot.deck
    msg = (await alice.slash(world.channel, "review")).response
    front = msg.embeds[0]
    assert front.description.startswith("🆕 New term\n\nWhat does it mean?")
    assert set(fields_of(front)) == {"Topic"}, "no field titled after the card's kind"
    topic_of = {card_key(card.id): card.topic for card in deck.study_cards()}  # buttons carry keys
    seen = []
    while "Show answer" in buttons(msg):
        seen.append(card_of(msg))
        await alice.click(msg, label="Show answer")
        back = msg.embeds[0]
        asked = fields_of(back)["How well did you know this?"]
        assert not any(word in asked for word in ("Again", "Hard", "Good", "Easy", "1", "5")), (
            "the question is kept; the buttons say the scale, the card does not repeat it"
        )
        assert [label for label in buttons(msg) if label != "Stop"] == [
            "1 Again · forgot", "2 Again · almost had it", "3 Good · got it, with effort", "4 Good · got it",
            "5 Easy · instant",
        ]  # fmt: skip
        await alice.click(msg, label=RATINGS[4])
    assert len(seen) == world.bot.settings.new_cards_per_day == 10
    assert len({topic_of[card] for card in seen}) >= 8, "not the first topic's terms in alphabetical order"
    first_topic = [t.id for t in deck.terms_in(deck.topics[0].id)]
    assert seen[:3] != first_topic[:3]


# -- real Discord: a reply can fail after the rating was stored ----------------------------------

CALLBACK = "/interactions/*/*/callback"


@pytest.mark.parametrize(
    ("status", "code", "message"),
    [(503, 0, "Service Unavailable"), (404, 10062, "Unknown interaction")],
    ids=["5xx", "unknown-interaction"],
)
async def test_a_rating_whose_reply_failed_is_shown_on_the_retry_and_counted_once(world, status, code, message):
    alice = world.alice
    msg = (await alice.slash(world.channel, "review")).response
    first = card_of(msg)
    await alice.click(msg, label="Show answer")
    world.env.inject_error("POST", CALLBACK, status=status, code=code, message=message)
    await alice.click(msg, label=RATINGS[3])
    assert review_rows(world, alice.id) == [(first, 4, 3, "review")], "stored before the reply failed"
    assert card_of(msg) == first and set(buttons(msg)) == {*RATINGS, "Stop"}, "the member still has the card"

    retry = await alice.click(msg, label=RATINGS[0])  # what was stored stands; the retry shows it
    assert retry.acknowledged and msg.content.startswith("Rated **4** (Good)")
    assert card_of(msg) != first and set(buttons(msg)) == {"Show answer", "Stop"}
    assert review_rows(world, alice.id) == [(first, 4, 3, "review")], "rated once"
    again = await forge_click(world, alice, msg, buttons(msg)["Show answer"])
    assert set(buttons(msg)) == {*RATINGS, "Stop"} and again.acknowledged
    await alice.click(msg, label="Stop")
    assert fields_of(msg.embeds[0])["Reviewed"] == "1 card"


async def test_the_last_rating_whose_reply_failed_ends_the_session_on_the_retry(world):
    alice = world.alice
    await StudyRepo(world.bot.db).record_review(
        alice.id, "customer-loyalty", 1, "review", world.guild.id, world.env.now(), scheduler=srs.DEFAULT_SCHEDULER
    )
    msg = (await alice.slash(world.channel, "review", new=False)).response
    await alice.click(msg, label="Show answer")
    world.env.inject_error("POST", CALLBACK, status=503, message="Service Unavailable")
    await alice.click(msg, label=RATINGS[3])
    await alice.click(msg, label=RATINGS[3])
    assert msg.embeds[0].title == "🎉 All done for now" and fields_of(msg.embeds[0])["Reviewed"] == "1 card"
    assert len(review_rows(world, alice.id)) == 2
    await alice.slash(world.channel, "review")
    assert msg.embeds[0].title == "🎉 All done for now", "a finished session's summary stays"


async def test_an_abandoned_sessions_bookkeeping_expires_and_its_card_still_rates(world):
    alice, bob = world.alice, world.bob
    review = world.bot.get_cog("Review")
    msg = (await alice.slash(world.channel, "review")).response
    first = card_of(msg)
    await alice.click(msg, label="Show answer")
    assert alice.id in review.newest and alice.id in review.live
    await world.env.advance_time(61 * 60)
    await bob.slash(world.channel, "review")
    assert alice.id not in review.newest and alice.id not in review.live
    assert len(review.newest) == 1 and len(review.locks) == 0
    # Like after a restart: the card check lives in the database, so the card rates once.
    await alice.click(msg, label=RATINGS[3])
    assert msg.content.startswith("Rated **4**") and review_rows(world, alice.id) == [(first, 4, 3, "review")]


async def test_forget_member_drops_the_sessions_bookkeeping(world):
    """The cog's own method (the /privacy forget wiring is tested with that command)."""
    alice = world.alice
    review = world.bot.get_cog("Review")
    msg = (await alice.slash(world.channel, "review")).response
    await alice.click(msg, label="Show answer")
    world.env.inject_error("POST", CALLBACK, status=503, message="Service Unavailable")
    await alice.click(msg, label=RATINGS[3])
    assert alice.id in review.undelivered
    review.forget_member(alice.id)
    assert all(alice.id not in state for state in (review.newest, review.live, review.undelivered))
    refused = await alice.click(msg, label=RATINGS[3])
    assert refused.ephemeral and STALE_CARD in refused.response.content, "nothing about the click is kept"
