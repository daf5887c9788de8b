"""What a class reads during a round: each screen says a thing once. The reveal names the right
answer once; the podium lists the standings once, equal points share a place; a stop before any
answer says so; names members chose are shown as plain text. The options are said once (on the
buttons, or in the card with a letter per button); the points of the fastest answer are shown with
the streak bonus apart."""

from __future__ import annotations

import re

import pytest

from bot.core import questions
from bot.core.questions import Kind, Mode
from bot.ui.messages import member_name
from tests.e2e.helpers import fields_of, rows
from tests.e2e.test_quiz import button, fetch, question_of, start, wrong_choice

NITRO = "[Nitro](https://x.y) **me**"


async def test_equal_points_share_a_place_and_the_standings_are_shown_once(world):
    await start(world, questions=1, mode="true_false", seconds=20)
    msg, q = world.channel.last_message, question_of(world)
    await world.env.advance_time(2)
    await world.bob.click(msg, custom_id=button(world, q.answer))
    await world.alice.click(msg, custom_id=button(world, q.answer))  # the same instant: equal points
    await world.carol.click(msg, custom_id=button(world, wrong_choice(q)))
    await world.env.advance_time(18)
    podium = world.channel.last_message.embeds[0]
    assert podium.title == "🏆 Quiz complete!"
    assert podium.description.splitlines() == [
        "🥇 **alice** · 950 points (1/1 right)",
        "🥇 **bob** · 950 points (1/1 right)",
        "3\\. **carol** · 0 points (0/1 right)",  # third place, but no medal for no points
    ]
    assert podium.fields == [], "no second list repeating the first"
    assert podium.footer.text == "Equal points share a place. Points are saved to /leaderboard."
    assert rows(
        world, "SELECT user_id, rounds_won FROM quiz_totals WHERE period = 'all' ORDER BY user_id"
    ) == sorted([(world.alice.id, 1), (world.bob.id, 1), (world.carol.id, 0)]), (
        "both won the round, as both hold first place"
    )


async def test_without_a_tie_there_is_no_tie_note(world):
    await start(world, questions=1, mode="true_false", seconds=20)
    msg, q = world.channel.last_message, question_of(world)
    await world.env.advance_time(2)
    await world.alice.click(msg, custom_id=button(world, q.answer))
    await world.env.advance_time(2)
    await world.bob.click(msg, custom_id=button(world, q.answer))
    await world.env.advance_time(16)
    podium = world.channel.last_message.embeds[0]
    assert podium.description.splitlines() == [
        "🥇 **alice** · 950 points (1/1 right)",
        "🥈 **bob** · 900 points (1/1 right)",
    ]
    assert podium.footer.text == "Points are saved to /leaderboard."


async def test_a_stop_before_anyone_answered_says_so(world):
    await start(world, questions=5)
    await world.teacher.slash(world.channel, "quiz stop")
    podium = world.channel.last_message.embeds[0]
    assert podium.title == "Quiz stopped"
    assert podium.description == "The quiz was stopped before anyone answered."
    assert "Standings so far" not in str(podium.to_dict())


async def test_a_stop_after_answers_shows_the_standings_so_far(world):
    await start(world, questions=5, mode="true_false")
    msg = world.channel.last_message
    await world.alice.click(msg, custom_id=button(world, question_of(world).answer))
    await world.teacher.slash(world.channel, "quiz stop")
    lines = world.channel.last_message.embeds[0].description.splitlines()
    assert lines[0] == "The quiz was stopped. Standings so far:"
    assert lines[2].startswith("🥇 **alice** · ") and len(lines) == 3


async def test_names_members_chose_are_plain_text_in_the_reveal_and_the_podium(world):
    nitro = world.guild.add_member(world.env.create_user("dave"), nick=NITRO)
    await start(world, questions=1, mode="true_false", seconds=20)
    msg, q = world.channel.last_message, question_of(world)
    await world.env.advance_time(1)
    await nitro.click(msg, custom_id=button(world, q.answer))
    await world.env.advance_time(19)
    escaped = member_name(NITRO)  # the one shared helper: no link, no bold
    assert escaped.startswith("\\[Nitro]") and "\\*\\*me" in escaped
    reveal = fields_of(fetch(world, msg).embeds[0])
    assert reveal["Right"] == escaped
    assert reveal["⚡ Fastest"].startswith(f"{escaped} in 1.0 s")
    podium = world.channel.last_message.embeds[0]
    assert podium.description.startswith(f"🥇 **{escaped}** · ")
    for text in (reveal["Right"], reveal["⚡ Fastest"], podium.description):
        assert NITRO not in text


