"""/report class, student, term and export end to end: the figures match what the class did (a quiz
round, tests through an assignment, a member who never studied), the weakest terms with the wrong
answer chosen most often, the class chart, pages for a long class (the teacher's own buttons, also
after a restart), both CSV files parsed back, formula-looking cells neutralised, and a forgotten
student gone from all of it. The simulated clock starts on Thursday 2026-01-01 00:00 UTC."""

from __future__ import annotations

import csv
import io
import json
from datetime import timedelta

from bot.core import srs
from bot.core.report import TermFigures, answer_text, weakest_first
from bot.storage.study import StudyRepo
from tests.e2e.helpers import rows
from tests.e2e.test_assign import announcements, create
from tests.e2e.test_daily import advance_to
from tests.e2e.test_homework import FRIDAY_5PM, take_test
from tests.e2e.test_quiz import button, question_of, start, wrong_choice
from tests.e2e.test_review import buttons, forge_click
from tests.storage.test_leeches import forget

TOPIC = "metrics"


async def class_day(world):
    """A quiz question (alice right, bob wrong), a test assignment alice aces and bob mostly misses,
    and carol, who only opened /homework."""
    await create(world, topic=TOPIC, questions=5)
    await start(world, questions=1, mode="multiple_choice", seconds=20)
    question = world.channel.last_message
    q = question_of(world)
    await world.env.advance_time(2)
    await world.alice.click(question, custom_id=button(world, q.answer))
    await world.bob.click(question, custom_id=button(world, wrong_choice(q)))
    await world.env.advance_time(30)
    [posted] = announcements(world.channel)
    await take_test(world, world.alice, posted, right=5)
    await take_test(world, world.bob, posted, right=1)
    await world.carol.slash(world.channel, "homework")
    return q


def reply(result):
    return (result.followups or [result.response])[-1]


async def report(world, member=None, **options):
    result = await (member or world.teacher).slash(world.channel, "report class", **options)
    assert result.ephemeral
    return reply(result)


def expected_terms(world, deck):
    """The class's terms weakest first, from the answers themselves."""
    found = rows(
        world,
        "SELECT card_id, COUNT(*), SUM(miss) FROM (SELECT card_id, 1 - correct AS miss FROM quiz_answers UNION ALL"
        " SELECT card_id, CASE WHEN rating = 1 THEN 1 ELSE 0 END FROM study_reviews WHERE source = 'test'"
        " AND given IS NOT NULL) AS a GROUP BY card_id",
    )
    return weakest_first(TermFigures(t, int(n), int(m)) for t, n, m in found)


async def test_the_class_report_shows_what_each_student_and_term_did(world):
    q = await class_day(world)
    message = await report(world, period="week")
    students, terms = message.embeds
    assert students.title == "📋 Class report · the last 7 days"
    lines = students.description.split("\n")
    assert lines[0] == "**3** in the class, **2** active in the last 7 days."
    a, b, c = world.alice.id, world.bob.id, world.carol.id
    assert lines[-3:] == [
        f"<@{a}> — quiz 1 (100%) · test 5 (100%) · 1 day · ✅ 1 ⏰ 0 ❌ 0",
        f"<@{b}> — quiz 1 (0%) · test 5 (20%) · 1 day · ✅ 0 ⏰ 0 ❌ 0 ⏳ 1",
        f"<@{c}> — no activity in the last 7 days · ✅ 0 ⏰ 0 ❌ 0 ⏳ 1",
    ]
    assert "I can't see the member list" in terms.footer.text
    deck = world.bot.deck
    want = expected_terms(world, deck)
    shown = terms.description.split("\n")
    assert [line.split("**")[1] for line in shown] == [deck.get(t.term_id).name for t in want][:10]
    quiz_term = next(line for line in shown if line.startswith(f"**{deck.get(q.term_id).name}**"))
    wrong = answer_text(rows(world, "SELECT given FROM quiz_answers WHERE correct = 0")[0][0])
    assert wrong == q.options["ABCD".index(wrong_choice(q))], "the option's text is kept, not its letter"
    if q.term_id not in {t for (t,) in rows(world, "SELECT card_id FROM study_reviews WHERE rating = 1")}:
        assert f"most chosen wrong: “{wrong[:49]}" in quiz_term
    assert "tried by 2" in quiz_term
    assert message.attachments[0].filename == "class.png" and terms.image.url == "attachment://class.png"

    week_later = FRIDAY_5PM + timedelta(days=8)
    await advance_to(world, week_later)
    later = (await report(world, period="week")).embeds[0].description.split("\n")
    assert later[0] == "**3** in the class, **0** active in the last 7 days."
    assert f"<@{b}> — no activity in the last 7 days · ✅ 0 ⏰ 0 ❌ 1" in later
    everything = (await report(world, period="all")).embeds[0].description
    assert f"<@{a}> — quiz 1 (100%) · test 5 (100%) · 1 day · ✅ 1 ⏰ 0 ❌ 0" in everything


