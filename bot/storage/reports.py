"""What class reports read: the class and its figures (migrations 0011 and 0012).

Pre-aggregated, not a scan of every answer: triggers keep, per server, each member's all-time
totals (`report_students`, which is also the class list), their totals per UTC day
(`report_days`), each term's answers and misses all time and per day (`report_terms`,
`report_term_days`) and each member's figures per term with their last answer to it
(`report_term_students`). A report of all time reads one row per member and per term (per member
and term of a topic, for a topic); a report of the last N days reads N days of those rows. What
cannot be summed ahead (a topic's figures in a period, the wrong answer given most often) reads
the answers of only the terms asked about in that period, through the indexes by (term, server,
time) of migration 0011.

Times in are aware datetimes or epoch ms (`bot.core.report.since_ms`); days are UTC day numbers.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Collection, Iterable, Sequence
from dataclasses import replace
from datetime import datetime

from bot.core.homework import count_statuses
from bot.core.report import (
    DAY_MS,
    NOTHING,
    RATING_WORDS,
    AnswerRecord,
    ClassReport,
    Figures,
    Period,
    StudentReport,
    TermFigures,
    answer_text,
    class_rows,
    first_day,
    from_ms,
    most_common_wrong,
    since_ms,
    weakest_first,
)
from bot.core.srs import MASTERED_STABILITY_DAYS
from bot.storage.database import Database
from bot.storage.homework import HomeworkStore, progress_from

#: Bound parameters per query when a list of members or cards goes into IN (...).
CHUNK = 500

_FIGURES = "quiz_answers, quiz_correct, test_answers, test_correct, reviews"
#: Practice-test answers in the review log (the migration's note on `given`), as its partial index says.
TEST_ANSWER = "source = 'test' AND given IS NOT NULL"


def _ms(at: datetime) -> int:
    if at.tzinfo is None:
        raise ValueError("times must be timezone-aware")
    return int(at.timestamp() * 1000)


def _marks(items: Collection) -> str:
    return ", ".join("?" * len(items))


def _chunks(items: Sequence, size: int = CHUNK) -> Iterable[Sequence]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _figures(row) -> Figures:
    return Figures(*(int(v or 0) for v in row))


class ReportStore:
    """The report tables of one `Database`. Every method is a coroutine."""

    def __init__(self, db: Database) -> None:
        self.db = db

    # -- the class -----------------------------------------------------------------------

    async def seen(self, guild_id: int, user_id: int, name: str | None, now: datetime) -> None:
        """The member opened /homework or started an assignment here: they are in the class (no
        activity is counted), and their display name is kept for the export."""
        at = _ms(now)
        await self.db.execute(
            "INSERT INTO report_students (guild_id, user_id, name, first_seen, last_seen) VALUES (?, ?, ?, ?, ?)"
            " ON CONFLICT (guild_id, user_id) DO UPDATE SET name = excluded.name,"
            " last_seen = CASE WHEN excluded.last_seen > report_students.last_seen THEN excluded.last_seen"
            " ELSE report_students.last_seen END",
            (guild_id, user_id, name, at, at),
        )

    async def refresh_name(self, guild_id: int, user_id: int, name: str) -> bool:
        """Keep a class member's display name current; False (nothing written) for a member the
        class does not have: seeing someone is not activity."""
        return bool(
            await self.db.execute(
                "UPDATE report_students SET name = ? WHERE guild_id = ? AND user_id = ?", (name, guild_id, user_id)
            )
        )

    async def members(self, guild_id: int) -> dict[int, str | None]:
        """user id -> display name (None when not seen since names were kept), for every member of
        the class."""
        rows = await self.db.fetchall(
            "SELECT user_id, name FROM report_students WHERE guild_id = ? ORDER BY user_id", (guild_id,)
        )
        return {uid: name for uid, name in rows}

    async def class_size(self, guild_id: int) -> int:
        row = await self.db.fetchone("SELECT COUNT(*) FROM report_students WHERE guild_id = ?", (guild_id,))
        return int(row[0])

    # -- per student ---------------------------------------------------------------------

    async def figures(
        self, guild_id: int, since_day: int | None, user_id: int | None = None
    ) -> dict[int, Figures]:
        """user id -> figures since UTC day `since_day` (None: all time), for every member with any
        (only `user_id` when given). All time reads the members' totals; a period sums their days."""
        one = "" if user_id is None else " AND user_id = ?"
        extra = () if user_id is None else (user_id,)
        if since_day is None:
            rows = await self.db.fetchall(
                f"SELECT user_id, {_FIGURES}, active_days FROM report_students WHERE guild_id = ?{one}",
                (guild_id, *extra),
            )
        else:
            sums = ", ".join(f"SUM({c})" for c in _FIGURES.split(", "))
            rows = await self.db.fetchall(
                f"SELECT user_id, {sums}, COUNT(*) FROM report_days WHERE guild_id = ? AND day >= ?{one}"
                " GROUP BY user_id",
                (guild_id, since_day, *extra),
            )
        return {row[0]: _figures(row[1:]) for row in rows}

    async def figures_in(
        self, guild_id: int, term_ids: Sequence[str], since_day: int | None
    ) -> dict[int, Figures]:
        """user id -> figures on `term_ids` only (a topic) since UTC day `since_day` (None: all time).
        All time sums each member's rows per term (`report_term_students`, kept by the triggers); a
        period sums that period's answers and reviews of those terms. Days are not kept per term:
        active days are the member's days active in the server in the period (any topic), given
        to the members with answers or reviews on these terms."""
        if not term_ids:
            return {}
        if since_day is None:
            # One query even for a big imported topic (2,000 terms: within both engines' limits).
            rows = await self.db.fetchall(
                "SELECT t.user_id, SUM(t.quiz_answers), SUM(t.quiz_correct), SUM(t.test_answers),"
                " SUM(t.test_correct), SUM(t.reviews), MAX(s.active_days)"
                " FROM report_term_students AS t JOIN report_students AS s"
                "  ON s.guild_id = t.guild_id AND s.user_id = t.user_id"
                f" WHERE t.guild_id = ? AND t.term_id IN ({_marks(term_ids)}) GROUP BY t.user_id",
                (guild_id, *term_ids),
            )
            found = {row[0]: _figures(row[1:]) for row in rows}
        else:
            marks, since = _marks(term_ids), since_day * DAY_MS
            rows = await self.db.fetchall(
                "SELECT user_id, SUM(qa), SUM(qc), SUM(ta), SUM(tc), SUM(rv) FROM ("
                " SELECT user_id, 1 AS qa, correct AS qc, 0 AS ta, 0 AS tc, 0 AS rv"
                f"  FROM quiz_answers WHERE card_id IN ({marks}) AND guild_id = ? AND answered_at >= ?"
                " UNION ALL"
                " SELECT user_id, 0, 0, 1, CASE WHEN rating > 1 THEN 1 ELSE 0 END, 0"
                f"  FROM study_reviews WHERE card_id IN ({marks}) AND guild_id = ? AND reviewed_at >= ?"
                f"  AND {TEST_ANSWER}"
                " UNION ALL"
                " SELECT user_id, 0, 0, 0, 0, 1"
                f"  FROM study_reviews WHERE card_id IN ({marks}) AND guild_id = ? AND reviewed_at >= ?"
                "  AND source = 'review'"
                ") AS activity GROUP BY user_id",
                (*term_ids, guild_id, since) * 3,
            )
            days = await self.figures(guild_id, since_day)
            found = {
                row[0]: replace(_figures(row[1:]), active_days=days.get(row[0], NOTHING).active_days)
                for row in rows
            }
        return {uid: f for uid, f in found.items() if f.answers or f.reviews}

    async def student_terms(self, guild_id: int, user_id: int, since_ms: int | None) -> dict[str, tuple[int, int]]:
        """term id -> (answers, misses) of one member's quiz and test answers here since `since_ms`."""
        rows = await self._answered(guild_id, True, user_id, since_ms)
        return {card: (int(n), int(miss)) for card, n, miss in rows}

    async def _answered(self, guild_id: int, per_term: bool, one: int | str, since_ms: int | None) -> list:
        """This server's quiz and test answers since `since_ms` of one member per term (`per_term`,
        `one` the member) or of one term per member (`one` the term): (term or member, answers,
        misses) rows. All time reads the members' rows per term; a period, its answers."""
        if since_ms is None:
            by, where = ("term_id", "user_id") if per_term else ("user_id", "term_id")
            return await self.db.fetchall(
                f"SELECT {by}, quiz_answers + test_answers, quiz_answers - quiz_correct + test_answers - test_correct"
                f" FROM report_term_students WHERE guild_id = ? AND {where} = ? AND quiz_answers + test_answers > 0",
                (guild_id, one),
            )
        by, where = ("card_id", "user_id") if per_term else ("user_id", "card_id")
        return await self.db.fetchall(
            f"SELECT {by}, SUM(n), SUM(miss) FROM ("
            f" SELECT {by}, 1 AS n, 1 - correct AS miss FROM quiz_answers"
            f"  WHERE guild_id = ? AND {where} = ? AND answered_at >= ?"
            " UNION ALL"
            f" SELECT {by}, 1, CASE WHEN rating = 1 THEN 1 ELSE 0 END FROM study_reviews"
            f"  WHERE guild_id = ? AND {where} = ? AND reviewed_at >= ? AND {TEST_ANSWER}"
            f") AS answered GROUP BY {by}",
            (guild_id, one, since_ms) * 2,
        )

    # -- per term ------------------------------------------------------------------------

    async def terms(self, guild_id: int, since_day: int | None) -> dict[str, tuple[int, int]]:
        """term id -> (answers, misses) in quizzes and tests here since UTC day `since_day` (None: all
        time), for every term answered."""
        if since_day is None:
            rows = await self.db.fetchall(
                "SELECT term_id, answers, misses FROM report_terms WHERE guild_id = ? AND answers > 0", (guild_id,)
            )
        else:
            rows = await self.db.fetchall(
                "SELECT term_id, SUM(answers), SUM(misses) FROM report_term_days WHERE guild_id = ? AND day >= ?"
                " GROUP BY term_id",
                (guild_id, since_day),
            )
        return {term: (int(n), int(miss)) for term, n, miss in rows if n}

    async def tried(self, guild_id: int, term_ids: Sequence[str], since_ms: int | None) -> dict[str, int]:
        """term id -> how many members answered it (quizzes and tests) since `since_ms`: those whose
        last answer to it is in the period (`report_term_students`, kept by the triggers)."""
        found: dict[str, int] = {}
        for chunk in _chunks(list(term_ids)):
            rows = await self.db.fetchall(
                f"SELECT term_id, COUNT(*) FROM report_term_students WHERE guild_id = ? AND term_id IN ({_marks(chunk)})"
                " AND last_at >= ? AND quiz_answers + test_answers > 0 GROUP BY term_id",
                (guild_id, *chunk, since_ms or 0),
            )
            found.update({term: int(n) for term, n in rows})
        return found

    async def wrong_answers(
        self, guild_id: int, term_ids: Sequence[str], since_ms: int | None
    ) -> dict[str, list[tuple[str | None, int]]]:
        """term id -> [(wrong answer text, times)] in quizzes and tests since `since_ms` (text None:
        an older quiz answer that kept only its option's letter)."""
        found: dict[str, list[tuple[str | None, int]]] = {}
        for chunk in _chunks(list(term_ids)):
            marks = _marks(chunk)
            rows = await self.db.fetchall(
                f"SELECT card_id, given, choice, COUNT(*) FROM quiz_answers WHERE guild_id = ? AND card_id IN ({marks})"
                "  AND answered_at >= ? AND correct = 0 GROUP BY card_id, given, choice"
                " UNION ALL"
                f" SELECT card_id, given, NULL, COUNT(*) FROM study_reviews WHERE guild_id = ? AND card_id IN ({marks})"
                f"  AND reviewed_at >= ? AND {TEST_ANSWER} AND rating = 1 GROUP BY card_id, given",
                (guild_id, *chunk, since_ms or 0) * 2,
            )
            for card, given, choice, times in rows:
                found.setdefault(card, []).append((answer_text(given, choice), int(times)))
        return found

    async def detailed(
        self, guild_id: int, terms: list[TermFigures], since_ms: int | None, count: int
    ) -> list[TermFigures]:
        """`terms` with the first `count` given how many members tried them and the wrong answer
        chosen most often (read from those terms' answers only)."""
        head = [t.term_id for t in terms[:count]]
        if not head:
            return terms
        tried = await self.tried(guild_id, head, since_ms)
        wrong = await self.wrong_answers(guild_id, head, since_ms)
        filled = []
        for term in terms[:count]:
            common = most_common_wrong(wrong.get(term.term_id, ()))
            filled.append(
                replace(term, tried=tried.get(term.term_id, 0), wrong=common[0] if common else None,
                        wrong_count=common[1] if common else 0)
            )  # fmt: skip
        return filled + terms[count:]

    async def term_students(self, guild_id: int, term_id: str, since_ms: int | None) -> dict[int, tuple[int, int]]:
        """user id -> (answers, misses) of one term here since `since_ms` (quizzes and tests)."""
        rows = await self._answered(guild_id, False, term_id, since_ms)
        return {uid: (int(n), int(miss)) for uid, n, miss in rows}

    # -- the chart -----------------------------------------------------------------------

    async def class_cards(self, user_ids: Sequence[int]) -> dict[str, tuple[int, int]]:
        """card id -> (members studying it, members who mastered it) among `user_ids` (flashcards
        are a member's own, across servers, as /progress counts them)."""
        found: dict[str, list[int]] = {}
        for chunk in _chunks(list(user_ids)):
            rows = await self.db.fetchall(
                "SELECT card_id, COUNT(*), COALESCE(SUM(CASE WHEN stability >= ? THEN 1 ELSE 0 END), 0)"
                f" FROM study_cards WHERE user_id IN ({_marks(chunk)}) GROUP BY card_id",
                (float(MASTERED_STABILITY_DAYS), *chunk),
            )
            for card, seen, mastered in rows:
                row = found.setdefault(card, [0, 0])
                row[0] += int(seen)
                row[1] += int(mastered)
        return {card: (seen, mastered) for card, (seen, mastered) in found.items()}

    # -- the answer export ---------------------------------------------------------------

    async def answers(
        self, guild_id: int, user_ids: Iterable[int], since_ms: int | None
    ) -> AsyncIterator[AnswerRecord]:
        """Every quiz and test answer and flashcard review of these members here since `since_ms`,
        member by member (in the order given), each member's oldest first. Read from one snapshot
        (consistent while the class plays, without the write lock), a member at a time, so a
        large export never holds more than one member's answers."""
        since = since_ms or 0
        async with self.db.snapshot() as snap:
            for uid in user_ids:
                quiz = await snap.fetchall(
                    "SELECT answered_at, card_id, given, choice, correct, points FROM quiz_answers"
                    " WHERE user_id = ? AND guild_id = ? AND answered_at >= ?"
                    " ORDER BY answered_at, round_id, question_no",
                    (uid, guild_id, since),
                )
                logged = await snap.fetchall(
                    "SELECT reviewed_at, card_id, source, given, rating, raw_rating FROM study_reviews"
                    " WHERE user_id = ? AND reviewed_at >= ? AND guild_id = ?"
                    f" AND (source = 'review' OR ({TEST_ANSWER})) ORDER BY reviewed_at, id",
                    (uid, since, guild_id),
                )
                records = [
                    AnswerRecord(uid, r["answered_at"], "quiz", r["card_id"], answer_text(r["given"], r["choice"]),
                                 bool(r["correct"]), int(r["points"]))
                    for r in quiz
                ] + [
                    AnswerRecord(uid, r["reviewed_at"], r["source"], r["card_id"],
                                 r["given"] if r["source"] == "test" else _rating(r["raw_rating"]),
                                 int(r["rating"]) > 1)
                    for r in logged
                ]  # fmt: skip
                records.sort(key=lambda r: r.at_ms)  # stable: each source keeps its own order on ties
                for record in records:
                    yield record


