"""Study progress figures: day streak, accuracy, mastery per topic. Pure; days are UTC days."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

from bot.core.srs import MASTERED_STABILITY_DAYS, CardState

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
DAY_MS = 86_400_000


def utc_day_number(at: datetime) -> int:
    """Days since 1970-01-01 of `at`'s UTC date (the unit of the day streak)."""
    if at.tzinfo is None:
        raise ValueError("at must be timezone-aware")
    return (at.astimezone(UTC) - _EPOCH).days


def day_streak(review_days: Iterable[int], today: int) -> int:
    """Consecutive UTC days with at least one review, ending today or yesterday.

    `review_days` are UTC day numbers (see `utc_day_number`), in any order, repeats allowed.
    A streak that ended yesterday still counts (the member can keep it alive today); one that
    ended earlier is 0.
    """
    days = set(review_days)
    day = today if today in days else today - 1
    streak = 0
    while day in days:
        streak += 1
        day -= 1
    return streak


def accuracy(correct: int, total: int) -> float | None:
    """Share of correct answers, or None when nothing was answered."""
    if total < 0 or not 0 <= correct <= total:
        raise ValueError("need 0 <= correct <= total")
    return correct / total if total else None


@dataclass(frozen=True, slots=True)
class Progress:
    """A member's study figures at one moment.

    `due_next_24h` counts cards not due yet but due within the next 24 hours. Reviews count
    every source (flashcards, tests, quizzes, the daily term). Quiz figures are whatever the
    caller passed in (quiz answers live in the quiz tables).
    """

    cards_seen: int
    mastered: int
    due_now: int
    due_next_24h: int
    reviews_today: int
    day_streak: int
    test_questions: int
    test_correct: int
    quiz_answered: int = 0
    quiz_correct: int = 0

    @property
    def test_accuracy(self) -> float | None:
        """Share of practice-test questions answered correctly (None before the first test)."""
        return accuracy(self.test_correct, self.test_questions)

    @property
    def quiz_accuracy(self) -> float | None:
        """Share of quiz answers that were correct (None without quiz figures)."""
        return accuracy(self.quiz_correct, self.quiz_answered)

    @property
    def overall_accuracy(self) -> float | None:
        """Tests and quizzes together, weighted by the number of answers."""
        return accuracy(self.test_correct + self.quiz_correct, self.test_questions + self.quiz_answered)


@dataclass(frozen=True, slots=True)
class TopicMastery:
    """How far a member is through one topic: cards in it, cards studied, cards mastered."""

    topic: str
    total: int
    seen: int
    mastered: int

    @property
    def share_mastered(self) -> float:
        """Mastered cards as a share of the topic (0 for an empty topic)."""
        return self.mastered / self.total if self.total else 0.0


def topic_mastery(
    states: Mapping[str, CardState],
    topic_of: Mapping[str, str],
    threshold_days: float = MASTERED_STABILITY_DAYS,
) -> dict[str, TopicMastery]:
    """Mastery per topic, given the member's card states and a card id -> topic mapping.

    Topics come out in the order they first appear in `topic_of`; states of cards missing
    from the mapping are ignored. A card is mastered when its stability >= `threshold_days`.
    """
    counts: dict[str, list[int]] = {}
    for card_id, topic in topic_of.items():
        row = counts.setdefault(topic, [0, 0, 0])
        row[0] += 1
        state = states.get(card_id)
        if state is not None:
            row[1] += 1
            if state.stability is not None and state.stability >= threshold_days:
                row[2] += 1
    return {topic: TopicMastery(topic, *row) for topic, row in counts.items()}