def labels(message) -> list[str]:
    return [c.label for row in message.components for c in row.children]


@pytest.fixture
def only(monkeypatch):
    """Make multiple-choice rounds ask one kind of question."""

    def use(kind: Kind) -> None:
        monkeypatch.setitem(questions.MODE_KINDS, Mode.MULTIPLE_CHOICE, (kind,))

    return use


async def test_pick_the_term_names_the_options_on_the_buttons_only(world, only):
    only(Kind.TERM)
    await start(world, questions=1, mode="multiple_choice", seconds=20)
    msg, q = world.channel.last_message, question_of(world)
    assert q.kind is Kind.TERM
    assert labels(msg) == [f"{key}: {name}" for key, name in zip("ABCD", q.options, strict=True)]
    embed = msg.embeds[0]
    assert list(fields_of(embed)) == ["Closes", "Answers"], "no option fields repeating the buttons"
    said = str(embed.to_dict())
    assert not [name for name in q.options if name in said], "each option is said once, on its button"
    locked = await world.alice.click(msg, custom_id=button(world, q.answer))
    assert locked.response.content == f"🔒 Locked in: {q.option_label(q.answer)}"


async def test_pick_the_definition_keeps_the_definitions_in_the_card_and_a_letter_per_button(world, only):
    only(Kind.DEFINITION)
    await start(world, questions=1, mode="multiple_choice", seconds=20)
    msg, q = world.channel.last_message, question_of(world)
    assert q.kind is Kind.DEFINITION
    assert labels(msg) == ["A", "B", "C", "D"]
    assert [(name, value) for name, value in fields_of(msg.embeds[0]).items() if name in "ABCD"] == list(
        zip("ABCD", q.options, strict=True)
    )
    choice = wrong_choice(q)
    text = q.options["ABCD".index(choice)]
    locked = (await world.alice.click(msg, custom_id=button(world, choice))).response.content
    assert re.fullmatch(rf"🔒 Locked in: {choice}: “[^”]{{1,41}}”", locked), locked
    assert text not in locked or len(text) <= 40, "a letter and a short form, not the whole definition"
    assert text.startswith(locked.split("“")[1].rstrip("”").rstrip("…"))
    again = await world.alice.click(msg, custom_id=button(world, q.answer))
    assert again.response.content.endswith(f"({locked.removeprefix('🔒 Locked in: ')}). One answer per question!")


async def test_the_fastest_shows_the_streak_bonus_apart_from_the_speed_points(world):
    await start(world, questions=2, mode="true_false", seconds=20)
    first, q = world.channel.last_message, question_of(world)
    await world.env.advance_time(2)
    await world.alice.click(first, custom_id=button(world, q.answer))
    await world.env.advance_time(18)
    assert fields_of(fetch(world, first).embeds[0])["⚡ Fastest"] == "alice in 2.0 s (+950 points)"
    await world.env.advance_time(5)  # the pause before question 2
    second, q = world.channel.last_message, question_of(world)
    await world.env.advance_time(2)
    await world.alice.click(second, custom_id=button(world, q.answer))  # everyone answered: it closes
    fastest = fields_of(fetch(world, second).embeds[0])["⚡ Fastest"]
    assert fastest == "alice in 2.0 s (+950 points, +100 streak bonus)", "never more than the 1,000 promised"
    assert rows(world, "SELECT points FROM quiz_answers ORDER BY question_no") == [(950,), (1050,)]


async def test_equal_places_without_a_medal_are_not_renumbered_as_a_list(world):
    """Discord reads lines starting "1. " as a numbered list and renumbers them 1, 2: two members
    sharing a place without a medal (no points) would read as first and second."""
    await start(world, questions=1, mode="true_false", seconds=20)
    msg, q = world.channel.last_message, question_of(world)
    await world.alice.click(msg, custom_id=button(world, wrong_choice(q)))
    await world.bob.click(msg, custom_id=button(world, wrong_choice(q)))
    await world.env.advance_time(20)
    podium = world.channel.last_message.embeds[0]
    assert podium.description.splitlines() == [
        "1\\. **alice** · 0 points (0/1 right)",
        "1\\. **bob** · 0 points (0/1 right)",
    ]
    assert not [line for line in podium.description.splitlines() if re.match(r"\d+[.)] ", line)]