def _rating(raw: int | None) -> str | None:
    return None if raw is None else RATING_WORDS.get(int(raw), str(raw))


# -- whole reports ---------------------------------------------------------------------------------


async def class_report(
    db: Database,
    guild_id: int,
    period: Period,
    now: datetime,
    *,
    known_terms: Collection[str],
    topic: str | None = None,
    topic_terms: Sequence[str] = (),
    details: int = 10,
) -> ClassReport:
    """Everything /report class shows, read in a few queries: the class with each member's figures
    in the period (on `topic_terms` when a topic is given), their assignments done, late and
    missing, and the terms of `known_terms` (the server's decks, or the topic's terms) answered in
    the period, weakest first, the first `details` with who tried them and the commonest wrong answer."""
    reports, homework = ReportStore(db), HomeworkStore(db)
    day, since = first_day(period, now), since_ms(period, now)
    members = await reports.members(guild_id)
    if topic is None:
        figures = await reports.figures(guild_id, day)
    else:
        figures = await reports.figures_in(guild_id, topic_terms, day)
    due_since = None if since is None else from_ms(since)
    assignments = [
        a for a in await homework.all_in(guild_id, due_since=due_since) if topic is None or a.topic == topic
    ]
    work = await homework.work([a.id for a in assignments])
    untouched = {a.id: progress_from(a, None, now) for a in assignments}  # most members' most assignments
    counts = {
        uid: count_statuses(
            progress_from(a, work[(a.id, uid)], now) if (a.id, uid) in work else untouched[a.id]
            for a in assignments
        )
        for uid in members
    }
    wanted = set(known_terms)
    terms = weakest_first(
        TermFigures(term, n, miss)
        for term, (n, miss) in (await reports.terms(guild_id, day)).items()
        if term in wanted
    )
    terms = await reports.detailed(guild_id, terms, since, details)
    return ClassReport(period, topic, class_rows(members, figures, counts), terms, assignments)


async def student_report(
    db: Database, guild_id: int, user_id: int, period: Period, now: datetime
) -> StudentReport:
    """What /report student shows about one member (and /progress about oneself): their figures in
    the period, every assignment of the period with their progress, their terms weakest first."""
    reports, homework = ReportStore(db), HomeworkStore(db)
    if user_id not in await reports.members(guild_id):
        return StudentReport(None, [], [])
    since = since_ms(period, now)
    figures = (await reports.figures(guild_id, first_day(period, now), user_id)).get(user_id, NOTHING)
    assignments = await homework.all_in(guild_id, due_since=None if since is None else from_ms(since))
    work = await homework.work([a.id for a in assignments], user_id)
    progress = [(a, progress_from(a, work.get((a.id, user_id)), now)) for a in assignments]
    per_term = await reports.student_terms(guild_id, user_id, since)
    terms = weakest_first(TermFigures(t, n, m) for t, (n, m) in per_term.items())
    return StudentReport(figures, progress, terms)
