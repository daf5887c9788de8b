"""Fair scoring and anonymous reveals through the real discord.py client: accuracy scoring pays
right answers only and allows up to 300 seconds (speed scoring keeps 10-120, refused with a
friendly reply above); an anonymous round names nobody in any message of the channel, while every
member's points still go to the leaderboard."""

from __future__ import annotations

import pytest
from simcord.interactions import OptionError

from tests.e2e.helpers import fields_of, rows
from tests.e2e.test_quiz import button, fetch, question_of, runner_of, start, wrong_choice
from tests.e2e.test_quiz_teams import join, start_now


async def test_accuracy_scoring_with_a_long_limit_pays_slow_and_fast_alike(world):
    result = await start(world, questions=1, mode="true_false", seconds=200, scoring="accuracy")
    assert "200 seconds each" in result.response.content
    assert "Every right answer earns 1,000 points, however long you take" in result.response.content
    msg, q = world.channel.last_message, question_of(world)
    assert msg.embeds[0].footer.text == "Every right answer earns 1,000 points, however long you take."
    await world.env.advance_time(1)
    await world.alice.click(msg, custom_id=button(world, q.answer))  # fast
    await world.env.advance_time(120)  # past what speed scoring would allow: still open
    assert not runner_of(world).round.closed
    slow = await world.bob.click(msg, custom_id=button(world, q.answer))
    assert "Locked in" in slow.response.content
    await world.carol.click(msg, custom_id=button(world, wrong_choice(q)))
    await world.env.advance_time(80)
    podium = world.channel.last_message.embeds[0]
    assert podium.description.splitlines() == [
        "🥇 **alice** · 1,000 points (1/1 right)",
        "🥇 **bob** · 1,000 points (1/1 right)",
        "3. **carol** · 0 points (0/1 right)",
    ]
    assert rows(world, "SELECT user_id, points FROM quiz_answers ORDER BY user_id") == sorted(
        [(world.alice.id, 1000), (world.bob.id, 1000), (world.carol.id, 0)]
    )
    assert rows(world, "SELECT seconds FROM quiz_rounds") == [(200,)]


async def test_accuracy_scoring_has_no_streak_bonus(world):
    await start(world, questions=2, mode="true_false", seconds=20, scoring="accuracy")
    for _ in range(2):
        msg, q = world.channel.last_message, question_of(world)
        await world.alice.click(msg, custom_id=button(world, q.answer))
        await world.env.advance_time(20 + 5)
    assert rows(world, "SELECT points FROM quiz_totals WHERE period = 'all'") == [(2000,)]


async def test_a_speed_round_over_120_seconds_is_refused_with_the_way_out(world):
    refused = await start(world, questions=3, seconds=200)
    assert refused.ephemeral
    assert "With speed scoring a question lasts 10-120 seconds" in refused.response.content
    assert "scoring:accuracy" in refused.response.content
    assert (await start(world, questions=3, seconds=121, scoring="speed")).ephemeral
    assert rows(world, "SELECT COUNT(*) FROM quiz_rounds") == [(0,)]
    assert world.channel.history() == [], "nothing was posted"
    assert world.env.errors == []


@pytest.mark.parametrize("scoring", ["accuracy", "speed"])
async def test_400_seconds_never_reaches_the_bot(world, scoring):
    with pytest.raises(OptionError):  # over the declared 300: Discord itself refuses it
        await start(world, seconds=400, scoring=scoring)
    assert rows(world, "SELECT COUNT(*) FROM quiz_rounds") == [(0,)]


async def test_period_without_source_missed_is_refused(world):
    refused = await start(world, period="week")
    assert refused.ephemeral and "goes with source:missed" in refused.response.content
    assert rows(world, "SELECT COUNT(*) FROM quiz_rounds") == [(0,)]


def everything_said(world) -> str:
    """Every message in the channel as the class sees it: text, embeds and buttons."""
    said = []
    for message in world.channel.history():
        said.append(message.content)
        said.extend(str(embed.to_dict()) for embed in message.embeds)
        said.extend(str(c.to_dict()) for row in message.components for c in row.children)
    return "\n".join(said)


def assert_nobody_named(world, members) -> None:
    said = everything_said(world)
    for member in members:
        assert member.name not in said
        assert str(member.id) not in said, "no mention either"


async def test_an_anonymous_round_names_nobody_but_counts_for_everyone(world):
    result = await start(world, questions=2, mode="true_false", seconds=20, reveal="anonymous")
    assert "Results are anonymous" in result.response.content
    msg, q = world.channel.last_message, question_of(world)
    await world.env.advance_time(1)
    await world.alice.click(msg, custom_id=button(world, q.answer))
    await world.bob.click(msg, custom_id=button(world, q.answer))
    await world.carol.click(msg, custom_id=button(world, wrong_choice(q)))
    await world.env.advance_time(19)
    reveal = fetch(world, msg).embeds[0]
    assert list(fields_of(reveal)) == ["Answers"], "the counts, no Right list, no fastest"
    assert f"**{q.answer.title()}** 2" in fields_of(reveal)["Answers"]
    assert reveal.description.startswith("✅ **"), "the right answer is shown"
    await world.env.advance_time(5)
    second, q2 = world.channel.last_message, question_of(world)
    await world.alice.click(second, custom_id=button(world, q2.answer))
    await world.env.advance_time(20)
    podium = world.channel.last_message.embeds[0]
    assert podium.title == "🏆 Quiz complete!"
    assert podium.description == "3 members played. The class got 3 of 4 answers right (75%)."
    assert_nobody_named(world, [world.alice, world.bob, world.carol])
    assert {uid for (uid,) in rows(world, "SELECT user_id FROM quiz_totals WHERE period = 'all'")} == {
        world.alice.id,
        world.bob.id,
        world.carol.id,
    }, "the personal leaderboard still counts"
    assert rows(
        world, "SELECT rounds_won FROM quiz_totals WHERE period = 'all' AND user_id = ?", (world.alice.id,)
    ) == [(1,)]


async def test_an_anonymous_team_round_shows_how_many_never_who(world):
    await start(world, questions=1, mode="true_false", seconds=20, reveal="anonymous", teams=2)
    await join(world, world.alice, 0)
    await join(world, world.bob, 1)
    await world.env.advance_time(2)
    await start_now(world, world.teacher)
    msg, q = world.channel.last_message, question_of(world)
    await world.alice.click(msg, custom_id=button(world, q.answer))
    await world.bob.click(msg, custom_id=button(world, wrong_choice(q)))
    await world.carol.click(msg, custom_id=button(world, q.answer))  # placed on a team, named nowhere
    await world.env.advance_time(20)
    picker = next(m for m in world.channel.history() if m.embeds and m.embeds[0].title == "Teams are set")
    assert fields_of(picker.embeds[0]) == {"🔴 Red · 1": "1 member", "🔵 Blue · 1": "1 member"}
    podium = world.channel.last_message.embeds[0].description
    assert "**Teams**" in podium and "3 members played" in podium
    assert_nobody_named(world, [world.alice, world.bob, world.carol])