async def test_a_topic_report_counts_that_topics_terms_only(world):
    q = await class_day(world)
    deck = world.bot.deck
    quiz_topic = deck.get(q.term_id).topic
    other = next(t.id for t in deck.topics if t.id not in (TOPIC, quiz_topic))
    students, terms = (await report(world, period="all", topic=other)).embeds
    assert students.title == f"📋 Class report · all time · {deck.topic_name(other)}"
    assert "**0** active" in students.description and terms.description.startswith("No quiz or test answers")
    students, terms = (await report(world, period="all", topic=TOPIC)).embeds
    quiz = "quiz 1 (100%) · " if quiz_topic == TOPIC else ""
    assert f"<@{world.alice.id}> — {quiz}test 5 (100%) · 1 day · ✅ 1 ⏰ 0 ❌ 0" in students.description
    assert students.footer.text.startswith(
        "Quiz and test: answers (share right) · days: days active (UTC), on any topic"
    )
    shown = {line.split("**")[1] for line in terms.description.split("\n")}
    assert shown <= {t.name for t in deck.terms_in(TOPIC)}


async def test_long_classes_page_with_the_teachers_own_buttons_also_after_a_restart(world):
    for n in range(18):
        member = world.guild.add_member(world.env.create_user(f"student{n:02d}"))
        await member.slash(world.channel, "homework")
    await world.alice.slash(world.channel, "homework")
    result = await world.teacher.slash(world.channel, "report class")
    message = reply(result)
    assert message.embeds[0].footer.text.endswith("page 1 of 2")
    assert message.embeds[0].description.count("<@") == 15
    refused = await forge_click(world, world.alice, message, buttons(message)["Next ▶"])
    assert refused.ephemeral and "belong to whoever ran /report class" in refused.response.content
    await world.restart()
    await world.teacher.click(message, label="Next ▶")
    assert message.embeds[0].footer.text.endswith("page 2 of 2")
    assert message.embeds[0].description.count("<@") == 4
    assert message.attachments and message.attachments[0].filename == "class.png", "the chart stays"


async def test_one_student_and_one_term(world):
    q = await class_day(world)
    bob = (await world.teacher.slash(world.channel, "report student", member=world.bob)).response.embeds[0]
    assert bob.title == "📋 bob · the last 30 days"
    fields = {f.name: f.value for f in bob.fields}
    assert fields["Quizzes"] == "1 answers · 0% right" and fields["Practice tests"] == "5 answers · 20% right"
    assert "⏳ in progress · best 20%" in fields["Homework"]
    assert world.bot.deck.get(q.term_id).name in fields["Terms missed most"]
    stranger = world.guild.add_member(world.env.create_user("dave"))
    nobody = (await world.teacher.slash(world.channel, "report student", member=stranger)).response.embeds[0]
    assert "I haven't seen" in nobody.description

    choices = await world.teacher.autocomplete(
        world.channel, "report term", "term", world.bot.deck.get(q.term_id).name[:6]
    )
    assert q.term_id in [c["value"] for c in choices]
    term = (await world.teacher.slash(world.channel, "report term", term=q.term_id)).response.embeds[0]
    per_user = rows(
        world,
        "SELECT user_id, SUM(miss) FROM (SELECT user_id, 1 - correct AS miss FROM quiz_answers WHERE card_id = ?"
        " UNION ALL SELECT user_id, CASE WHEN rating = 1 THEN 1 ELSE 0 END FROM study_reviews WHERE card_id = ?"
        " AND source = 'test' AND given IS NOT NULL) AS a GROUP BY user_id",
        (q.term_id, q.term_id),
    )
    assert f"by **{len(per_user)}** of 3 in the class" in term.description
    assert f"<@{world.bob.id}> missed" in {f.name: f.value for f in term.fields}["Who missed it"]
    unknown = await world.teacher.slash(world.channel, "report term", term="astrology")
    assert unknown.ephemeral and "no term called **astrology**" in unknown.response.content


