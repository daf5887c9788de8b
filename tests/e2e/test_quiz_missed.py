"""Missed-terms rounds through the real discord.py client: /quiz start source:missed asks the terms
this server missed most (quiz answers and practice tests, in the period), and with too little
history says so and offers a normal round with a button that works, also after a restart."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

from tests.e2e.helpers import rows
from tests.e2e.test_quiz import runner_of, start

HEAVY = ("active-listening", "brand-promise", "complaint-handling")  # missed 9 times in 10
LIGHT = ("credibility", "cross-selling")  # missed once in 10
RIGHT = ("added-value", "client", "competitor", "conflict", "customer")  # never missed
DAY = timedelta(days=1)


async def seed(world, term_id: str, answers: int, misses: int, *, ago: timedelta = DAY, source: str = "quiz"):
    """`answers` answers of this server's members to one term, `misses` of them wrong, `ago` back:
    quiz answers of a finished round, or practice-test answers in the review log."""
    db = world.bot.db
    at_ms = int((world.env.now() - ago).timestamp() * 1000)
    if source == "test":
        for n in range(answers):
            await db.execute(
                "INSERT INTO study_reviews (user_id, card_id, guild_id, rating, source, reviewed_at)"
                " VALUES (?, ?, ?, ?, 'test', ?)",
                (1000 + n, term_id, world.guild.id, 1 if n < misses else 3, at_ms),
            )
        return
    async with db.transaction() as conn:
        round_id = await conn.insert(
            "INSERT INTO quiz_rounds (guild_id, channel_id, started_by, mode, question_count, seconds, status,"
            " started_at, ended_at) VALUES (?, 1, 1, 'mixed', 1, 20, 'finished', ?, ?)",
            (world.guild.id, at_ms, at_ms),
        )
        await conn.executemany(
            "INSERT INTO quiz_answers (round_id, question_no, user_id, guild_id, card_id, choice, correct, points,"
            " elapsed_ms, answered_at) VALUES (?, 1, ?, ?, ?, 'A', ?, 0, 1000, ?)",
            [(round_id, 1000 + n, world.guild.id, term_id, int(n >= misses), at_ms) for n in range(answers)],
        )


def asked(world) -> list[str]:
    return [q.term_id for q in runner_of(world).round.questions]


async def test_the_most_missed_terms_come_up(world):
    for term in HEAVY:
        await seed(world, term, 5, 5)  # the quiz half of the misses
        await seed(world, term, 5, 4, source="test")  # and the practice-test half
    for term in LIGHT:
        await seed(world, term, 10, 1, source="test")
    for term in RIGHT:
        await seed(world, term, 10, 0)
    result = await start(world, questions=3, mode="true_false", source="missed")
    assert not result.ephemeral
    assert "started a quiz on the terms this server missed most in the last 30 days" in result.response.content
    assert world.channel.last_message.embeds[0].title.startswith("Question 1/3")
    assert rows(world, "SELECT question_count FROM quiz_rounds WHERE status = 'active'") == [(3,)]
    drawn = Counter(asked(world))
    for _ in range(7):  # more rounds from the same history (the bot's rng is seeded)
        await world.teacher.slash(world.channel, "quiz stop")
        await start(world, questions=3, mode="true_false", source="missed")
        drawn.update(asked(world))
    assert set(drawn) <= {*HEAVY, *LIGHT}, "never a term nobody missed"
    assert all(n == 1 for n in Counter(asked(world)).values()), "a term once per round"
    heavy = sum(drawn[t] for t in HEAVY)
    assert heavy >= 0.8 * sum(drawn.values()), drawn  # 9 misses in 10 against 1 in 10
    assert all(drawn[t] > drawn[u] for t in HEAVY for u in LIGHT), drawn


async def test_the_period_decides_which_misses_count_and_a_short_history_makes_a_short_round(world):
    for term in (*HEAVY, *LIGHT):
        await seed(world, term, 4, 2, ago=10 * DAY)
    too_recent = await start(world, questions=10, source="missed", period="week")
    assert too_recent.ephemeral and "in the last 7 days" in too_recent.response.content
    assert "0 answers and 0 missed terms" in too_recent.response.content
    assert rows(world, "SELECT COUNT(*) FROM quiz_rounds WHERE status = 'active'") == [(0,)]
    month = await start(world, questions=10, source="missed", period="month")
    assert "5 questions" in month.response.content
    assert "Only 5 terms were missed, so the round is shorter." in month.response.content
    assert sorted(asked(world)) == sorted((*HEAVY, *LIGHT))


async def test_another_servers_misses_and_other_topics_do_not_count(world):
    other = world.env.create_guild("Another class")
    for term in HEAVY:
        await seed(world, term, 10, 9)
    world.guild, saved = other, world.guild  # the same misses, seen from another server
    try:
        channel = other.create_text_channel("class")
        teacher = other.add_member(world.env.create_user("mr_lee"))
        refused = await teacher.slash(channel, "quiz start", source="missed")
        assert refused.ephemeral and "Not enough history" in refused.response.content
    finally:
        world.guild = saved
    topic = world.bot.deck.get("client").topic
    assert all(world.bot.deck.get(t).topic != topic for t in HEAVY)
    elsewhere = await start(world, source="missed", topic=topic)
    assert elsewhere.ephemeral and "Not enough history" in elsewhere.response.content


async def test_without_history_a_button_starts_a_normal_round_also_after_a_restart(world):
    refused = await start(world, questions=2, mode="true_false", seconds=15, source="missed")
    assert refused.ephemeral
    assert refused.response.content.startswith("📭 Not enough history for a missed-terms round yet")
    assert "Press the button for a normal round" in refused.response.content
    assert rows(world, "SELECT COUNT(*) FROM quiz_rounds") == [(0,)]
    await world.restart()
    started = await world.teacher.click(refused.response, label="Start a normal round")
    assert not started.ephemeral and "started a quiz: 2 questions, 15 seconds each" in started.response.content
    question = world.channel.last_message.embeds[0]
    assert question.title == "Question 1/2 · True or false"
    assert runner_of(world).round.seconds == 15
    again = await world.teacher.click(refused.response, label="Start a normal round")
    assert again.ephemeral and "already running here" in again.response.content
    assert world.env.errors == []
