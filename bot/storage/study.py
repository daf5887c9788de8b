"""Personal study storage: card states, the review log, practice tests, matching games, progress.

Times go in as aware datetimes and are stored as UTC epoch seconds (card states) or
milliseconds (log rows, tests, games). "Today" is the UTC day, as in `bot.core.srs`.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import fsrs
from fsrs import Rating, State

from bot.core import progress as prog
from bot.core import srs
from bot.core.srs import CardState, ReviewOutcome
from bot.storage.database import Database

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MS = timedelta(milliseconds=1)
_CARD_COLUMNS = "card_id, state, step, stability, difficulty, due, last_review, lapses"
_UPSERT_CARD = (
    "INSERT INTO study_cards (user_id, card_id, state, step, stability, difficulty, due, last_review,"
    " introduced_at, introduced_via, lapses) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
    " ON CONFLICT (user_id, card_id) DO UPDATE SET state = excluded.state, step = excluded.step,"
    " stability = excluded.stability, difficulty = excluded.difficulty, due = excluded.due,"
    " last_review = excluded.last_review, lapses = excluded.lapses"
)
_INSERT_REVIEW = (
    "INSERT INTO study_reviews (user_id, card_id, guild_id, raw_rating, rating, source, reviewed_at,"
    " elapsed_s, duration_ms, given) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)


def member_lock(user_id: int) -> str:
    """The `tx.lock` key of one member's study, taken before a card is read for a rating. Their
    ratings are then applied one at a time (never two on the same old state), and their review
    log grows in commit order, also across processes: a log id seen as the latest has no older
    id committing after it (`review_head`, `reviewed_since`). One key per member, not per card:
    a transaction that rates several of one member's cards (Learn's "Add to /review") can
    never wait in a cycle with another."""
    return f"study:{user_id}"


def class_locks(guild_ids: Iterable[int | None]) -> list[str]:
    """The `tx.lock` keys of these servers' class figures, in one order (DMs, None, have none).
    Answers and reviews update the class report's rows through triggers (per member, per day,
    per term), several rows per transaction in the order the answers came; two such
    transactions of one server in different orders could wait in a cycle on PostgreSQL, so each
    takes these first (after any member locks: member locks are always taken before class
    locks, in user id order)."""
    return [f"class:{g}" for g in sorted({g for g in guild_ids if g is not None})]


def _review_rows(
    user_id: int,
    card_id: str,
    outcome: ReviewOutcome,
    at: datetime,
    guild_id: int | None,
    raw_rating: int | None,
    source: str,
    duration_ms: int | None,
    given: str | None = None,
) -> tuple[tuple, tuple]:
    """The study_cards upsert and the study_reviews insert parameters of one rating applied at `at`
    (the log keeps `at` to the millisecond; the card state keeps whole seconds)."""
    new, reviewed = outcome.state, _secs(outcome.reviewed_at)
    card_row = (user_id, card_id, int(new.state), new.step, new.stability, new.difficulty, _secs(new.due))
    elapsed = None if outcome.elapsed is None else int(outcome.elapsed.total_seconds())
    log_row = (
        user_id, card_id, guild_id, raw_rating, int(outcome.rating), source, _ms(at),
        elapsed, duration_ms, given,
    )  # fmt: skip
    return (*card_row, reviewed, reviewed, source, new.lapses), log_row


def _ms(at: datetime) -> int:
    if at.tzinfo is None:
        raise ValueError("times must be timezone-aware")
    return (at - _EPOCH) // _MS  # exact integer arithmetic, no float rounding


def _secs(at: datetime) -> int:
    return _ms(at) // 1000


def _from_secs(value: int | None) -> datetime | None:
    return None if value is None else _EPOCH + timedelta(seconds=value)


def _from_ms(value: int) -> datetime:
    return _EPOCH + timedelta(milliseconds=value)


def _card(row) -> CardState:
    card_id, state, step, stability, difficulty, due, last_review, lapses = row
    return CardState(
        card_id, State(state), step, stability, difficulty, _from_secs(due), _from_secs(last_review), lapses
    )


@dataclass(frozen=True, slots=True)
class MatchTime:
    """One finished matching game. `elapsed_ms` already includes the penalties."""

    user_id: int
    guild_id: int | None
    elapsed_ms: int
    penalties: int
    finished_at: datetime


class StudyRepo:
    """The study tables of one `Database`. Every method is a coroutine."""

    def __init__(self, db: Database) -> None:
        self.db = db

    # -- cards and reviews ---------------------------------------------------------------

    async def get_cards(self, user_id: int, card_ids: Iterable[str] | None = None) -> dict[str, CardState]:
        """The member's card states by card id; only `card_ids` when given (unknown ids are absent).

        A member has at most a few hundred cards, so this reads them all and filters in Python.
        """
        rows = await self.db.fetchall(f"SELECT {_CARD_COLUMNS} FROM study_cards WHERE user_id = ?", (user_id,))
        wanted = None if card_ids is None else set(card_ids)
        return {row[0]: _card(row) for row in rows if wanted is None or row[0] in wanted}

    async def count_new_today(self, user_id: int, now: datetime) -> int:
        """Cards this member started through flashcard review ('review' source) on `now`'s UTC day.

        Cards first met in a quiz or test do not use up the daily new-card allowance.
        """
        start = _secs(srs.utc_day_start(now))
        row = await self.db.fetchone(
            "SELECT COUNT(*) FROM study_cards WHERE user_id = ? AND introduced_via = 'review' AND introduced_at >= ?",
            (user_id, start),
        )
        return row[0]

    async def record_review(
        self,
        user_id: int,
        card_id: str,
        raw_rating: int | None,
        source: str,
        guild_id: int | None,
        now: datetime,
        *,
        scheduler: fsrs.Scheduler,
        rating: Rating | None = None,
        duration_ms: int | None = None,
        given: str | None = None,
    ) -> ReviewOutcome:
        """Rate a card: read its state, apply FSRS, upsert the card and log the review, in ONE transaction.

        Give `raw_rating` (1-5, mapped by `srs.map_rating`) for a flashcard review, or leave it
        None and give `rating` (e.g. `srs.rating_for_answer(correct)`) for a quiz or test
        answer. `scheduler` is the server's (`srs.scheduler(parameters, retention)`; the
        defaults in DMs). `given`: what a /test answer gave (the option's text or what was
        typed), which marks the log row as a practice-test answer for class reports.
        Returns the outcome; `outcome.state` is the stored state.
        Raises `BadInput` for a raw rating outside 1-5 and ValueError for an unknown source.
        """
        if source not in srs.SOURCES:
            raise ValueError(f"unknown review source {source!r}")
        if raw_rating is not None:
            mapped = srs.map_rating(raw_rating)
            if rating is not None and Rating(rating) != mapped:
                raise ValueError("rating disagrees with raw_rating")
        elif rating is None:
            raise ValueError("give raw_rating or rating")
        else:
            mapped = Rating(rating)
        at = _from_ms(_ms(now))  # what the log keeps, so a replay sees the same time
        rng = srs.review_rng(user_id, card_id, at)
        async with self.db.transaction() as tx:
            # One rating at a time per member, also across processes sharing a PostgreSQL database.
            await tx.lock(member_lock(user_id), *class_locks((guild_id,)))
            row = await tx.fetchone(
                f"SELECT {_CARD_COLUMNS} FROM study_cards WHERE user_id = ? AND card_id = ?", (user_id, card_id)
            )
            outcome = srs.apply_rating(card_id, _card(row) if row else None, mapped, at, rng, scheduler=scheduler)
            card_row, log_row = _review_rows(
                user_id, card_id, outcome, at, guild_id, raw_rating, source, duration_ms, given
            )
            # Queued, not awaited one by one: nothing reads their row counts, and on SQLite they then
            # run with COMMIT in one trip to the worker thread instead of three.
            await tx.executemany(_UPSERT_CARD, [card_row])
            await tx.executemany(_INSERT_REVIEW, [log_row])
        return outcome

    async def record_answer(
        self,
        user_id: int,
        card_id: str,
        correct: bool,
        source: str,
        guild_id: int | None,
        now: datetime,
        *,
        scheduler: fsrs.Scheduler,
        given: str | None = None,
    ) -> ReviewOutcome:
        """A quiz/test answer as a review: right -> Good, wrong -> Again (raw rating stored as NULL)."""
        rating = srs.rating_for_answer(correct)
        return await self.record_review(
            user_id, card_id, None, source, guild_id, now, scheduler=scheduler, rating=rating, given=given
        )

    async def record_quiz_question(
        self,
        card_id: str,
        answers: Sequence[tuple[int, bool]],
        guild_id: int | None,
        now: datetime,
        *,
        scheduler: fsrs.Scheduler,
    ) -> list[int]:
        """A channel quiz question's answers as reviews (right -> Good, wrong -> Again), in ONE
        transaction, for the members who already study `card_id`: a class quiz must not fill
        someone's review queue with new cards (those come at the daily rate). Returns who was updated.
        """
        if not answers:
            return []
        correct_of = dict(answers)
        at = _from_ms(_ms(now))
        members = list(correct_of)
        async with self.db.transaction() as tx:
            # In one order everywhere (members by id, then the class), so two batches never deadlock.
            await tx.lock(*(member_lock(user_id) for user_id in sorted(members)), *class_locks((guild_id,)))
            rows = await tx.fetchall(
                f"SELECT user_id, {_CARD_COLUMNS} FROM study_cards"
                f" WHERE card_id = ? AND user_id IN ({', '.join('?' * len(members))})",
                (card_id, *members),
            )
            written = []
            for user_id, *card in rows:
                rating = srs.rating_for_answer(correct_of[user_id])
                rng = srs.review_rng(user_id, card_id, at)
                outcome = srs.apply_rating(card_id, _card(card), rating, at, rng, scheduler=scheduler)
                written.append(_review_rows(user_id, card_id, outcome, at, guild_id, None, "quiz", None))
            await tx.executemany(_UPSERT_CARD, [card_row for card_row, _ in written])
            await tx.executemany(_INSERT_REVIEW, [log_row for _, log_row in written])
        return [card_row[0] for card_row, _ in written]

    async def card_history(self, user_id: int, card_id: str) -> list[tuple[Rating, datetime]]:
        """The (rating, reviewed_at) log of one card, oldest first."""
        rows = await self.db.fetchall(
            "SELECT rating, reviewed_at FROM study_reviews WHERE user_id = ? AND card_id = ? ORDER BY reviewed_at, id",
            (user_id, card_id),
        )
        return [(Rating(rating), _from_ms(at)) for rating, at in rows]

    async def replay_card(
        self, user_id: int, card_id: str, *, scheduler: fsrs.Scheduler = srs.DEFAULT_SCHEDULER
    ) -> CardState | None:
        """The card's state rebuilt from its review log alone (None if never reviewed), for ratings
        all made with `scheduler`."""
        history = await self.card_history(user_id, card_id)
        return srs.replay(user_id, card_id, history, scheduler=scheduler)

    # -- review sessions: what changed since a card was shown -----------------------------

    async def review_head(self, user_id: int) -> int:
        """The id of the member's latest review-log row (any source), 0 before their first review.

        Log ids only grow, so a button made when the head was `h` can later ask whether a card
        was reviewed since (`reviewed_since`) without comparing clock times.
        """
        row = await self.db.fetchone(
            "SELECT COALESCE(MAX(id), 0) FROM study_reviews WHERE user_id = ?", (user_id,)
        )
        return row[0]

    async def reviewed_since(self, user_id: int, card_id: str, after_id: int) -> bool:
        """True when the member's log has a review of `card_id` newer than row `after_id` (any source)."""
        row = await self.db.fetchone(
            "SELECT EXISTS (SELECT 1 FROM study_reviews WHERE user_id = ? AND card_id = ? AND id > ?)",
            (user_id, card_id, after_id),
        )
        return bool(row[0])

    async def test_missed(self, user_id: int, test_id: int) -> list[str] | None:
        """The card ids the member missed in one of their practice tests, in test order.

        None when there is no such test, or it belongs to someone else.
        """
        row = await self.db.fetchone(
            "SELECT missed FROM study_tests WHERE id = ? AND user_id = ?", (test_id, user_id)
        )
        return None if row is None else list(json.loads(row[0]))

    # -- practice tests and matching games -----------------------------------------------

    async def record_test_result(
        self,
        user_id: int,
        guild_id: int | None,
        *,
        questions: int,
        correct: int,
        started_at: datetime,
        finished_at: datetime,
        mode: str,
        topic: str | None = None,
        missed: Sequence[str] = (),
    ) -> int:
        """Store one finished practice test; returns its id. `missed` are the card ids answered wrong."""
        if not 0 <= correct <= questions:
            raise ValueError("need 0 <= correct <= questions")
        async with self.db.transaction() as tx:
            return await tx.insert(
                "INSERT INTO study_tests (user_id, guild_id, topic, mode, questions, correct, started_at,"
                " finished_at, missed) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (user_id, guild_id, topic, mode, questions, correct, _ms(started_at), _ms(finished_at),
                 json.dumps(list(missed))),
            )  # fmt: skip

    async def record_match_time(
        self, user_id: int, guild_id: int | None, elapsed_ms: int, penalties: int, finished_at: datetime
    ) -> int:
        """Store one finished matching game (`elapsed_ms` including penalty time); returns its id."""
        if elapsed_ms < 0 or penalties < 0:
            raise ValueError("elapsed_ms and penalties must not be negative")
        async with self.db.transaction() as tx:
            return await tx.insert(
                "INSERT INTO study_matches (user_id, guild_id, elapsed_ms, penalties, finished_at)"
                " VALUES (?, ?, ?, ?, ?)",
                (user_id, guild_id, elapsed_ms, penalties, _ms(finished_at)),
            )

    async def personal_best_match(self, user_id: int) -> MatchTime | None:
        """The member's fastest game anywhere (earliest wins a tie), or None."""
        row = await self.db.fetchone(
            "SELECT user_id, guild_id, elapsed_ms, penalties, finished_at FROM study_matches"
            " WHERE user_id = ? ORDER BY elapsed_ms, finished_at LIMIT 1",
            (user_id,),
        )
        return None if row is None else MatchTime(*row[:4], _from_ms(row[4]))

    async def fastest_matches(self, guild_id: int, limit: int = 10) -> list[MatchTime]:
        """The server's leaderboard: each member's best game there, fastest first (ties: earliest)."""
        rows = await self.db.fetchall(
            "SELECT user_id, guild_id, elapsed_ms, penalties, finished_at FROM ("
            "  SELECT *, ROW_NUMBER() OVER (PARTITION BY user_id ORDER BY elapsed_ms, finished_at, id) AS n"
            "  FROM study_matches WHERE guild_id = ?"
            ") AS best WHERE n = 1 ORDER BY elapsed_ms, finished_at LIMIT ?",
            (guild_id, limit),
        )
        return [MatchTime(*row[:4], _from_ms(row[4])) for row in rows]

    # -- progress ------------------------------------------------------------------------

    async def progress(
        self,
        user_id: int,
        now: datetime,
        *,
        card_ids: Collection[str] | None = None,
        quiz_answered: int = 0,
        quiz_correct: int = 0,
    ) -> prog.Progress:
        """The member's figures at `now`. Quiz answers live in the quiz tables: pass their totals in.

        The card figures (seen, mastered, due) count only `card_ids` when given: the cards of the
        decks a server uses, so they agree with its topics. Mastered: stability >= 21 days. Due
        now: due <= now. Due in the next 24 h: now < due <= now + 24 h. Reviews today and the
        streak count every source and every card, by UTC day.
        """
        now_s = _secs(now)
        only = () if card_ids is None else tuple(card_ids)
        cards = await self.db.fetchone(
            "SELECT COUNT(*), " + ", ".join(f"COALESCE(SUM(CASE WHEN {c} THEN 1 ELSE 0 END), 0)" for c in
            ("stability >= ?", "due <= ?", "due > ? AND due <= ?"))
            + " FROM study_cards WHERE user_id = ?"
            + ("" if card_ids is None else f" AND card_id IN ({', '.join('?' * len(only))})" if only else " AND 1 = 0"),
            (float(srs.MASTERED_STABILITY_DAYS), now_s, now_s, now_s + 86_400, user_id, *only),
        )  # fmt: skip
        today = prog.utc_day_number(now)
        reviews_today = await self.db.fetchone(
            "SELECT COUNT(*) FROM study_reviews WHERE user_id = ? AND reviewed_at >= ?",
            (user_id, today * prog.DAY_MS),
        )
        days = await self.db.fetchall(
            "SELECT DISTINCT reviewed_at / ? FROM study_reviews WHERE user_id = ?", (prog.DAY_MS, user_id)
        )
        tests = await self.db.fetchone(
            "SELECT COALESCE(SUM(questions), 0), COALESCE(SUM(correct), 0) FROM study_tests WHERE user_id = ?",
            (user_id,),
        )
        return prog.Progress(
            cards_seen=cards[0],
            mastered=int(cards[1]),
            due_now=int(cards[2]),
            due_next_24h=int(cards[3]),
            reviews_today=reviews_today[0],
            day_streak=prog.day_streak((d for (d,) in days), today),
            test_questions=int(tests[0]),
            test_correct=int(tests[1]),
            quiz_answered=quiz_answered,
            quiz_correct=quiz_correct,
        )

    async def topic_mastery(self, user_id: int, topic_of: Mapping[str, str]) -> dict[str, prog.TopicMastery]:
        """Mastery per topic for the member, given card id -> topic (e.g. from the deck)."""
        return prog.topic_mastery(await self.get_cards(user_id), topic_of)

    # -- cards added by hand -------------------------------------------------------------

    async def add_card(self, user_id: int, card_id: str, now: datetime, *, via: str = "daily") -> bool:
        """Put a card into the member's reviews as a new card due at `now` ("Add to my review").

        The card starts as fsrs would start it (Learning, step 0, no stability or review yet), so
        its first rating schedules it like any new card. Nothing is logged: no review happened.
        Returns False, changing nothing, if the member already has the card. Cards added this way
        do not use up the daily new-card allowance (`count_new_today` counts 'review' only).
        """
        at = _secs(now)
        async with self.db.transaction() as tx:
            rows = await tx.fetchall(
                "INSERT INTO study_cards (user_id, card_id, state, step, stability, difficulty, due, last_review,"
                " introduced_at, introduced_via) VALUES (?, ?, ?, 0, NULL, NULL, ?, NULL, ?, ?)"
                " ON CONFLICT (user_id, card_id) DO NOTHING RETURNING card_id",
                (user_id, card_id, int(State.Learning), at, at, via),
            )
        return bool(rows)
