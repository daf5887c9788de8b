"""/progress through the real discord.py client: every figure checked against the stored rows, and the chart."""

from __future__ import annotations

import io
import sqlite3
from datetime import timedelta

from PIL import Image

from bot.storage.study import StudyRepo
from tests.e2e.helpers import fields_of, rows


async def seed(world, user_id):
    """Three days in a row of study, two older sessions, two tests and some quiz answers."""
    repo, now, guild = StudyRepo(world.bot.db), world.env.now(), world.guild.id
    for days_ago in (30, 20):  # two easy reviews far apart: stable for weeks (mastered)
        await repo.record_review(user_id, "customer-loyalty", 5, "review", guild, now - timedelta(days=days_ago))
        await repo.record_review(user_id, "customer-retention", 5, "review", guild, now - timedelta(days=days_ago))
    await repo.record_review(user_id, "pi-build-relationships", 4, "review", guild, now - timedelta(days=2))
    await repo.record_review(user_id, "customer-lifetime-value", 1, "review", guild, now - timedelta(days=1))
    await repo.record_review(user_id, "follow-up", 3, "review", guild, now)
    await repo.record_answer(user_id, "image", True, "test", guild, now)
    for questions, correct in ((5, 3), (5, 4)):
        await repo.record_test_result(
            user_id, guild, questions=questions, correct=correct, started_at=now, finished_at=now, mode="mixed"
        )
    with sqlite3.connect(world.bot.settings.database_path) as conn:
        conn.execute(
            "INSERT INTO quiz_totals (guild_id, period, user_id, points, correct, answered) VALUES (?, 'all', ?, 900, 2, 8)",
            (guild, user_id),
        )


async def test_progress_figures_match_the_stored_data(world):
    alice = world.alice
    await seed(world, alice.id)  # the simulated clock starts at midnight UTC: yesterday is a minute away
    await StudyRepo(world.bot.db).record_review(world.bob.id, "image", 5, "review", None, world.env.now())

    result = await alice.slash(world.channel, "progress")
    assert result.ephemeral
    embed = result.response.embeds[0]
    figures = fields_of(embed)

    now_s = int(world.env.now().timestamp())
    day_start_ms = (now_s - now_s % 86400) * 1000

    def one(sql, *params):
        return rows(world, sql, (alice.id, *params))[0][0]

    seen = one("SELECT COUNT(*) FROM study_cards WHERE user_id = ?")
    total = len(world.bot.deck.terms) + len(world.bot.deck.questions)
    assert figures["Cards seen"] == f"{seen} of {total}" == f"6 of {total}"
    assert figures["Mastered"] == str(
        one("SELECT COUNT(*) FROM study_cards WHERE user_id = ? AND stability >= 21")
    )
    assert figures["Mastered"] == "2"
    assert figures["Due now"] == str(one("SELECT COUNT(*) FROM study_cards WHERE user_id = ? AND due <= ?", now_s))
    due_24h = one(
        "SELECT COUNT(*) FROM study_cards WHERE user_id = ? AND due > ? AND due <= ?", now_s, now_s + 86400
    )
    assert figures["Due in the next 24 h"] == str(due_24h) and due_24h >= 1, "the card rated 3 just now"
    reviews_today = one("SELECT COUNT(*) FROM study_reviews WHERE user_id = ? AND reviewed_at >= ?", day_start_ms)
    assert figures["Reviews today"] == str(reviews_today) == "2", "follow-up and the test answer, not bob's"
    assert figures["Day streak"] == "3 days 🔥"
    assert figures["Practice tests"] == "70% (7/10 right)"
    assert figures["Quizzes"] == "25% (2/8 right)"

    by_topic = dict(line.split(": ", 1) for line in figures["Mastery per topic"].splitlines())
    loyalty = world.bot.deck.topic_name("loyalty-and-retention")
    in_topic = sum(1 for t in world.bot.deck.terms if t.topic == "loyalty-and-retention") + sum(
        1 for q in world.bot.deck.questions if q.topic == "loyalty-and-retention"
    )
    studied = {"customer-loyalty", "customer-retention", "pi-build-relationships", "customer-lifetime-value"}
    studied &= {t.id for t in world.bot.deck.terms if t.topic == "loyalty-and-retention"} | {
        q.id for q in world.bot.deck.questions if q.topic == "loyalty-and-retention"
    }
    assert by_topic[f"**{loyalty}**"] == f"2/{in_topic} mastered · {len(studied)} studied"

    attachment = result.response.attachments[0]
    assert attachment.filename == "mastery.png" and embed.image.url == "attachment://mastery.png"
    image = Image.open(io.BytesIO(await attachment.read()))
    assert image.format == "PNG" and image.width == 760 and image.height > 11 * 30
    assert len(embed) <= 6000 and all(len(f.value) <= 1024 for f in embed.fields)


async def test_a_newcomer_sees_zeros_and_an_invitation(world):
    result = await world.carol.slash(world.channel, "progress")
    figures = fields_of(result.response.embeds[0])
    assert figures["Cards seen"].startswith("0 of ") and figures["Day streak"] == "0 days 🔥"
    assert figures["Practice tests"] == "No tests yet: try /test"
    assert figures["Quizzes"] == "No quiz answers yet"
    assert result.response.attachments[0].filename == "mastery.png"