def parse(data: bytes) -> list[dict]:
    assert data.startswith("\ufeff".encode()), "UTF-8 with a byte-order mark, for spreadsheet programs"
    return list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))


async def export(world, **options):
    result = await world.teacher.slash(world.channel, "report export", **options)
    message = reply(result)
    assert result.ephemeral and [a.filename for a in message.attachments] == ["students.csv", "answers.csv"]
    students, answers = [parse(await a.read()) for a in message.attachments]
    return message, students, answers


async def test_both_exports_match_what_was_done_and_never_run_formulas(world):
    await class_day(world)
    sneaky = world.guild.add_member(world.env.create_user("=cmd|' /C calc'!A0"))
    typed = await sneaky.slash(world.channel, "test", questions=5, topic=TOPIC, mode="typed")
    for _ in range(5):
        shown = await sneaky.click(typed.response, label="✏️ Type your answer")
        await sneaky.submit_modal(shown, {"answer": '=HYPERLINK("http://x","y")'})
    message, students, answers = await export(world)
    assert "**students.csv** (4 students, 1 assignment)" in message.content
    by_name = {row["student"]: row for row in students}
    assert set(by_name) == {"alice", "bob", "carol", "'=cmd|' /C calc'!A0"}
    column = next(k for k in students[0] if k.startswith("#1 test"))
    alice, bob, carol = by_name["alice"], by_name["bob"], by_name["carol"]
    assert (alice["quiz answers"], alice["test answers"], alice["test % right"], alice[column]) == (
        "1",
        "5",
        "100.0",
        "done 100%",
    )
    assert (bob["test right"], bob["assignments done"], bob[column]) == ("1", "0", "in progress 20%")
    assert (carol["days active"], carol[column]) == ("0", "not started")
    assert alice["student id"] == str(world.alice.id)

    stored = (
        rows(world, "SELECT COUNT(*) FROM quiz_answers")[0][0]
        + rows(world, "SELECT COUNT(*) FROM study_reviews WHERE source = 'test' AND given IS NOT NULL")[0][0]
    )
    assert len(answers) == stored == 17
    mine = [r for r in answers if r["student"] == "alice"]
    assert [r["source"] for r in mine] == ["quiz"] + ["test"] * 5
    assert all(r["for assignment"] == "#1" and r["result"] == "right" for r in mine[1:])
    assert mine[0]["points"].isdigit() and mine[1]["points"] == ""
    typed_rows = [r for r in answers if r["student"].startswith("'=")]
    assert len(typed_rows) == 5 and {r["given answer"] for r in typed_rows} == {'\'=HYPERLINK("http://x","y")'}
    assert {r["result"] for r in typed_rows} == {"wrong"}


async def test_forget_removes_a_student_from_reports_and_exports(world):
    await class_day(world)
    before = (await report(world)).embeds[1].description
    prompt = await world.bob.slash(world.channel, "privacy forget")
    await world.bob.click(reply(prompt), label="Delete my data")
    students = (await report(world)).embeds[0].description
    assert f"<@{world.bob.id}>" not in students and "**2** in the class" in students
    _, rows_, answers = await export(world)
    assert {r["student"] for r in rows_} == {"alice", "carol"}
    assert {r["student"] for r in answers} == {"alice"}
    after = (await report(world)).embeds[1].description
    figures = [f"{t.misses}/{t.answers}" for t in expected_terms(world, world.bot.deck)][:10]
    assert [line.split("% (", 1)[1].split(")")[0] for line in after.split("\n")] == figures
    assert after != before, "bob's answers left the term figures"


