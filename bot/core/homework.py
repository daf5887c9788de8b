"""Homework: what a teacher assigns, and how far each student is, as pure rules.

An assignment asks for one kind of work on a topic (or the whole deck) by a due instant:
- `test`: a practice test scoring at least `goal` percent; the best attempt counts.
- `review`: `goal` flashcard reviews.
- `learn`: `goal` terms learned in /learn.
Only work done after the assignment was created counts. Work finished after the due time counts
as late, never as missing; missing means the due time passed with the goal not reached.
No I/O and no clock: storage hands in the student's work, the caller passes `now`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from bot.core.errors import BadInput

MAX_OPEN = 25  # open assignments per server; also what one autocomplete or select can list
REMINDER_BEFORE = timedelta(hours=24)


class Kind(StrEnum):
    TEST = "test"
    REVIEW = "review"
    LEARN = "learn"


#: kind -> (default goal, lowest, highest, what the goal counts)
GOALS: dict[Kind, tuple[int, int, int, str]] = {
    Kind.TEST: (80, 1, 100, "% on a practice test"),
    Kind.REVIEW: (20, 1, 500, "flashcard reviews"),
    Kind.LEARN: (10, 1, 200, "terms learned"),
}
TEST_QUESTIONS = (10, 5, 30)  # default, lowest, highest: the same range as /test


class Status(StrEnum):
    NOT_STARTED = "not started"
    IN_PROGRESS = "in progress"
    DONE = "done"
    LATE = "done late"
    MISSING = "missing"


@dataclass(frozen=True, slots=True)
class Assignment:
    id: int
    guild_id: int
    kind: Kind
    goal: int
    topic: str | None
    questions: int | None  # test assignments: how many questions the Start button's test has
    created_at: datetime
    due_at: datetime
    channel_id: int | None = None
    created_by: int | None = None
    closed_at: datetime | None = None
    number: int = 0  # per server, what teachers see (#1, #2 ...); `id` is global
    message_id: int | None = None  # the announcement
    reminder: str | None = None  # None (to send), 'none', 'pending', 'sent', 'failed' or 'skipped'
    reminder_note: str | None = None

    def is_due(self, now: datetime) -> bool:
        """The due time has passed: unfinished work is missing (and still counts, as late)."""
        return now > self.due_at

    def is_open(self, now: datetime) -> bool:
        """Open = not closed by the teacher. Past its due time it stays open (late work counts)
        until the teacher closes it."""
        return self.closed_at is None or self.closed_at > now

    @property
    def goal_text(self) -> str:
        if self.kind is Kind.TEST:
            return f"{self.goal}% or more on a practice test"
        return f"{self.goal} {GOALS[self.kind][3]}"


@dataclass(frozen=True, slots=True)
class Work:
    """One piece of a student's work that may count: a test's score in percent, or one review
    or one learned term (value 1)."""

    at: datetime
    value: int


@dataclass(frozen=True, slots=True)
class Progress:
    value: int  # best test score in percent, or reviews / terms so far
    goal: int
    status: Status
    done_at: datetime | None

    @property
    def finished(self) -> bool:
        return self.status in (Status.DONE, Status.LATE)

    @property
    def fraction(self) -> float:
        return min(self.value / self.goal, 1.0) if self.goal else 1.0


def check_goal(kind: Kind, goal: int | None) -> int:
    """The goal a teacher gave (or the default), checked against the kind's range."""
    default, low, high, what = GOALS[kind]
    if goal is None:
        return default
    if not low <= goal <= high:
        raise BadInput(f"For a {kind.value} assignment the goal is {low}-{high} {what.strip('% ')}; not {goal}.")
    return goal


def check_questions(kind: Kind, questions: int | None) -> int | None:
    """Questions only make sense for a test; they default to /test's 10."""
    if kind is not Kind.TEST:
        if questions is not None:
            raise BadInput("`questions` is only for test assignments; leave it out for review or learn.")
        return None
    default, low, high = TEST_QUESTIONS
    if questions is None:
        return default
    if not low <= questions <= high:
        raise BadInput(f"A test assignment has {low}-{high} questions; not {questions}.")
    return questions


def check_open_limit(open_count: int) -> None:
    if open_count >= MAX_OPEN:
        raise BadInput(
            f"This server already has {MAX_OPEN} open assignments, the most it can have. "
            "Close one with /assign close first."
        )


def progress(assignment: Assignment, work: Iterable[Work], now: datetime) -> Progress:
    """How far a student is with `assignment` at `now`, from their work (any order)."""
    counted = sorted((w for w in work if w.at >= assignment.created_at), key=lambda w: w.at)
    value, done_at = 0, None
    for item in counted:
        value = max(value, item.value) if assignment.kind is Kind.TEST else value + item.value
        if done_at is None and value >= assignment.goal:
            done_at = item.at
    return standing(assignment, value, done_at, bool(counted), now)


def standing(
    assignment: Assignment, value: int, done_at: datetime | None, started: bool, now: datetime
) -> Progress:
    """A student's progress from the figures storage keeps for them (`value` as `progress` sums
    it, when the goal was first reached, whether any work counted): the status rules in one place."""
    if done_at is not None:
        status = Status.DONE if done_at <= assignment.due_at else Status.LATE
    elif assignment.is_due(now):
        status = Status.MISSING
    else:
        status = Status.IN_PROGRESS if started else Status.NOT_STARTED
    return Progress(value, assignment.goal, status, done_at)


@dataclass(frozen=True, slots=True)
class Counts:
    """A student's assignments by status: what a report's row and /progress show."""

    done: int = 0
    late: int = 0
    missing: int = 0
    pending: int = 0  # not due yet and not finished

    @property
    def total(self) -> int:
        return self.done + self.late + self.missing + self.pending


def count_statuses(progresses: Iterable[Progress]) -> Counts:
    """How many of a student's assignments are done on time, done late, missing or still to do."""
    tally = {Status.DONE: 0, Status.LATE: 0, Status.MISSING: 0}
    pending = 0
    for p in progresses:
        if p.status in tally:
            tally[p.status] += 1
        else:
            pending += 1
    return Counts(tally[Status.DONE], tally[Status.LATE], tally[Status.MISSING], pending)


def fit_questions(questions: int, available: int) -> int:
    """A test assignment's questions, at most the terms its topic has (a test never asks a term
    twice, and a shorter test would never count); BadInput when the topic has no terms."""
    if available < 1:
        raise BadInput("There are no terms in that topic to test.")
    return min(questions, available)


def finished_by_due(progresses: Sequence[Progress]) -> int:
    """How many students reached the goal on time (the count a reminder shows; never names)."""
    return sum(p.status is Status.DONE for p in progresses)


def reminder_at(assignment: Assignment) -> datetime | None:
    """When the channel is reminded: 24 hours before the due time, unless the assignment was
    created less than 24 hours before it (the announcement itself is the reminder then)."""
    at = assignment.due_at - REMINDER_BEFORE
    return at if at > assignment.created_at else None
