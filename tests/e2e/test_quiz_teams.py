"""Team rounds through the real discord.py client: picking teams on the team message, Start now and
who may press it, members placed on the smallest team when they answer without joining, team
standings by average in the reveal and the podium, personal points still on the leaderboard, and a
team button after a restart."""

from __future__ import annotations

from tests.e2e.helpers import fields_of, rows
from tests.e2e.test_quiz import button, fetch, question_of, runner_of, start, wrong_choice


def team_message(world):
    message = world.channel.last_message
    assert message.embeds and message.embeds[0].title == "Pick your team"
    return message


def picker_of(world):
    """The team message of the round, as it is now."""
    return next(
        m for m in world.channel.history() if m.embeds and m.embeds[0].title in ("Pick your team", "Teams are set")
    )


def join(world, member, team: int):
    round_id = runner_of(world).round.round_id
    return member.click(picker_of(world), custom_id=f"quizteam:{round_id}:{team}")


async def start_now(world, member):
    return await member.click(picker_of(world), custom_id=f"quizgo:{runner_of(world).round.round_id}")


def points_of(world) -> dict[int, int]:
    return dict(rows(world, "SELECT user_id, points FROM quiz_totals WHERE period = 'all'"))


async def test_a_team_of_one_beats_a_team_of_three_on_average(world):
    dave = world.guild.add_member(world.env.create_user("dave"))
    result = await start(world, questions=1, mode="true_false", seconds=20, teams=2)
    assert "started a quiz" in result.response.content and "2 teams" in result.response.content
    picker = team_message(world)
    assert [c.custom_id for row in picker.components for c in row.children][-1].startswith("quizgo:")
    joined = await join(world, world.alice, 0)
    assert joined.ephemeral and "You're on team 🔴 Red" in joined.response.content
    for member in (world.bob, world.carol, dave):
        await join(world, member, 1)
    moved = await join(world, world.carol, 0)
    assert "You moved from team 🔵 Blue to team 🔴 Red" in moved.response.content
    back = await join(world, world.carol, 1)
    assert "to team 🔵 Blue" in back.response.content
    await world.env.advance_time(2)  # the rosters are edited at most every 2 seconds
    shown = fields_of(fetch(world, picker).embeds[0])
    assert shown["🔴 Red · 1"] == "alice" and shown["🔵 Blue · 3"] == "bob, carol, dave"
    assert runner_of(world).round.index == -1, "no question before the joining phase ends"

    await start_now(world, world.teacher)
    settled = fetch(world, picker)
    assert settled.embeds[0].title == "Teams are set" and not settled.components
    msg, q = world.channel.last_message, question_of(world)
    assert msg.embeds[0].title.startswith("Question 1/1")
    await world.env.advance_time(2)
    for member in (world.alice, world.bob, world.carol):
        await member.click(msg, custom_id=button(world, q.answer))  # 950 each
    await dave.click(msg, custom_id=button(world, wrong_choice(q)))  # 0
    await world.env.advance_time(18)

    points = points_of(world)  # each member's points go to the personal leaderboard
    assert set(points) == {world.alice.id, world.bob.id, world.carol.id, dave.id} and points[dave.id] == 0
    red, blue = points[world.alice.id], points[world.bob.id] + points[world.carol.id]
    assert blue > red and blue / 3 < red, "Blue has more points together, Red more on average"
    reveal = fields_of(fetch(world, msg).embeds[0])
    assert reveal["Teams"].splitlines() == [
        f"🥇 **🔴 Red** · {red:,} points average (1 player)",
        f"🥈 **🔵 Blue** · {round(blue / 3):,} points average (3 players)",
    ]
    podium = world.channel.last_message.embeds[0]
    teams_part, players_part = podium.description.split("\n\n")
    assert teams_part.splitlines()[1:] == reveal["Teams"].splitlines()
    assert players_part.splitlines()[0] == "**Players**"
    assert f"**alice** 🔴 · {red:,} points (1/1 right)" in players_part
    assert "4. **dave** 🔵 · 0 points (0/1 right)" in players_part


async def test_a_member_who_answers_without_joining_goes_to_the_smallest_team(world):
    await start(world, member=world.alice, questions=2, mode="true_false", seconds=20, teams=3)
    await join(world, world.alice, 0)
    await join(world, world.teacher, 0)  # anyone in the channel may join, the teacher too
    await join(world, world.bob, 1)
    await world.env.advance_time(30)  # nobody pressed Start now: the first question comes by itself
    assert fetch(world, picker_of(world)).embeds[0].title == "Teams are set"
    msg, q = world.channel.last_message, question_of(world)
    assert msg.embeds[0].title.startswith("Question 1/2")
    placed = await world.carol.click(msg, custom_id=button(world, q.answer))
    assert "Locked in" in placed.response.content
    assert "you play for team 🟢 Green (the smallest team)" in placed.response.content
    again = await world.bob.click(msg, custom_id=button(world, q.answer))
    assert "you play for" not in again.response.content, "bob had joined a team"
    dave = world.guild.add_member(world.env.create_user("dave"))
    late = await dave.click(msg, custom_id=button(world, q.answer))
    assert "🔵 Blue" in late.response.content, "Blue and Green have one each: the first of them"
    assert runner_of(world).round.teams.sizes() == [2, 2, 1]


