"""/progress through the real discord.py client: every figure checked against the stored rows, and the chart."""

from __future__ import annotations

import io
import sys
import threading
from datetime import timedelta
from functools import partial

from PIL import Image

from bot.core import srs
from bot.storage.study import StudyRepo
from bot.ui.chart import MAX_HEIGHT, WIDTH, mastery_chart
from tests.e2e.helpers import fields_of, rows, write
from tests.e2e.test_decks import UNIT3_CSV, import_deck


async def seed(world, user_id):
    """Three days in a row of study, two older sessions, two tests and some quiz answers."""
    repo, now, guild = StudyRepo(world.bot.db), world.env.now(), world.guild.id
    review = partial(repo.record_review, scheduler=srs.DEFAULT_SCHEDULER)
    for days_ago in (30, 20):  # two easy reviews far apart: stable for weeks (mastered)
        await review(user_id, "customer-loyalty", 5, "review", guild, now - timedelta(days=days_ago))
        await review(user_id, "customer-retention", 5, "review", guild, now - timedelta(days=days_ago))
    await review(user_id, "pi-build-relationships", 4, "review", guild, now - timedelta(days=2))
    await review(user_id, "customer-lifetime-value", 1, "review", guild, now - timedelta(days=1))
    await review(user_id, "follow-up", 3, "review", guild, now)
    await repo.record_answer(user_id, "image", True, "test", guild, now, scheduler=srs.DEFAULT_SCHEDULER)
    for questions, correct in ((5, 3), (5, 4)):
        await repo.record_test_result(
            user_id, guild, questions=questions, correct=correct, started_at=now, finished_at=now, mode="mixed"
        )
    write(
        world,
        "INSERT INTO quiz_totals (guild_id, period, user_id, points, correct, answered) VALUES (?, 'all', ?, 900, 2, 8)",
        [(guild, user_id)],
    )


async def test_progress_figures_match_the_stored_data(world):
    alice, deck = world.alice, world.bot.deck
    await seed(world, alice.id)  # the simulated clock starts at midnight UTC: yesterday is a minute away
    await StudyRepo(world.bot.db).record_review(
        world.bob.id, "image", 5, "review", None, world.env.now(), scheduler=srs.DEFAULT_SCHEDULER
    )

    result = await alice.slash(world.channel, "progress")
    assert result.ephemeral
    embed = result.response.embeds[0]
    figures = fields_of(embed)

    now_s = int(world.env.now().timestamp())
    day_start_ms = (now_s - now_s % 86400) * 1000

    def one(sql, *params):
        return rows(world, sql, (alice.id, *params))[0][0]

    seen = one("SELECT COUNT(*) FROM study_cards WHERE user_id = ?")
    mastered = one("SELECT COUNT(*) FROM study_cards WHERE user_id = ? AND stability >= 21")
    terms, questions = len(deck.terms), len(deck.questions)
    summary, activity = embed.description.splitlines()
    assert (
        summary == f"Studied **{seen} of {terms + questions}** terms and questions · **{mastered}**\u00a0mastered"
    )
    assert (seen, mastered) == (6, 2)
    assert f"{terms + questions} = {terms} terms + {questions} questions" in embed.footer.text
    due_now = one("SELECT COUNT(*) FROM study_cards WHERE user_id = ? AND due <= ?", now_s)
    due_24h = one(
        "SELECT COUNT(*) FROM study_cards WHERE user_id = ? AND due > ? AND due <= ?", now_s, now_s + 86400
    )
    assert figures["Due"] == f"**{due_now}** now · {due_24h}\u00a0within\u00a024\u00a0h" and due_24h >= 1, (
        "the card rated 3"
    )
    reviews_today = one("SELECT COUNT(*) FROM study_reviews WHERE user_id = ? AND reviewed_at >= ?", day_start_ms)
    assert reviews_today == 2, "follow-up and the test answer, not bob's"
    assert activity == "🔥 3-day streak · 2 reviews today"
    assert figures["Practice tests"] == "70% right (7/10)"
    assert figures["Quizzes"] == "25% right (2/8)"
    assert "Mastery per topic" not in figures, "the chart shows the topics; the text does not repeat them"

    attachment = result.response.attachments[0]
    assert attachment.filename == "mastery.png" and embed.image.url == "attachment://mastery.png"
    image = Image.open(io.BytesIO(await attachment.read()))
    assert image.format == "PNG" and image.size[0] == WIDTH and image.size[1] <= MAX_HEIGHT, "full width, 4:3"
    assert len(embed) <= 6000 and all(len(f.value) <= 1024 for f in embed.fields)


