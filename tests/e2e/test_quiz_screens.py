"""What a class reads during a round: each screen says a thing once. The reveal names the right
answer once; the podium lists the standings once, equal points share a place; a stop before any
answer says so; names members chose are shown as plain text."""

from __future__ import annotations

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
        "3. **carol** · 0 points (0/1 right)",  # third place, but no medal for no points
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
