"""Class reports: figures per student and per term, as pure rules.

A report covers a period of whole UTC days (the last 7 or 30 days including today, or all time),
as /progress counts its days. The class is every member the bot has seen studying in the server;
members without activity in the period are listed as such, after the others. Terms come weakest
first: the highest miss rate, then the most misses. No I/O and no clock: the caller passes `now`.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum

from bot.core.homework import Assignment, Counts, Kind, Progress, Status, count_statuses
from bot.core.questions import LETTERS, Question
from bot.core.questions import Kind as QuestionKind
from bot.core.srs import RATING_FEELINGS, map_rating

DAY_MS = 86_400_000


class Period(StrEnum):
    WEEK = "week"
    MONTH = "month"
    ALL = "all"


#: How many UTC days a period covers, today included (None: all time).
PERIOD_DAYS: dict[Period, int | None] = {Period.WEEK: 7, Period.MONTH: 30, Period.ALL: None}
PERIOD_WORDS = {Period.WEEK: "the last 7 days", Period.MONTH: "the last 30 days", Period.ALL: "all time"}


def day_number(at: datetime) -> int:
    """The UTC day of `at`, as storage keeps days (epoch ms // 86,400,000)."""
    if at.tzinfo is None:
        raise ValueError("times must be timezone-aware")
    return int(at.timestamp() * 1000) // DAY_MS


def first_day(period: Period, now: datetime) -> int | None:
    """The first UTC day the period counts (None: every day)."""
    days = PERIOD_DAYS[Period(period)]
    return None if days is None else day_number(now) - days + 1


def since_ms(period: Period, now: datetime) -> int | None:
    """The epoch ms the period starts at: midnight UTC of its first day (None: ever)."""
    day = first_day(period, now)
    return None if day is None else day * DAY_MS


def from_ms(ms: int) -> datetime:
    return datetime.fromtimestamp(ms / 1000, UTC)


def accuracy(correct: int, answers: int) -> float | None:
    """Right answers as a share of answers; None when there were none."""
    return correct / answers if answers else None


@dataclass(frozen=True, slots=True)
class Figures:
    """What a student did in a period: quiz and test answers (and how many right), flashcard
    reviews, and the days with any activity."""

    quiz_answers: int = 0
    quiz_correct: int = 0
    test_answers: int = 0
    test_correct: int = 0
    reviews: int = 0
    active_days: int = 0

    @property
    def active(self) -> bool:
        return self.active_days > 0 or self.answers > 0 or self.reviews > 0

    @property
    def answers(self) -> int:
        return self.quiz_answers + self.test_answers

    @property
    def quiz_accuracy(self) -> float | None:
        return accuracy(self.quiz_correct, self.quiz_answers)

    @property
    def test_accuracy(self) -> float | None:
        return accuracy(self.test_correct, self.test_answers)


NOTHING = Figures()


@dataclass(frozen=True, slots=True)
class StudentRow:
    """One line of a class report."""

    user_id: int
    name: str | None  # the display name last seen in the server (None: not seen since it was kept)
    figures: Figures
    homework: Counts = field(default_factory=Counts)

    @property
    def active(self) -> bool:
        return self.figures.active


def _name_key(user_id: int, name: str | None) -> tuple:
    return (name is None, (name or "").casefold(), user_id)


def class_rows(
    members: Mapping[int, str | None], figures: Mapping[int, Figures], homework: Mapping[int, Counts]
) -> list[StudentRow]:
    """Every member of the class as a row: those active in the period by name, then those without
    any activity (also by name). Members without a known name come after the named ones."""
    rows = [
        StudentRow(uid, name, figures.get(uid, NOTHING), homework.get(uid, Counts()))
        for uid, name in members.items()
    ]
    return sorted(rows, key=lambda r: (not r.active, *_name_key(r.user_id, r.name)))


@dataclass(frozen=True, slots=True)
class TermFigures:
    """How a term went for the class in a period: quiz and test answers, misses, how many members
    tried it and the wrong answer given most often (with how many times)."""

    term_id: str
    answers: int
    misses: int
    tried: int | None = None
    wrong: str | None = None
    wrong_count: int = 0

    @property
    def miss_rate(self) -> float:
        return self.misses / self.answers if self.answers else 0.0


def weakest_first(terms: Iterable[TermFigures]) -> list[TermFigures]:
    """The terms answered in the period, the highest miss rate first (then the most misses, then
    the most answers, then the id, so the order is stable)."""
    answered = [t for t in terms if t.answers > 0]
    return sorted(answered, key=lambda t: (-t.miss_rate, -t.misses, -t.answers, t.term_id))


#: Choice keys stored before answers kept their text: a letter says nothing once the options are gone.
_BARE_KEYS = {"A", "B", "C", "D", "true", "false"}
_QUOTES = "“”\"'"


def answer_text(given: str | None, choice: str | None = None) -> str | None:
    """What a member answered, as text: the option's text or what they typed. Older quiz rows kept
    only the letter of a multiple-choice option: those give None (unknown)."""
    if given is not None:
        return given
    if choice is None or choice in _BARE_KEYS:
        return None
    return choice


def _written(text: str) -> str:
    """An answer as shown: single spaces, no surrounding quotes."""
    return " ".join(text.strip(_QUOTES + " \t\n").split())


def same_answer(text: str) -> str:
    """Answers that differ only in case, spacing or surrounding quotes are one answer."""
    return _written(text).casefold()


def ranked_wrong(answers: Iterable[tuple[str | None, int]], limit: int = 5) -> list[tuple[str, int]]:
    """The wrong answers given most often, from (text, times) pairs, most often first, each as it
    was most often written (answers differing in case, spacing or quotes are one); None texts are
    unknown and skipped; ties go to the alphabetically first."""
    counts: Counter[str] = Counter()
    spelled: dict[str, Counter[str]] = {}
    for text, times in answers:
        written = _written(text) if text else ""
        if not written:
            continue
        key = written.casefold()
        counts[key] += times
        spelled.setdefault(key, Counter())[written] += times
    ranked = sorted(counts, key=lambda k: (-counts[k], k))[:limit]
    return [(min(spelled[k], key=lambda s: (-spelled[k][s], s)), counts[k]) for k in ranked]


def most_common_wrong(answers: Iterable[tuple[str | None, int]]) -> tuple[str, int] | None:
    """The wrong answer given most often and how many times (None when there is none)."""
    ranked = ranked_wrong(answers, 1)
    return ranked[0] if ranked else None


@dataclass(frozen=True, slots=True)
class TopicMastery:
    """A topic across the class: its cards times the members, how many of those the members study,
    and how many they mastered (the /progress chart's bar, for a whole class)."""

    topic: str
    total: int
    seen: int
    mastered: int


def class_mastery(
    topic_of: Mapping[str, str], per_card: Mapping[str, tuple[int, int]], members: int
) -> list[TopicMastery]:
    """Per topic (in `topic_of`'s order), from card id -> (members studying it, members who mastered it)."""
    totals: dict[str, list[int]] = {}
    for card_id, topic in topic_of.items():
        row = totals.setdefault(topic, [0, 0, 0])
        seen, mastered = per_card.get(card_id, (0, 0))
        row[0] += members
        row[1] += seen
        row[2] += mastered
    return [TopicMastery(topic, *row) for topic, row in totals.items()]


@dataclass(frozen=True, slots=True)
class ClassReport:
    """A class report: every member's row (active first), the terms answered weakest first (the
    first `details` of them with how many tried and the most common wrong answer), and the
    assignments it counts (due in the period, or still open)."""

    period: Period
    topic: str | None
    rows: list[StudentRow]
    terms: list[TermFigures]
    assignments: list[Assignment]

    @property
    def active(self) -> int:
        return sum(r.active for r in self.rows)

    @property
    def homework(self) -> Counts:
        rows = [r.homework for r in self.rows]
        return Counts(*(sum(getattr(c, f) for c in rows) for f in ("done", "late", "missing", "pending")))


@dataclass(frozen=True, slots=True)
class StudentReport:
    """One student in a period: their figures (None: not in the class), every assignment counted
    with their progress, and the terms they answered, weakest first."""

    figures: Figures | None
    homework: list[tuple[Assignment, Progress]]
    terms: list[TermFigures]

    @property
    def counts(self) -> Counts:
        return count_statuses(p for _, p in self.homework)


# --- leeches ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class LeechTerm:
    """A term some students keep forgetting: how many have it as a leech, and the most lapses."""

    term_id: str
    students: int
    most_lapses: int


def leech_terms(leeches: Iterable[tuple[int, str, int]], known: Iterable[str]) -> list[LeechTerm]:
    """The class's leeches per term, from (user_id, card_id, lapses) rows: only cards of `known`
    terms (the server's decks), the terms most students keep forgetting first."""
    known = set(known)
    students: Counter[str] = Counter()
    most: dict[str, int] = {}
    for _user_id, card_id, lapses in leeches:
        if card_id in known:
            students[card_id] += 1
            most[card_id] = max(most.get(card_id, 0), lapses)
    terms = [LeechTerm(card_id, count, most[card_id]) for card_id, count in students.items()]
    return sorted(terms, key=lambda t: (-t.students, -t.most_lapses, t.term_id))


# --- the answer export ------------------------------------------------------------------------

#: What a flashcard rating means, as the answer export writes it: the answer, the scheduling rating
#: it maps to and the words of its /review button, e.g. "3 Good (got it, with effort)".
RATING_WORDS = {raw: f"{raw} {map_rating(raw).name} ({feeling})" for raw, feeling in RATING_FEELINGS.items()}


@dataclass(frozen=True, slots=True)
class AnswerRecord:
    """One answer (or flashcard review) of a student in the answer export."""

    user_id: int
    at_ms: int
    source: str  # quiz, test or review
    term_id: str
    given: str | None
    correct: bool
    points: int | None = None  # quiz answers only


@dataclass(frozen=True, slots=True)
class Window:
    """When and on what an assignment counted work: which export rows count toward it."""

    number: int
    kind: str  # test, review or learn
    created_ms: int
    closed_ms: int | None
    topic: str | None


def counted_for(record: AnswerRecord, topic: str | None, windows: Iterable[Window]) -> str:
    """ "#3" (or "#3 #5") when the answer was work of the kind an open assignment of that topic
    asked for (a test answer for a test assignment, a review for a review assignment), else ""."""
    numbers = [
        f"#{w.number}"
        for w in windows
        if w.kind == record.source
        and w.created_ms <= record.at_ms
        and (w.closed_ms is None or record.at_ms < w.closed_ms)
        and (w.topic is None or w.topic == topic)
    ]
    return " ".join(numbers)


def _percent(share: float | None) -> float | str:
    return "" if share is None else round(share * 100, 1)


STUDENT_HEADER = (
    "student", "student id", "days active", "quiz answers", "quiz right", "quiz % right", "test answers",
    "test right", "test % right", "reviews", "assignments done", "done late", "missing",
)  # fmt: skip
ANSWER_HEADER = (
    "student", "student id", "time (UTC)", "source", "term", "topic", "given answer", "result", "points",
    "for assignment",
)  # fmt: skip


def assignment_column(assignment: Assignment, topic_name: str) -> str:
    """ "#3 test: Metrics (due 2026-12-04)": a column of the students export."""
    return f"#{assignment.number} {assignment.kind.value}: {topic_name} (due {assignment.due_at:%Y-%m-%d})"


def assignment_cell(assignment: Assignment, progress: Progress) -> str:
    """ "done 90%", "done late 20/20", "missing 5/20", "not started"."""
    if progress.status is Status.NOT_STARTED:
        return progress.status.value
    if assignment.kind is Kind.TEST:
        return f"{progress.status.value} {progress.value}%"
    return f"{progress.status.value} {min(progress.value, progress.goal)}/{progress.goal}"


def student_cells(row: StudentRow, cells: Iterable[str]) -> list[object]:
    """One student's row of the students export: their figures, homework counts, then `cells` (one
    per assignment column)."""
    f, h = row.figures, row.homework
    return [
        row.name or "", str(row.user_id), f.active_days, f.quiz_answers, f.quiz_correct, _percent(f.quiz_accuracy),
        f.test_answers, f.test_correct, _percent(f.test_accuracy), f.reviews, h.done, h.late, h.missing, *cells,
    ]  # fmt: skip


def answer_cells(record: AnswerRecord, name: str | None, term: str, topic: str, counted: str) -> list[object]:
    """One row of the answers export."""
    at = from_ms(record.at_ms)
    return [
        name or "", str(record.user_id), f"{at:%Y-%m-%d %H:%M:%S}", record.source, term, topic,
        record.given or "", "right" if record.correct else "wrong",
        "" if record.points is None else record.points, counted,
    ]  # fmt: skip


def given_text(question: Question, key: str) -> str:
    """What a member chose, as reports keep it: the option's own text ("Customer Loyalty", a whole
    definition), "True" or "False"; the same option reads the same whatever letter it had."""
    if question.kind is QuestionKind.TRUE_FALSE:
        return "True" if key == "true" else "False"
    if key in LETTERS and LETTERS.index(key) < len(question.options):
        return question.options[LETTERS.index(key)]
    return key
