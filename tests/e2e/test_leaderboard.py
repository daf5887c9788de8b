"""/leaderboard: periods, sorting, the caller's own rank and page buttons."""

from __future__ import annotations

from tests.e2e.helpers import write
from tests.e2e.test_quiz import button, question_of, start, wrong_choice


async def play_one_question(world, right, wrong):
    await start(world, questions=1, mode="true_false")
    msg = world.channel.last_message
    q = question_of(world)
    for member in right:
        await member.click(msg, custom_id=button(world, q.answer))
    for member in wrong:
        await member.click(msg, custom_id=button(world, wrong_choice(q)))
    await world.env.advance_time(20)


def lines(result):
    return result.response.embeds[0].description.splitlines()


async def test_points_accuracy_and_rounds_won(world):
    await play_one_question(world, right=[world.alice], wrong=[world.bob])
    await play_one_question(world, right=[world.bob, world.carol], wrong=[])
    board = await world.carol.slash(world.channel, "leaderboard")
    assert not board.ephemeral
    order = [line.split("<@")[1].split(">")[0] for line in lines(board)]
    # bob and carol answered at the same instant; alice answered first in round 1
    assert order[0] == str(world.alice.id) and set(order[1:]) == {str(world.bob.id), str(world.carol.id)}
    mine = board.response.embeds[0].fields[0].value
    assert mine.startswith("#") and "of 3" in mine
    rank = mine.split(" ")[0][1:]
    assert f"**{rank}.**" not in mine and "<@" not in mine, "the rank and the name are said once"
    assert mine.count(" points · ") == 1 and "pts" not in str(board.response.embeds[0].to_dict())
    by_accuracy = await world.alice.slash(world.channel, "leaderboard", sort="accuracy")
    assert str(world.bob.id) in lines(by_accuracy)[-1], "bob got 1 of 2 right: last on accuracy"
    by_wins = await world.alice.slash(world.channel, "leaderboard", sort="rounds_won")
    assert str(world.alice.id) in lines(by_wins)[0] and "· 1 round won" in lines(by_wins)[0]


async def test_weeks_start_on_monday_and_all_time_keeps_everything(world):
    # The simulated clock starts on Thursday 2026-01-01 (UTC).
    await play_one_question(world, right=[world.alice], wrong=[])
    scheduler = world.bot.get_cog("Scheduler")
    if scheduler is not None:  # nothing is scheduled; skip 11,000 idle ticks of the 30-second loop
        scheduler.tick.cancel()
    await world.env.advance_time(4 * 86400)  # Monday 2026-01-05: a new week
    week = await world.alice.slash(world.channel, "leaderboard", period="week")
    assert week.response.embeds[0].description.startswith("No quiz answers yet this week.")
    assert week.response.embeds[0].fields[0].value == "You haven't answered a quiz question this week yet."
    assert (
        "2026" in week.response.embeds[0].title and "week of Mon 5 Jan 2026 (UTC)" in week.response.embeds[0].title
    )
    month = await world.alice.slash(world.channel, "leaderboard", period="month")
    assert str(world.alice.id) in month.response.embeds[0].description
    assert month.response.embeds[0].title.endswith("January 2026")  # one date style, no "2026-01"
    forever = await world.alice.slash(world.channel, "leaderboard", period="all")
    assert str(world.alice.id) in forever.response.embeds[0].description


async def test_own_rank_outside_the_top_ten_and_paging(world):
    await play_one_question(world, right=[], wrong=[world.alice])
    write(
        world,
        "INSERT INTO quiz_totals (guild_id, period, user_id, points, correct, answered) VALUES (?, 'all', ?, ?, 1, 1)",
        [(world.guild.id, 10_000 + i, 1000 + i) for i in range(14)],
    )
    board = await world.alice.slash(world.channel, "leaderboard", period="all")
    embed = board.response.embeds[0]
    assert len(embed.description.splitlines()) == 10
    assert embed.fields[0].value.startswith("#15 of 15")
    assert "page 1 of 2" in embed.footer.text
    other = await world.bob.click(board.response, label="Next ▶")
    assert other.ephemeral and "belong to whoever ran /leaderboard" in other.response.content
    await world.alice.click(board.response, label="Next ▶")
    page2 = board.response.embeds[0]
    assert page2.description.splitlines()[0].startswith("**11.**") and "page 2 of 2" in page2.footer.text
    assert str(world.alice.id) in page2.description
    await world.restart()
    await world.alice.click(board.response, label="◀ Previous")
    assert "page 1 of 2" in board.response.embeds[0].footer.text, "page buttons survive a restart"


async def test_leaderboard_needs_a_server(world):
    choices = world.alice.available_commands(world.channel)
    assert "leaderboard" in choices and "quiz start" in choices


async def test_the_all_time_view_never_speaks_of_a_period(world):
    never = await world.alice.slash(world.channel, "leaderboard", period="all")
    embed = never.response.embeds[0]
    assert embed.description == "No quiz answers yet. Start a round with /quiz start!"
    assert embed.fields[0].value == "You haven't answered a quiz question yet."
    month = await world.alice.slash(world.channel, "leaderboard", period="month")
    assert month.response.embeds[0].description.startswith("No quiz answers yet this month.")
    assert "period" not in str(embed.to_dict()) + str(month.response.embeds[0].to_dict())