async def test_only_the_starter_or_a_moderator_can_start_early(world):
    await start(world, member=world.alice, questions=1, mode="true_false", teams=2)
    refused = await start_now(world, world.bob)
    assert refused.ephemeral and "Only the person who started this quiz" in refused.response.content
    assert "<t:" in refused.response.content, "and when it starts by itself"
    assert runner_of(world).joining
    ok = await start_now(world, world.alice)
    assert ok.ephemeral and "Starting the quiz now" in ok.response.content
    assert world.channel.last_message.embeds[0].title.startswith("Question 1/1")


async def test_a_round_stopped_while_teams_are_picked_ends_cleanly(world):
    await start(world, questions=3, teams=2)
    await join(world, world.alice, 0)
    await world.teacher.slash(world.channel, "quiz stop")
    assert world.channel.last_message.embeds[0].title == "Quiz stopped"
    assert not fetch(world, picker_of(world)).components
    assert rows(world, "SELECT status FROM quiz_rounds") == [("stopped",)]
    assert runner_of(world) is None


async def test_a_team_button_after_a_restart_says_the_quiz_has_ended(world):
    await start(world, questions=3, teams=2)
    picker = team_message(world)
    round_id = runner_of(world).round.round_id
    # The bot cannot edit the team message after the restart (Discord answers 500): its buttons stay.
    world.env.inject_error(
        "PATCH", "/channels/*/messages/*", status=500, message="Internal Server Error", times=None
    )
    await world.restart()
    await world.env.advance_time(1)
    world.env.backend.faults.clear()
    clicked = await world.alice.click(picker, custom_id=f"quizteam:{round_id}:0")
    assert clicked.ephemeral and "This quiz has ended" in clicked.response.content
    early = await world.teacher.click(picker, custom_id=f"quizgo:{round_id}")
    assert early.ephemeral and "This quiz has ended" in early.response.content
    assert rows(world, "SELECT status FROM quiz_rounds") == [("interrupted",)]
    assert world.env.errors == []


async def test_a_restart_marks_the_team_message_interrupted(world):
    await start(world, questions=3, teams=4)
    picker = team_message(world)
    assert len([c for row in picker.components for c in row.children]) == 5, "four teams and Start now"
    await world.restart()
    await world.env.advance_time(1)
    shown = fetch(world, picker)
    assert "interrupted" in shown.content and not shown.components


async def test_a_team_pick_whose_reply_fails_is_undone_and_can_be_made_again(world):
    await start(world, questions=1, teams=2)
    # Discord answers the reply with 404 Unknown interaction: the click arrived after a stall.
    world.env.inject_error(
        "POST", "/interactions/*/callback", status=404, code=10062, message="Unknown interaction", times=1
    )
    await join(world, world.alice, 1)
    assert runner_of(world).round.teams.team_of(world.alice.id) is None, "she was never told: nothing kept"
    retry = await join(world, world.alice, 1)
    assert "You're on team 🔵 Blue" in retry.response.content
    assert world.env.errors == []


async def test_a_team_button_after_the_joining_phase_says_the_teams_are_set(world):
    await start(world, questions=2, mode="true_false", teams=2)
    await join(world, world.alice, 0)
    # The team message cannot be closed (Discord answers 500 to its edit): its buttons stay, the round goes on.
    world.env.inject_error(
        "PATCH", "/channels/*/messages/*", status=500, message="Internal Server Error", times=None
    )
    await world.env.advance_time(30)
    world.env.backend.faults.clear()
    assert world.channel.last_message.embeds[0].title.startswith("Question 1/2"), "the round went on"
    late = await join(world, world.bob, 1)
    assert late.ephemeral and "The teams are set" in late.response.content
    assert runner_of(world).round.teams.team_of(world.bob.id) is None
    early = await start_now(world, world.teacher)
    assert early.ephemeral and "already started" in early.response.content
    msg, q = world.channel.last_message, question_of(world)
    placed = await world.bob.click(msg, custom_id=button(world, q.answer))
    assert "you play for team 🔵 Blue" in placed.response.content


async def test_forget_takes_a_member_off_the_team_message(world):
    await start(world, questions=1, teams=2)
    await join(world, world.alice, 0)
    await join(world, world.bob, 0)
    await world.env.advance_time(2)
    assert fields_of(picker_of(world).embeds[0])["🔴 Red · 2"] == "alice, bob"
    world.bot.get_cog("Quiz").forget_member(world.alice.id)  # what /privacy forget calls
    await world.env.advance_time(2)
    assert fields_of(picker_of(world).embeds[0])["🔴 Red · 1"] == "bob"
