"""Class report storage on real databases (both engines): the figures the triggers keep always equal
what the answers themselves say (also after a member is forgotten, and for a database that had
answers before migration 0011), the class, the per-term details, the answer export, and every
report query on an index."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest

from bot.core.learn import Stage
from bot.core.report import DAY_MS, Figures, Period, first_day, since_ms
from bot.core.srs import DEFAULT_SCHEDULER
from bot.storage.database import Database, load_migrations
from bot.storage.learn import LearnAnswer, LearnRepo
from bot.storage.privacy import PrivacyRepo
from bot.storage.quiz import AnswerRow, QuizRepo, write_answers
from bot.storage.reports import ReportStore, class_report
from bot.storage.study import StudyRepo
from tests.storage.engine import plan_of, uses_index

GUILD, OTHER = 900, 901
NOW = datetime(2026, 3, 20, 15, tzinfo=UTC)
TERMS = ("nps", "clv", "crm", "kpi", "csat")


def day_of(at: datetime) -> int:
    return int(at.timestamp() * 1000) // DAY_MS


async def seed(db, rng: random.Random, users=(1, 2, 3, 4), days=20, answers=160) -> None:
    """Quiz answers (in rounds), test answers, learn answers on studied cards and reviews, in two
    servers and DMs, spread over `days` days before NOW."""
    quiz, study = QuizRepo(db), StudyRepo(db)
    rounds: dict[tuple[int, int], int] = {}
    rows, numbers = [], {}
    for _ in range(answers):
        guild, at = (
            rng.choice((GUILD, GUILD, OTHER)),
            NOW - timedelta(days=rng.randrange(days), minutes=rng.randrange(600)),
        )
        user, term, right = rng.choice(users), rng.choice(TERMS), rng.random() < 0.6
        kind = rng.choice(("quiz", "quiz", "test", "review", "learn", "dm"))
        if kind == "quiz":
            day = day_of(at)
            if (guild, day) not in rounds:
                rounds[(guild, day)] = await quiz.create_round(
                    guild_id=guild, channel_id=len(rounds) + 1, started_by=1, topic=None, mode="mixed", question_count=99,
                    seconds=20, started_at_ms=day * DAY_MS,
                )  # fmt: skip
            round_id = rounds[(guild, day)]
            number = numbers[(round_id, user)] = numbers.get((round_id, user), 0) + 1
            given = term.upper() if not right else "right"
            rows.append(AnswerRow(round_id, number, user, guild, term, "A", right, 900 * right, 1000,
                                  int(at.timestamp() * 1000), ("all",), given))  # fmt: skip
        elif kind == "test":
            await study.record_answer(
                user,
                term,
                right,
                "test",
                guild,
                at,
                given=None if right else f"wrong {term}",
                scheduler=DEFAULT_SCHEDULER,
            )
        elif kind == "review":
            await study.record_review(
                user, term, rng.randint(1, 5), "review", guild, at, scheduler=DEFAULT_SCHEDULER
            )
        elif kind == "learn":  # /learn logs source 'test' without `given`: never a practice-test answer
            await study.record_answer(user, term, right, "test", guild, at, scheduler=DEFAULT_SCHEDULER)
        else:
            await study.record_answer(
                user, term, right, "test", None, at, given="in a DM", scheduler=DEFAULT_SCHEDULER
            )
    await write_answers(db, rows)


def raw_activity(db) -> str:
    """Every counted step, from the answers and reviews themselves: (guild, day, user, qa, qc, ta, tc, rv)."""
    return (
        "SELECT guild_id, answered_at / 86400000 AS day, user_id, 1 AS qa, correct AS qc, 0 AS ta, 0 AS tc,"
        " 0 AS rv, card_id, 1 - correct AS miss FROM quiz_answers"
        " UNION ALL SELECT guild_id, reviewed_at / 86400000, user_id, 0, 0, 1, CASE WHEN rating > 1 THEN 1 ELSE 0 END,"
        " 0, card_id, CASE WHEN rating = 1 THEN 1 ELSE 0 END FROM study_reviews"
        " WHERE guild_id IS NOT NULL AND source = 'test' AND given IS NOT NULL"
        " UNION ALL SELECT guild_id, reviewed_at / 86400000, user_id, 0, 0, 0, 0, 1, NULL, 0 FROM study_reviews"
        " WHERE guild_id IS NOT NULL AND source = 'review'"
    )


async def assert_figures_match_the_answers(db) -> None:
    activity = raw_activity(db)
    want_days = sorted(
        tuple(int(v) for v in r)
        for r in await db.fetchall(
            f"SELECT guild_id, day, user_id, SUM(qa), SUM(qc), SUM(ta), SUM(tc), SUM(rv) FROM ({activity}) AS a"
            " GROUP BY guild_id, day, user_id"
        )
    )
    got_days = sorted(
        tuple(int(v) for v in r)
        for r in await db.fetchall(
            "SELECT guild_id, day, user_id, quiz_answers, quiz_correct, test_answers, test_correct, reviews"
            " FROM report_days WHERE quiz_answers + test_answers + reviews > 0"
        )
    )
    assert got_days == want_days
    want_students = sorted(
        tuple(int(v) for v in r)
        for r in await db.fetchall(
            f"SELECT guild_id, user_id, SUM(qa), SUM(qc), SUM(ta), SUM(tc), SUM(rv), COUNT(DISTINCT day)"
            f" FROM ({activity}) AS a GROUP BY guild_id, user_id"
        )
    )
    got_students = sorted(
        tuple(int(v) for v in r)
        for r in await db.fetchall(
            "SELECT guild_id, user_id, quiz_answers, quiz_correct, test_answers, test_correct, reviews, active_days"
            " FROM report_students"
        )
    )
    assert got_students == want_students
    for table, day in (("report_terms", ""), ("report_term_days", ", day")):
        want = sorted(
            tuple(r)
            for r in await db.fetchall(
                f"SELECT guild_id{day}, card_id, COUNT(*), SUM(miss) FROM ({activity}) AS a WHERE card_id IS NOT NULL"
                f" GROUP BY guild_id{day}, card_id"
            )
        )
        got = sorted(
            tuple(r)
            for r in await db.fetchall(
                f"SELECT guild_id{day}, term_id, answers, misses FROM {table} WHERE answers > 0"
            )
        )
        assert [tuple(int(v) if not isinstance(v, str) else v for v in r) for r in got] == [
            tuple(int(v) if not isinstance(v, str) else v for v in r) for r in want
        ], table
    per_term = (
        "SELECT guild_id, card_id, user_id, MAX(at), SUM(qa), SUM(qc), SUM(ta), SUM(tc), SUM(rv) FROM ("
        " SELECT guild_id, card_id, user_id, answered_at AS at, 1 AS qa, correct AS qc, 0 AS ta, 0 AS tc, 0 AS rv"
        " FROM quiz_answers UNION ALL SELECT guild_id, card_id, user_id, reviewed_at, 0, 0, 1,"
        " CASE WHEN rating > 1 THEN 1 ELSE 0 END, 0 FROM study_reviews"
        " WHERE guild_id IS NOT NULL AND source = 'test' AND given IS NOT NULL"
        " UNION ALL SELECT guild_id, card_id, user_id, 0, 0, 0, 0, 0, 1 FROM study_reviews"
        " WHERE guild_id IS NOT NULL AND source = 'review') AS a GROUP BY guild_id, card_id, user_id"
    )
    want = sorted(tuple(map(str, r)) for r in await db.fetchall(per_term))
    got = sorted(
        tuple(map(str, r))
        for r in await db.fetchall(
            "SELECT guild_id, term_id, user_id, last_at, quiz_answers, quiz_correct, test_answers, test_correct,"
            " reviews FROM report_term_students WHERE quiz_answers + test_answers + reviews > 0"
        )
    )
    assert got == want, "each member's figures per term, and their last answer to it (0: reviews only)"


async def raw_figures(db, since: int, terms: tuple[str, ...] = ()) -> tuple[dict[int, list[int]], dict[int, set]]:
    """Straight from this server's answers and reviews since `since` (on `terms` only, when given):
    user id -> [quiz answers, right, test answers, right, reviews], and user id -> UTC days active."""
    only = f" AND card_id IN ({', '.join('?' * len(terms))})" if terms else ""
    expected: dict[int, list[int]] = {}
    days: dict[int, set] = {}
    for user, at, correct, source in await db.fetchall(
        f"SELECT user_id, answered_at, correct, 'quiz' FROM quiz_answers WHERE guild_id = ? AND answered_at >= ?{only}"
        " UNION ALL SELECT user_id, reviewed_at, CASE WHEN rating > 1 THEN 1 ELSE 0 END, source FROM study_reviews"
        f" WHERE guild_id = ? AND reviewed_at >= ?{only}"
        " AND (source = 'review' OR (source = 'test' AND given IS NOT NULL))",
        (GUILD, since, *terms, GUILD, since, *terms),
    ):
        row = expected.setdefault(user, [0] * 5)
        slot = {"quiz": 0, "test": 2, "review": 4}[source]
        row[slot] += 1
        if source != "review":
            row[slot + 1] += int(correct)
        days.setdefault(user, set()).add(at // DAY_MS)
    return expected, days


async def test_a_topics_figures_sum_its_terms_with_the_days_active_in_the_server(db):
    await seed(db, random.Random(17), answers=300)
    await assert_figures_match_the_answers(db)
    store = ReportStore(db)
    topic = ("nps", "clv")
    for period in (Period.ALL, Period.MONTH, Period.WEEK):
        day = first_day(period, NOW)
        since = (day or 0) * DAY_MS
        expected, _ = await raw_figures(db, since, topic)
        days = await store.figures(GUILD, day)
        got = await store.figures_in(GUILD, topic, day)
        assert got == {u: Figures(*r, active_days=days[u].active_days) for u, r in expected.items()}, period
        assert expected, "the seed has answers on the topic in every period"
    assert await store.figures_in(GUILD, (), None) == {}


async def test_the_figures_always_equal_what_the_answers_say(db):
    await seed(db, random.Random(7))
    await assert_figures_match_the_answers(db)
    store = ReportStore(db)
    week = await store.figures(GUILD, first_day(Period.WEEK, NOW))
    since = since_ms(Period.WEEK, NOW)
    expected, days = await raw_figures(db, since)
    assert week == {u: Figures(*r, active_days=len(days[u])) for u, r in expected.items()}


async def test_forgetting_a_member_takes_them_out_of_every_figure(db):
    await seed(db, random.Random(11))
    before = await ReportStore(db).terms(GUILD, None)
    await PrivacyRepo(db).forget(2)
    await assert_figures_match_the_answers(db)
    store = ReportStore(db)
    assert 2 not in await store.members(GUILD) and 2 not in await store.figures(GUILD, None)
    after = await store.terms(GUILD, None)
    assert sum(n for n, _ in after.values()) < sum(n for n, _ in before.values())
    assert await db.fetchall("SELECT COUNT(*) FROM report_days WHERE user_id = 2") == [(0,)]


@pytest.mark.sqlite_only
async def test_a_database_with_answers_before_the_migration_gets_its_figures(tmp_path):
    db = await Database.open(tmp_path / "old.sqlite3")
    try:
        migrations = load_migrations()
        await db.migrate([m for m in migrations if m.version < 11])  # as before homework and reports
        rng = random.Random(3)
        round_id = await QuizRepo(db).create_round(
            guild_id=GUILD, channel_id=100, started_by=1, topic=None, mode="mixed", question_count=9, seconds=20,
            started_at_ms=0,
        )  # fmt: skip
        for n in range(30):
            at = int((NOW - timedelta(days=n % 5)).timestamp() * 1000)
            await db.execute(
                "INSERT INTO quiz_answers VALUES (?, ?, ?, ?, ?, 'A', ?, 0, 10, ?)",
                (round_id, n, 1 + n % 3, GUILD, rng.choice(TERMS), n % 2, at),
            )
            await db.execute(
                "INSERT INTO study_reviews (user_id, card_id, guild_id, rating, source, reviewed_at) VALUES (?, ?, ?, ?, ?, ?)",
                (1 + n % 3, rng.choice(TERMS), GUILD, 1 + n % 4, ("test", "review")[n % 2], at),
            )
        await db.migrate(migrations)
        assert await db.fetchall("SELECT COUNT(*) FROM study_reviews WHERE source = 'test' AND given = ''") == [
            (15,)
        ]
        await assert_figures_match_the_answers(db)
        await seed(db, random.Random(4), answers=40)  # and the triggers carry on from there
        await assert_figures_match_the_answers(db)
    finally:
        await db.close()


async def test_a_database_from_before_migration_0012_gets_each_members_figures_per_term(engine, tmp_path, request):
    if engine == "sqlite":
        db, url, migrations = await Database.open(tmp_path / "old.sqlite3"), None, load_migrations()
    else:
        from bot.storage.postgres import PG_MIGRATIONS_DIR, PostgresDatabase

        databases = request.getfixturevalue("pg_databases")
        url = databases.create(migrated=False)
        db, migrations = await PostgresDatabase.open(url), load_migrations(PG_MIGRATIONS_DIR)
    try:
        await db.migrate([m for m in migrations if m.version < 12])  # the triggers of 0011 count
        await seed(db, random.Random(21))
        await db.migrate(migrations)  # 0012 sums what is there
        await assert_figures_match_the_answers(db)
        await db.execute("UPDATE quiz_rounds SET status = 'finished'")  # the next rounds reuse the channels
        await seed(db, random.Random(22), answers=60)  # and its triggers carry on from there
        await assert_figures_match_the_answers(db)
        await PrivacyRepo(db).forget(3)
        await assert_figures_match_the_answers(db)
    finally:
        await db.close()
        if url is not None:
            databases.drop(url)


async def test_the_class_is_everyone_seen_studying_here_with_their_name(db):
    store, learn = ReportStore(db), LearnRepo(db)
    await StudyRepo(db).record_review(1, "nps", 4, "review", GUILD, NOW, scheduler=DEFAULT_SCHEDULER)
    await StudyRepo(db).record_review(
        2, "nps", 4, "review", None, NOW, scheduler=DEFAULT_SCHEDULER
    )  # in a DM: no server's class
    session = await learn.start(3, 1, GUILD, None, "question", {}, NOW)
    await learn.answer(
        session,
        LearnAnswer(3, "nps", True, GUILD, Stage.RECALL, 0),
        "question",
        {},
        NOW,
        scheduler=DEFAULT_SCHEDULER,
    )
    assert not await store.refresh_name(GUILD, 4, "dora"), "seeing someone is not activity"
    await store.seen(GUILD, 4, "dora", NOW)  # opened /homework
    assert await store.refresh_name(GUILD, 1, "ann")
    assert await store.members(GUILD) == {1: "ann", 3: None, 4: "dora"}
    figures = await store.figures(GUILD, None)
    assert figures[3] == Figures(active_days=1), "a /learn step is an active day, not an answer"
    assert figures[4] == Figures() and not figures[4].active
    assert await store.class_size(GUILD) == 3


async def test_a_terms_details_come_from_its_own_answers(db):
    await seed(db, random.Random(5))
    store = ReportStore(db)
    since = since_ms(Period.MONTH, NOW)
    tried = await store.tried(GUILD, ["nps", "clv"], since)
    for term in ("nps", "clv"):
        want = await db.fetchone(
            "SELECT COUNT(DISTINCT user_id) FROM (SELECT user_id FROM quiz_answers WHERE guild_id = ? AND card_id = ?"
            " UNION ALL SELECT user_id FROM study_reviews WHERE guild_id = ? AND card_id = ? AND source = 'test'"
            " AND given IS NOT NULL) AS a",
            (GUILD, term, GUILD, term),
        )
        assert tried[term] == want[0]
    wrong = await store.wrong_answers(GUILD, ["nps"], since)
    texts = dict(wrong["nps"])
    assert set(texts) <= {"NPS", "wrong nps"} and sum(texts.values()) == sum(
        m for _, m in (await store.term_students(GUILD, "nps", since)).values()
    )


async def test_the_answer_export_streams_member_by_member_oldest_first(db):
    await seed(db, random.Random(9))
    store = ReportStore(db)
    records = [r async for r in store.answers(GUILD, [3, 1], None)]
    users = [r.user_id for r in records]
    assert users == sorted(users, key=lambda u: (u != 3,)), "member by member, in the order given"
    for user in (1, 3):
        times = [r.at_ms for r in records if r.user_id == user]
        assert times == sorted(times)
    sources = {r.source for r in records}
    assert sources == {"quiz", "test", "review"}
    assert all(r.given and r.given[0].isdigit() for r in records if r.source == "review"), "the rating, in words"
    assert all(r.points is None for r in records if r.source != "quiz")
    expected = await db.fetchone(
        "SELECT COUNT(*) FROM (SELECT 1 FROM quiz_answers WHERE guild_id = ? AND user_id IN (1, 3) UNION ALL"
        " SELECT 1 FROM study_reviews WHERE guild_id = ? AND user_id IN (1, 3) AND (source = 'review'"
        " OR (source = 'test' AND given IS NOT NULL))) AS a",
        (GUILD, GUILD),
    )
    assert len(records) == expected[0], "a /learn answer (source test, nothing given) is not exported as a test"


async def test_a_class_report_puts_the_weakest_terms_first_with_their_details(db):
    await seed(db, random.Random(13))
    report = await class_report(db, GUILD, Period.ALL, NOW, known_terms=TERMS, details=2)
    assert {r.user_id for r in report.rows} == {1, 2, 3, 4}
    rates = [t.miss_rate for t in report.terms]
    assert rates == sorted(rates, reverse=True)
    assert all(t.tried is not None for t in report.terms[:2]) and all(t.tried is None for t in report.terms[2:])
    only = await class_report(db, GUILD, Period.ALL, NOW, known_terms=("nps",), topic="t", topic_terms=("nps",))
    assert [t.term_id for t in only.terms] == ["nps"]
    per_student = await ReportStore(db).term_students(GUILD, "nps", None)
    for row in only.rows:
        answers, _ = per_student.get(row.user_id, (0, 0))
        assert row.figures.answers == answers


QUERIES = {
    "figures of a period": (
        "SELECT user_id, SUM(quiz_answers) FROM report_days WHERE guild_id = ? AND day >= ? GROUP BY user_id",
        (GUILD, 10),
        "report_days",
    ),
    "quiz answers of a term": (
        "SELECT user_id FROM quiz_answers WHERE guild_id = ? AND card_id IN (?, ?) AND answered_at >= ?",
        (GUILD, "nps", "clv", 0),
        "quiz_answers_term",
    ),
    "test answers of a term": (
        "SELECT user_id FROM study_reviews WHERE guild_id = ? AND card_id IN (?, ?) AND reviewed_at >= ?"
        " AND source = 'test' AND given IS NOT NULL",
        (GUILD, "nps", "clv", 0),
        "study_reviews_test_term",
    ),
    "reviews of a term": (
        "SELECT user_id FROM study_reviews WHERE guild_id = ? AND card_id IN (?, ?) AND reviewed_at >= ?"
        " AND source = 'review'",
        (GUILD, "nps", "clv", 0),
        "study_reviews_review_term",
    ),
    "open assignments (the triggers' probe)": (
        "SELECT id FROM assignments WHERE guild_id = ? AND kind = 'review' AND closed_at IS NULL",
        (GUILD,),
        "assignments_open",
    ),
}


@pytest.mark.parametrize("name", list(QUERIES))
async def test_report_queries_read_indexes(db, name):
    """Never a scan. SQLite picks the index made for the query; PostgreSQL prices a few test rows
    and may pick another index of the table, which is no scan either."""
    await seed(db, random.Random(1), answers=60)
    sql, params, index = QUERIES[name]
    plan = await plan_of(db, sql, params)
    named = db.engine == "sqlite" and index != "report_days"
    assert uses_index(db, plan, index if named else None), plan
