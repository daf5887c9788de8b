"""A channel quiz round as a pure state machine: questions, answers, speed scoring, reveals.

The cog drives it (post, wait, close) and persists what it returns; nothing here knows about
Discord or the database. Times are aware UTC datetimes passed in by the caller.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from bot.core.errors import BadInput, StudyBotError
from bot.core.questions import Mode, Question
from bot.core.teams import Teams, TeamStanding

MAX_POINTS = 1000
MIN_POINTS = 500  # a right answer on the last instant still earns this
STREAK_STEP = 100
STREAK_CAP = 500
SILENT_QUESTIONS_TO_END = 2
ACCURACY_POINTS = 1000  # a right answer under accuracy scoring, however long it took
#: Seconds per question: speed scoring keeps questions short; accuracy scoring lets slow readers
#: and typists take their time.
SPEED_SECONDS = (10, 120)
ACCURACY_SECONDS = (10, 300)


class Scoring(StrEnum):
    SPEED = "speed"  # faster right answers earn more, plus a streak bonus
    ACCURACY = "accuracy"  # every right answer earns ACCURACY_POINTS, nothing else


class QuizError(StudyBotError):
    pass


class QuestionClosed(QuizError):
    def __init__(self) -> None:
        super().__init__("This question has closed. Get ready for the next one!")


class AlreadyAnswered(QuizError):
    def __init__(self, label: str) -> None:
        super().__init__(f"You already answered this question ({label}). One answer per question!")


class AnswerPending(QuizError):
    def __init__(self) -> None:
        super().__init__("Your answer to this question is being saved. One answer per question!")


def speed_points(elapsed: float, limit: float) -> int:
    """Points for a right answer: 1,000 when instant, falling linearly to 500 at the deadline."""
    fraction = min(max(elapsed / limit, 0.0), 1.0) if limit > 0 else 1.0
    return round(MAX_POINTS - (MAX_POINTS - MIN_POINTS) * fraction)


def streak_bonus(streak: int) -> int:
    """Bonus for the n-th right answer in a row: +100 from the second, capped at +500."""
    return min(STREAK_STEP * max(streak - 1, 0), STREAK_CAP)


def check_seconds(scoring: Scoring, seconds: int) -> None:
    """Refuse a time limit the scoring does not allow (BadInput with what is allowed)."""
    low, high = ACCURACY_SECONDS if scoring is Scoring.ACCURACY else SPEED_SECONDS
    if low <= seconds <= high:
        return
    if scoring is Scoring.SPEED and seconds <= ACCURACY_SECONDS[1]:
        raise BadInput(
            f"With speed scoring a question lasts {low}-{high} seconds, so {seconds} is too long. "
            f"Add scoring:accuracy for up to {ACCURACY_SECONDS[1]} seconds (right answers then earn "
            f"{ACCURACY_POINTS:,} points however long they take)."
        )
    raise BadInput(f"A question lasts {low}-{high} seconds with {scoring.value} scoring, not {seconds}.")


@dataclass(frozen=True, slots=True)
class RoundSettings:
    """What a teacher chose for a round (the options of /quiz start, minus where its terms come from)."""

    questions: int = 10
    topic: str | None = None
    mode: Mode = Mode.MIXED
    seconds: int = 20
    scoring: Scoring = Scoring.SPEED
    teams: int = 0  # 0: everyone for themselves; 2-4: team play
    anonymous: bool = False

    def check(self) -> None:
        """Refuse combinations the option ranges alone cannot (BadInput)."""
        check_seconds(self.scoring, self.seconds)


def period_keys(when: datetime, zone: ZoneInfo) -> tuple[str, str, str]:
    """Leaderboard buckets of an instant: all time, its week (from Monday, local) and its month."""
    local = when.astimezone(zone).date()
    monday = local - timedelta(days=local.weekday())
    return ("all", f"w{monday.isoformat()}", f"m{local:%Y-%m}")


def period_key(period: str, now: datetime, zone: ZoneInfo) -> str:
    """The bucket for /leaderboard's period option ('week', 'month', 'all') at `now`."""
    keys = dict(zip(("all", "week", "month"), period_keys(now, zone), strict=True))
    return keys[period]