async def test_privacy_export_holds_everything_a_report_shows(world):
    await class_day(world)
    result = await world.bob.slash(world.channel, "privacy export")
    data = json.loads(await reply(result).attachments[0].read())["tables"]
    assert data["report_students"][0]["test_answers"] == 5 and data["report_students"][0]["name"] == "bob"
    assert len(data["report_days"]) == 1 and data["assignment_work"][0]["value"] == 20
    assert [a["number"] for a in data["class_assignments"]] == [1]
    assert {r["given"] for r in data["study_reviews"] if r["source"] == "test"} <= {
        *(o for (o,) in rows(world, "SELECT given FROM study_reviews")),
    }


async def test_the_figures_stand_when_the_chart_cannot_be_added(world, caplog):
    await class_day(world)
    # The chart is added by editing the reply: Discord refusing that edit (a 500 here) leaves the figures.
    world.env.inject_error("PATCH", "/webhooks/*", status=500, message="Internal Server Error", times=None)
    result = await world.teacher.slash(world.channel, "report class")
    world.env.backend.faults.clear()
    message = reply(result)
    students, terms = message.embeds
    assert "**3** in the class" in students.description and terms.image.url is None
    assert not message.attachments
    assert "the class chart of guild" in caplog.text and len(result.followups) <= 1, "no error message for it"


async def test_teachers_see_the_class_leeches(world):
    """Cards forgotten 8 times or more (issue 14's leeches) per term in /report class, and one
    student's in /report student; a term outside the topic, a card outside the server's decks and
    a card forgotten only 7 times stay out."""
    deck, guild = world.bot.deck, world.guild.id
    topic_terms = deck.terms_in(TOPIC)
    first, second = topic_terms[0], topic_terms[1]
    elsewhere = next(t for t in deck.terms if t.topic != TOPIC)
    start = world.env.now() - timedelta(days=90)
    repo = StudyRepo(world.bot.db)
    await forget(repo, world.alice.id, first.id, 9, start, guild_id=guild)
    await forget(repo, world.bob.id, first.id, 8, start, guild_id=guild)
    await forget(repo, world.bob.id, second.id, 7, start, guild_id=guild)  # not yet a leech
    await forget(repo, world.alice.id, elsewhere.id, 8, start, guild_id=guild)
    await forget(repo, world.alice.id, "not-in-any-deck", 12, start, guild_id=guild)
    await repo.record_answer(world.carol.id, first.id, True, "test", guild, start, scheduler=srs.DEFAULT_SCHEDULER)

    _, terms = (await report(world, period="all")).embeds
    field = {f.name: f.value for f in terms.fields}["Leeches: forgotten 8 times or more"]
    assert field.split("\n") == [
        f"**{first.name}** — 2 students (up to 9 times)",
        f"**{elsewhere.name}** — 1 student (up to 8 times)",
    ]
    _, terms = (await report(world, period="all", topic=TOPIC)).embeds
    field = {f.name: f.value for f in terms.fields}["Leeches: forgotten 8 times or more"]
    assert field == f"**{first.name}** — 2 students (up to 9 times)"

    alice = (await world.teacher.slash(world.channel, "report student", member=world.alice)).response.embeds[0]
    field = {f.name: f.value for f in alice.fields}["Leeches: forgotten 8 times or more"]
    assert field.split("\n") == [f"{first.name} — forgotten 9 times", f"{elsewhere.name} — forgotten 8 times"]
    carol = (await world.teacher.slash(world.channel, "report student", member=world.carol)).response.embeds[0]
    assert "Leeches: forgotten 8 times or more" not in {f.name for f in carol.fields}