async def test_a_newcomer_sees_zeros_and_an_invitation(world):
    result = await world.carol.slash(world.channel, "progress")
    embed = result.response.embeds[0]
    figures = fields_of(embed)
    assert embed.description.startswith("Studied **0 of ")
    assert embed.description.endswith("No streak yet · no reviews yet today")
    assert figures["Due"] == "nothing now · 0\u00a0within\u00a024\u00a0h", (
        "a no-break space: never '24' and 'h' on two lines"
    )
    assert "🔥" not in str(embed.to_dict()), "no flame without a streak"
    assert figures["Practice tests"] == "No tests yet: try /test"
    assert figures["Quizzes"] == "No quiz answers yet"
    assert result.response.attachments[0].filename == "mastery.png"


async def test_only_the_decks_the_server_uses_are_counted(world):
    alice = world.alice
    await seed(world, alice.id)  # built-in cards, some due now
    await import_deck(world, UNIT3_CSV, "Unit 3")
    await world.teacher.slash(world.channel, "deck use", name="Unit 3", action="only")
    unit3 = await world.bot.decks.for_guild(world.guild.id)
    [moment] = [t.id for t in unit3.deck.terms if t.name == "Moment of truth"]
    await StudyRepo(world.bot.db).record_review(
        alice.id, moment, 1, "review", world.guild.id, world.env.now(), scheduler=srs.DEFAULT_SCHEDULER
    )

    result = await alice.slash(world.channel, "progress")
    embed = result.response.embeds[0]
    assert embed.description.startswith("Studied **1 of 5** terms and questions · **0**\u00a0mastered"), (
        embed.description
    )
    assert fields_of(embed)["Due"] == "nothing now · 1\u00a0within\u00a024\u00a0h", (
        "the built-in cards due now are not counted"
    )
    assert "5 = 5 terms + 0 questions" in embed.footer.text

    dm = await alice.user.slash("progress")  # in DMs: the built-in deck
    assert dm.response.embeds[0].description.startswith("Studied **6 of ")


async def test_the_chart_is_drawn_off_the_event_loop(world, monkeypatch):
    drawn_on = []

    def chart(bars):
        drawn_on.append(threading.current_thread())
        return mastery_chart(bars)

    cog_module = sys.modules[type(world.bot.get_cog("Progress")).__module__]  # as the bot loaded it
    monkeypatch.setattr(cog_module, "mastery_chart", chart)
    result = await world.alice.slash(world.channel, "progress")
    assert result.response.attachments[0].filename == "mastery.png"
    assert drawn_on and drawn_on[0] is not threading.main_thread(), "drawing (0.1 s of CPU) blocks no one"


async def test_progress_shows_the_terms_learned_in_learn_per_topic(world):
    alice, deck = world.alice, world.bot.deck
    first = fields_of((await alice.slash(world.channel, "progress")).response.embeds[0])
    assert first["Learned in /learn"] == "None yet: /learn takes you from new to learned, a few terms at a time"
    ethics = [t.id for t in deck.terms_in("ethics-and-rights")]
    metrics = [t.id for t in deck.terms_in("metrics")]
    learned = [(alice.id, t, 3) for t in ethics[:3] + metrics[:1]] + [(alice.id, ethics[3], 2)]  # one in progress
    write(
        world,
        "INSERT INTO learn_terms (user_id, term_id, stage, misses, updated_at) VALUES (?, ?, ?, 0, 0)",
        learned,
    )
    write(world, "INSERT INTO learn_terms (user_id, term_id, stage, misses, updated_at) VALUES (?, ?, 3, 0, 0)",
          [(world.bob.id, metrics[1])])  # fmt: skip
    shown = fields_of((await alice.slash(world.channel, "progress")).response.embeds[0])["Learned in /learn"]
    ordered = [t for t in deck.topics if t.id in ("ethics-and-rights", "metrics")]
    parts = {"ethics-and-rights": f"3/{len(ethics)}", "metrics": f"1/{len(metrics)}"}
    per_topic = " · ".join(f"{t.name}\u00a0{parts[t.id]}" for t in ordered)
    assert shown == f"**4 of {len(deck.terms)}** terms: {per_topic}", "in the deck's topic order, one line"