def week_start(key: str) -> date:
    return date.fromisoformat(key[1:])


@dataclass(frozen=True, slots=True)
class Answer:
    user_id: int
    question_no: int
    choice: str
    label: str  # what the member chose or typed, for the ephemeral "Locked in"
    correct: bool
    points: int
    elapsed_ms: int
    answered_at: datetime
    verdict: str = ""
    bonus: int = 0  # the streak bonus inside `points` (the reveal shows it apart from the speed points)


@dataclass(slots=True)
class Player:
    user_id: int
    name: str
    points: int = 0
    correct: int = 0
    answered: int = 0
    streak: int = 0
    best_streak: int = 0


@dataclass(frozen=True, slots=True)
class Reveal:
    question: Question
    question_no: int
    answers: tuple[Answer, ...]
    split: dict[str, int]  # choice key -> count (typed: "right"/"wrong")
    right: tuple[int, ...]  # user ids, fastest first
    fastest: Answer | None


@dataclass
class QuizRound:
    """One round in one channel. Call open_question, answer (many), close_question, repeat.

    A team round (`teams`) starts with a joining phase (see bot.core.teams); an anonymous round
    (`anonymous`) names nobody in its reveals and podium (the ui reads the flag).
    """

    questions: list[Question]
    seconds: int
    started_by: int
    round_id: int = 0
    scoring: Scoring = Scoring.SPEED
    teams: Teams | None = None
    anonymous: bool = False
    index: int = -1
    opened_at: datetime | None = None
    deadline: datetime | None = None
    closed: bool = True
    answers: dict[int, Answer] = field(default_factory=dict)
    players: dict[int, Player] = field(default_factory=dict)
    #: Answers being stored, not counted yet: user id -> (answer, display name).
    pending: dict[int, tuple[Answer, str]] = field(default_factory=dict)
    silent_questions: int = 0

    @property
    def question(self) -> Question:
        return self.questions[self.index]

    @property
    def number(self) -> int:
        """1-based number of the current question."""
        return self.index + 1

    @property
    def has_next(self) -> bool:
        return self.index + 1 < len(self.questions)

    def open_question(self, now: datetime) -> Question:
        """Move to the next question and start its clock."""
        if not self.has_next:
            raise QuizError("There are no more questions in this round.")
        self.index += 1
        self.answers = {}
        self.opened_at = now
        self.deadline = now + timedelta(seconds=self.seconds)
        self.closed = False
        return self.question

    def prepare(
        self,
        user_id: int,
        name: str,
        choice: str,
        correct: bool,
        now: datetime,
        *,
        label: str = "",
        verdict: str = "",
    ) -> Answer:
        """Check and score a member's answer (already judged by the caller) and hold it as pending.

        Nothing counts yet: the caller stores the answer, then calls confirm() (or release() when the
        write or the acknowledgement failed, so the member can try again). Raises QuestionClosed after
        the deadline, AlreadyAnswered on a second answer and AnswerPending while the first is saving.
        """
        if self.closed or self.deadline is None or now >= self.deadline:
            raise QuestionClosed()
        if (previous := self.answers.get(user_id)) is not None:
            raise AlreadyAnswered(previous.label or previous.choice)
        if user_id in self.pending:
            raise AnswerPending()
        player = self.players.get(user_id)
        elapsed = (now - self.opened_at).total_seconds()
        points = bonus = 0
        if correct and self.scoring is Scoring.ACCURACY:
            points = ACCURACY_POINTS
        elif correct:
            bonus = streak_bonus((player.streak if player else 0) + 1)
            points = speed_points(elapsed, self.seconds) + bonus
        answer = Answer(
            user_id,
            self.number,
            choice,
            label or choice,
            correct,
            points,
            int(elapsed * 1000),
            now,
            verdict,
            bonus,
        )
        self.pending[user_id] = (answer, name)
        return answer

    def confirm(self, user_id: int) -> Answer | None:
        """The pending answer was stored: count it. None when it was released or forgotten meanwhile.

        In a team round a member who answers without having joined a team is placed on the smallest.
        """
        held = self.pending.pop(user_id, None)
        if held is None:
            return None
        answer, name = held
        player = self.players.setdefault(user_id, Player(user_id, name))
        if self.teams is not None:
            self.teams.place(user_id)
        if answer.question_no == self.number:
            self.answers[user_id] = answer
        player.answered += 1
        player.points += answer.points
        if answer.correct:
            player.correct += 1
            player.streak += 1
            player.best_streak = max(player.best_streak, player.streak)
        else:
            player.streak = 0
        return answer

    def release(self, user_id: int) -> None:
        """Drop a pending answer that could not be stored or acknowledged: the member may try again."""
        self.pending.pop(user_id, None)

    def forget(self, user_id: int) -> None:
        """Drop everything the round holds about a member (answers, points, streak, a pending answer),
        so nothing about them is shown or stored from it afterwards."""
        self.answers.pop(user_id, None)
        self.players.pop(user_id, None)
        self.pending.pop(user_id, None)
        if self.teams is not None:
            self.teams.forget(user_id)

    def stop_answers(self) -> None:
        """Refuse new answers to the current question (its reveal follows once pending ones settle)."""
        self.closed = True

    @property
    def joined(self) -> set[int]:
        """Members who answered any question of this round so far."""
        return set(self.players)

    def everyone_answered(self) -> bool:
        """True when every member who played an earlier question has answered this one.

        Never true on the first question: nobody has joined yet, and the class needs the time.
        """
        if self.index == 0:
            return False  # asked at every answer: no walk over every player on the first question
        earlier = {uid for uid, p in self.players.items() if p.answered - (uid in self.answers) > 0}
        return bool(earlier) and earlier <= self.answers.keys()

    def close_question(self) -> Reveal:
        """Close the current question: streaks of members who skipped it end, and the reveal is built."""
        self.closed = True
        for uid, player in self.players.items():
            if uid not in self.answers:
                player.streak = 0
        self.silent_questions = 0 if self.answers else self.silent_questions + 1
        ordered = sorted(self.answers.values(), key=lambda a: a.elapsed_ms)
        q = self.question
        if q.options:
            split = {key: 0 for key in q.choice_keys} | Counter(a.choice for a in ordered)
        else:
            split = {"right": sum(a.correct for a in ordered), "wrong": sum(not a.correct for a in ordered)}
        right = tuple(a.user_id for a in ordered if a.correct)
        fastest = next((a for a in ordered if a.correct), None)
        return Reveal(q, self.number, tuple(ordered), split, right, fastest)

    @property
    def abandoned(self) -> bool:
        """Two questions in a row with no answer at all: nobody is playing."""
        return self.silent_questions >= SILENT_QUESTIONS_TO_END

    def standings(self) -> list[Player]:
        """Players by points; equal points share a place (see places()), listed by name."""
        return sorted(self.players.values(), key=lambda p: (-p.points, p.name.casefold(), p.user_id))

    def team_standings(self) -> list[TeamStanding]:
        """Teams by their players' average points (empty for a round without teams)."""
        if self.teams is None:
            return []
        return self.teams.standings({uid: p.points for uid, p in self.players.items()})

    def winners(self) -> set[int]:
        """The round's winner(s): the top score, if anyone scored."""
        table = self.standings()
        if not table or table[0].points <= 0:
            return set()
        return {p.user_id for p in table if p.points == table[0].points}


def places(players: list[Player]) -> list[int]:
    """The place of each player, in standings() order: equal points share a place, and the next
    place skips as many as shared it (1, 1, 3)."""
    return ranked_places([p.points for p in players])


def ranked_places(scores: list) -> list[int]:
    """Places for scores sorted best first (players' points, teams' averages): equal scores share
    a place (1, 1, 3)."""
    shown: list[int] = []
    for i, score in enumerate(scores):
        tied = i > 0 and scores[i - 1] == score
        shown.append(shown[-1] if tied else i + 1)
    return shown
