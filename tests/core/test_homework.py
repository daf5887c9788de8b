"""Homework rules: goals, progress, late and missing work, reminders."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.core.errors import BadInput
from bot.core.homework import (
    MAX_OPEN,
    Assignment,
    Kind,
    Status,
    Work,
    check_goal,
    check_open_limit,
    check_questions,
    finished_by_due,
    progress,
    reminder_at,
)

CREATED = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
DUE = datetime(2026, 12, 4, 22, 0, tzinfo=UTC)


def assignment(kind=Kind.TEST, goal=80, **extra):
    return Assignment(1, 10, kind, goal, None, 10 if kind is Kind.TEST else None, CREATED, DUE, **extra)


def at(hours: float) -> datetime:
    return CREATED + timedelta(hours=hours)


def test_the_best_test_attempt_counts_and_done_is_when_the_goal_was_first_reached():
    p = progress(assignment(), [Work(at(1), 60), Work(at(2), 90), Work(at(3), 70)], at(4))
    assert (p.value, p.status, p.done_at) == (90, Status.DONE, at(2))


def test_work_before_the_assignment_was_created_does_not_count():
    p = progress(assignment(), [Work(at(-1), 100)], at(4))
    assert (p.value, p.status) == (0, Status.NOT_STARTED)


def test_reviews_add_up_to_the_goal():
    reviews = [Work(at(h), 1) for h in range(1, 21)]
    p = progress(assignment(Kind.REVIEW, 20), reviews[:19], at(30))
    assert (p.value, p.status, p.fraction) == (19, Status.IN_PROGRESS, 0.95)
    p = progress(assignment(Kind.REVIEW, 20), reviews, at(30))
    assert (p.value, p.status, p.done_at) == (20, Status.DONE, at(20))


def test_work_after_the_due_time_is_late_not_missing():
    after_due = (DUE - CREATED) / timedelta(hours=1) + 1
    p = progress(assignment(), [Work(at(1), 50), Work(at(after_due), 85)], at(after_due + 1))
    assert p.status is Status.LATE and p.finished


def test_past_due_without_the_goal_is_missing_and_before_it_in_progress():
    work = [Work(at(1), 50)]
    assert progress(assignment(), work, DUE - timedelta(minutes=1)).status is Status.IN_PROGRESS
    assert progress(assignment(), work, DUE + timedelta(minutes=1)).status is Status.MISSING
    assert progress(assignment(), [], DUE + timedelta(minutes=1)).status is Status.MISSING


def test_done_exactly_at_the_due_time_is_on_time():
    assert progress(assignment(), [Work(DUE, 80)], DUE).status is Status.DONE


def test_the_reminder_counts_only_students_done_on_time():
    done = progress(assignment(), [Work(at(1), 90)], at(2))
    late = progress(assignment(), [Work(DUE + timedelta(hours=1), 90)], DUE + timedelta(hours=2))
    busy = progress(assignment(), [Work(at(1), 10)], at(2))
    assert finished_by_due([done, late, busy]) == 1


def test_reminder_is_24_hours_before_unless_the_assignment_is_younger():
    assert reminder_at(assignment()) == DUE - timedelta(hours=24)
    short = Assignment(2, 10, Kind.REVIEW, 20, None, None, DUE - timedelta(hours=5), DUE)
    assert reminder_at(short) is None


def test_goals_default_per_kind_and_are_checked():
    assert check_goal(Kind.TEST, None) == 80
    assert check_goal(Kind.REVIEW, None) == 20
    assert check_goal(Kind.REVIEW, 50) == 50
    with pytest.raises(BadInput, match="1-100"):
        check_goal(Kind.TEST, 120)
    with pytest.raises(BadInput, match="1-500"):
        check_goal(Kind.REVIEW, 0)


def test_questions_belong_to_tests_only():
    assert check_questions(Kind.TEST, None) == 10
    assert check_questions(Kind.REVIEW, None) is None
    with pytest.raises(BadInput, match="only for test"):
        check_questions(Kind.REVIEW, 10)
    with pytest.raises(BadInput, match="5-30"):
        check_questions(Kind.TEST, 40)


def test_at_most_25_open_assignments():
    check_open_limit(MAX_OPEN - 1)
    with pytest.raises(BadInput, match="25 open assignments"):
        check_open_limit(MAX_OPEN)


def test_a_closed_assignment_is_not_open():
    assert assignment().is_open(at(1))
    assert not assignment(closed_at=at(2)).is_open(at(3))
