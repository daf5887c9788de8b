"""Class report rules: periods in UTC days, the class's order, weakest terms first, the wrong answer
given most often, the class chart's figures, which assignment an exported answer counted for, and
the homework counts a report row and /progress show."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.core.errors import BadInput
from bot.core.homework import Assignment, Counts, Kind, Status, count_statuses, fit_questions, progress, standing
from bot.core.questions import Kind as QuestionKind
from bot.core.questions import Question
from bot.core.report import (
    DAY_MS,
    RATING_WORDS,
    AnswerRecord,
    Figures,
    LeechTerm,
    Period,
    TermFigures,
    Window,
    answer_cells,
    answer_text,
    assignment_cell,
    class_mastery,
    class_rows,
    counted_for,
    first_day,
    given_text,
    leech_terms,
    most_common_wrong,
    ranked_wrong,
    since_ms,
    student_cells,
    weakest_first,
)

NOW = datetime(2026, 12, 4, 15, 30, tzinfo=UTC)
CREATED = datetime(2026, 12, 1, 12, tzinfo=UTC)
DUE = datetime(2026, 12, 4, 22, tzinfo=UTC)


def assignment(kind=Kind.TEST, goal=80, **extra):
    return Assignment(1, 10, kind, goal, None, 10 if kind is Kind.TEST else None, CREATED, DUE, number=3, **extra)


def test_a_period_is_whole_utc_days_today_included():
    today = int(NOW.timestamp() * 1000) // DAY_MS
    assert first_day(Period.WEEK, NOW) == today - 6
    assert first_day(Period.MONTH, NOW) == today - 29
    assert first_day(Period.ALL, NOW) is None and since_ms(Period.ALL, NOW) is None
    assert since_ms(Period.WEEK, NOW) == (today - 6) * DAY_MS
    assert datetime.fromtimestamp(since_ms(Period.WEEK, NOW) / 1000, UTC) == datetime(2026, 11, 28, tzinfo=UTC)


def test_the_class_lists_active_members_by_name_then_the_rest():
    members = {1: "zoe", 2: "Adam", 3: None, 4: "bea", 5: "carl"}
    figures = {1: Figures(quiz_answers=3, quiz_correct=2, active_days=1), 4: Figures(reviews=2, active_days=1)}
    rows = class_rows(members, figures, {5: Counts(missing=1)})
    assert [r.user_id for r in rows] == [4, 1, 2, 5, 3], "active by name, then inactive by name, unnamed last"
    assert [r.active for r in rows] == [True, True, False, False, False]
    assert rows[3].homework == Counts(missing=1) and rows[0].homework == Counts()
    assert rows[1].figures.quiz_accuracy == pytest.approx(2 / 3) and rows[1].figures.test_accuracy is None


def test_the_weakest_terms_come_first_and_unanswered_terms_are_left_out():
    terms = [
        TermFigures("a", 10, 2),
        TermFigures("b", 4, 3),
        TermFigures("c", 8, 6),
        TermFigures("d", 0, 0),
        TermFigures("e", 1, 0),
    ]
    assert [t.term_id for t in weakest_first(terms)] == ["c", "b", "a", "e"], "75% with 6 misses before 75% with 3"


def test_the_wrong_answer_given_most_often_groups_case_spacing_and_quotes():
    answers = [("Customer  loyalty", 2), ("“customer loyalty”", 1), ("Brand equity", 2), (None, 9), ("", 4)]
    assert most_common_wrong(answers) == ("Customer loyalty", 3)
    assert ranked_wrong(answers) == [("Customer loyalty", 3), ("Brand equity", 2)]
    assert most_common_wrong([("B", 1), ("A", 1)]) == ("A", 1), "a tie goes to the alphabetically first"
    assert most_common_wrong([(None, 3)]) is None


def test_an_answer_reads_as_its_text_and_old_letters_are_unknown():
    assert answer_text("Customer Loyalty", "B") == "Customer Loyalty"
    assert answer_text(None, "B") is None and answer_text(None, "true") is None
    assert answer_text(None, "“net promoter”") == "“net promoter”", "a typed answer kept its text in choice"
    question = Question(QuestionKind.TERM, "t", "p", ("One", "Two", "Three", "Four"), "B")
    assert given_text(question, "C") == "Three"
    assert given_text(Question(QuestionKind.TRUE_FALSE, "t", "p", ("True", "False"), "true"), "false") == "False"


def test_class_mastery_counts_every_members_cards_per_topic():
    topic_of = {"a": "t1", "b": "t1", "c": "t2"}
    bars = class_mastery(topic_of, {"a": (3, 1), "c": (1, 1), "x": (5, 5)}, members=4)
    assert [(b.topic, b.total, b.seen, b.mastered) for b in bars] == [("t1", 8, 3, 1), ("t2", 4, 1, 1)]


def test_an_exported_answer_names_the_assignment_it_counted_for():
    windows = [
        Window(1, "test", 100, None, None),
        Window(2, "test", 100, 500, "metrics"),
        Window(3, "review", 100, None, "metrics"),
        Window(4, "test", 900, None, None),
    ]
    test = AnswerRecord(7, 300, "test", "nps", "x", True)
    assert counted_for(test, "metrics", windows) == "#1 #2"
    assert counted_for(AnswerRecord(7, 600, "test", "nps", "x", True), "metrics", windows) == "#1", "#2 closed"
    assert counted_for(AnswerRecord(7, 300, "review", "nps", "4 Good", True), "ethics", windows) == ""
    assert counted_for(AnswerRecord(7, 300, "quiz", "nps", "x", False, 0), "metrics", windows) == ""


def test_export_cells_never_run_as_formulas_and_ids_stay_whole():
    from bot.core.export import csv_lines

    record = AnswerRecord(123456789012345678, 86_400_000, "test", "nps", '=HYPERLINK("x")', False)
    cells = answer_cells(record, "@everyone", "Net Promoter Score", "Metrics", "#2")
    assert cells[:4] == ["@everyone", "123456789012345678", "1970-01-02 00:00:00", "test"]
    line = list(csv_lines(["a"] * len(cells), [cells]))[1]
    assert "'=HYPERLINK" in line and "'@everyone" in line and "123456789012345678" in line


def test_assignment_cells_say_the_status_and_the_figure():
    test = assignment()
    assert assignment_cell(test, progress(test, [], NOW)) == "not started"
    reviews = assignment(Kind.REVIEW, 20)
    assert (
        assignment_cell(reviews, standing(reviews, 25, DUE + timedelta(hours=1), True, NOW)) == "done late 20/20"
    )
    assert assignment_cell(test, standing(test, 40, None, True, DUE + timedelta(days=1))) == "missing 40%"
    row = class_rows({5: "ann"}, {5: Figures(2, 1, 4, 3, 7, 2)}, {5: Counts(1, 0, 2, 0)})[0]
    assert student_cells(row, ["done 90%"]) == ["ann", "5", 2, 2, 1, 50.0, 4, 3, 75.0, 7, 1, 0, 2, "done 90%"]


def test_standing_is_the_same_rule_as_progress_from_work():
    a = assignment(Kind.REVIEW, 2)
    assert standing(a, 0, None, False, NOW).status is Status.NOT_STARTED
    assert standing(a, 1, None, True, NOW).status is Status.IN_PROGRESS
    assert standing(a, 1, None, True, DUE + timedelta(seconds=1)).status is Status.MISSING
    assert standing(a, 2, DUE, True, DUE + timedelta(days=2)).status is Status.DONE, "on the due time is on time"
    assert standing(a, 2, DUE + timedelta(seconds=1), True, NOW).status is Status.LATE


def test_statuses_are_counted_for_a_row_and_for_progress():
    a = assignment()
    late = standing(a, 90, DUE + timedelta(hours=1), True, NOW)
    ps = [standing(a, 90, CREATED, True, NOW), late, standing(a, 0, None, False, DUE + timedelta(days=1))]
    ps.append(standing(a, 10, None, True, NOW))
    assert count_statuses(ps) == Counts(done=1, late=1, missing=1, pending=1)
    assert count_statuses(ps).total == 4


def test_a_test_assignment_never_asks_more_questions_than_its_topic_has():
    assert fit_questions(10, 25) == 10
    assert fit_questions(10, 7) == 7
    with pytest.raises(BadInput, match="no terms"):
        fit_questions(10, 0)


def test_leech_terms_count_students_per_known_term_most_first():
    leeches = [(1, "clv", 9), (2, "clv", 8), (1, "nps", 12), (3, "gone", 20), (2, "crm", 8)]
    assert leech_terms(leeches, ["clv", "nps", "crm"]) == [
        LeechTerm("clv", 2, 9),
        LeechTerm("nps", 1, 12),
        LeechTerm("crm", 1, 8),
    ]
    assert leech_terms([], ["clv"]) == []


def test_the_export_words_each_rating_as_the_review_buttons_map_it():
    assert RATING_WORDS[1] == "1 Again (forgot)"
    assert RATING_WORDS[3] == "3 Good (got it, with effort)", "3 is an ordinary success, scheduled as Good"
    assert RATING_WORDS[5] == "5 Easy (instant)"
