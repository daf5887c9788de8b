"""Learn storage: each member's stage per term, their session, and answers waiting for /review.

- `learn_terms`: the stage of every term a member met in /learn, whatever session or topic, so
  a later session knows what is learned.
- `learn_sessions`: the member's session (one per member: the one under way or the last one
  finished), as the JSON the cog keeps (`LearnSession.to_data()` plus what its screen shows), with
  `seq`, which grows by one at every answer and every new round. Writes are compare-and-set on
  `seq`, so an answer is applied once even if two processes saw the same screen.
- `learn_answers`: answers to terms the member does not study in /review yet. /learn does not fill
  anyone's /review on its own (as a class quiz does not); "Add to /review" replays these answers
  into the new card, so the card ends as if each answer had gone in live. Terms the member
  already studies get each answer at once, like a /test answer (right = Good, wrong = Again).

Answers go into the review log with source `LEARN_SOURCE` ('test'): the log's CHECK constraint
allows review/test/quiz/daily, and adding 'learn' means rebuilding that table (see the report of
issue 14). Times are aware datetimes, stored as epoch ms (card states in seconds, as study.py does).
"""

from __future__ import annotations

import json
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import datetime

import fsrs

from bot.core import srs
from bot.core.learn import Stage
from bot.core.srs import ReviewOutcome
from bot.storage.database import Database
from bot.storage.study import (
    _CARD_COLUMNS,
    _INSERT_REVIEW,
    _UPSERT_CARD,
    StudyRepo,
    _card,
    _from_ms,
    _ms,
    _review_rows,
    class_locks,
    member_lock,
)

#: The review-log source of a /learn answer (see the module docstring).
LEARN_SOURCE = "test"
SCREENS = ("question", "round", "done")


class SessionMoved(Exception):
    """The session changed since it was read (another answer was stored first): nothing was written."""


@dataclass(frozen=True, slots=True)
class TermRecord:
    """A member's place with one term in /learn."""

    stage: Stage
    misses: int

    @property
    def seen(self) -> bool:
        """Asked at least once: moved past multiple choice or missed there."""
        return self.stage is not Stage.CHOICE or self.misses > 0


@dataclass(frozen=True, slots=True)
class StoredSession:
    """A member's learn session as stored: `state` is the cog's JSON, `seq` its version."""

    user_id: int
    sid: int
    guild_id: int | None
    topic: str | None
    seq: int
    screen: str
    state: dict
    started_at: datetime


@dataclass(frozen=True, slots=True)
class LearnAnswer:
    """One answer to store: who, which term, right or not, and the term's stage after it.

    `stage`/`misses` are None for a question asked in between (a review that changes no stage).
    """

    user_id: int
    term_id: str
    correct: bool
    guild_id: int | None
    stage: Stage | None = None
    misses: int | None = None


@dataclass(frozen=True, slots=True)
class Added:
    """What "Add to /review" did: terms now in /review, and those that were there already."""

    added: list[str]
    already: list[str]


async def _card_state(tx, user_id: int, card_id: str):
    # One rating at a time per member, also across processes sharing a PostgreSQL database.
    await tx.lock(member_lock(user_id))
    row = await tx.fetchone(
        f"SELECT {_CARD_COLUMNS} FROM study_cards WHERE user_id = ? AND card_id = ?", (user_id, card_id)
    )
    return _card(row) if row else None


async def _apply(
    tx,
    user_id: int,
    card_id: str,
    state,
    correct: bool,
    guild_id: int | None,
    at: datetime,
    scheduler: fsrs.Scheduler,
):
    """Apply one answer to a card (state None = new) with the server's scheduler, and write the
    card and its log row."""
    rating = srs.rating_for_answer(correct)
    rng = srs.review_rng(user_id, card_id, at)
    outcome = srs.apply_rating(card_id, state, rating, at, rng, scheduler=scheduler)
    card_row, log_row = _review_rows(user_id, card_id, outcome, at, guild_id, None, LEARN_SOURCE, None)
    # Queued (nothing reads their row counts): on SQLite they run with the next statement or COMMIT.
    await tx.executemany(_UPSERT_CARD, [card_row])
    await tx.executemany(_INSERT_REVIEW, [log_row])
    return outcome


class LearnRepo:
    """The learn tables of one `Database`. Every method is a coroutine."""

    def __init__(self, db: Database) -> None:
        self.db = db

    # -- stages --------------------------------------------------------------------------

    async def stages(self, user_id: int, term_ids: Iterable[str] | None = None) -> dict[str, TermRecord]:
        """The member's stage per term met in /learn (only `term_ids` when given)."""
        rows = await self.db.fetchall(
            "SELECT term_id, stage, misses FROM learn_terms WHERE user_id = ?", (user_id,)
        )
        wanted = None if term_ids is None else set(term_ids)
        return {t: TermRecord(Stage(s), m) for t, s, m in rows if wanted is None or t in wanted}

    async def learned(self, user_id: int) -> set[str]:
        """The terms the member has learned in /learn (for /progress: learned terms per topic)."""
        rows = await self.db.fetchall(
            "SELECT term_id FROM learn_terms WHERE user_id = ? AND stage = ?", (user_id, int(Stage.LEARNED))
        )
        return {row[0] for row in rows}

    # -- the session ---------------------------------------------------------------------

    async def session(self, user_id: int) -> StoredSession | None:
        """The member's session (under way or the last one finished), or None."""
        row = await self.db.fetchone(
            "SELECT user_id, sid, guild_id, topic, seq, screen, state, started_at FROM learn_sessions"
            " WHERE user_id = ?",
            (user_id,),
        )
        if row is None:
            return None
        return StoredSession(*row[:6], json.loads(row[6]), _from_ms(row[7]))

    async def start(
        self,
        user_id: int,
        sid: int,
        guild_id: int | None,
        topic: str | None,
        screen: str,
        state: dict,
        now: datetime,
    ) -> StoredSession:
        """Store a new session (seq 0) in place of the member's previous one; returns it."""
        _check_screen(screen)
        at = _ms(now)
        async with self.db.transaction() as tx:
            await tx.execute(
                "INSERT INTO learn_sessions (user_id, sid, guild_id, topic, seq, screen, state, started_at,"
                " updated_at) VALUES (?, ?, ?, ?, 0, ?, ?, ?, ?) ON CONFLICT (user_id) DO UPDATE SET"
                " sid = excluded.sid, guild_id = excluded.guild_id, topic = excluded.topic, seq = 0,"
                " screen = excluded.screen, state = excluded.state, started_at = excluded.started_at,"
                " updated_at = excluded.updated_at",
                (user_id, sid, guild_id, topic, screen, json.dumps(state), at, at),
            )
        return StoredSession(user_id, sid, guild_id, topic, 0, screen, state, _from_ms(at))

    async def advance(self, stored: StoredSession, screen: str, state: dict, now: datetime) -> StoredSession:
        """Store the session's next screen (e.g. a new round) over `stored`; returns the new version.

        Raises `SessionMoved`, writing nothing, when the stored session is no longer `stored`.
        """
        _check_screen(screen)
        async with self.db.transaction() as tx:
            return await self._advance(tx, stored, screen, state, now)

    async def _advance(self, tx, stored: StoredSession, screen: str, state: dict, now: datetime) -> StoredSession:
        rows = await tx.fetchall(
            "UPDATE learn_sessions SET seq = seq + 1, screen = ?, state = ?, updated_at = ?"
            " WHERE user_id = ? AND sid = ? AND seq = ? RETURNING seq",
            (screen, json.dumps(state), _ms(now), stored.user_id, stored.sid, stored.seq),
        )
        if not rows:
            raise SessionMoved(f"learn session {stored.sid} of {stored.user_id} is past seq {stored.seq}")
        return StoredSession(
            stored.user_id, stored.sid, stored.guild_id, stored.topic, rows[0][0], screen, state, stored.started_at
        )

    async def answer(
        self,
        stored: StoredSession,
        answer: LearnAnswer,
        screen: str,
        state: dict,
        now: datetime,
        *,
        scheduler: fsrs.Scheduler,
    ) -> tuple[StoredSession, ReviewOutcome | None]:
        """Store one answer and the session's next screen in ONE transaction.

        `scheduler` is the server's (its FSRS parameters and retention), for a card answered at once.

        The term's stage is kept (unless it was a question in between), and the answer goes into
        the member's card when they study the term in /review already (returning the outcome),
        else into `learn_answers` for "Add to /review" (returning None). Raises `SessionMoved`,
        writing nothing, when the stored session is no longer `stored`.
        """
        _check_screen(screen)
        at = _from_ms(_ms(now))  # what the log keeps, so a replay sees the same time
        user_id, term_id = answer.user_id, answer.term_id
        async with self.db.transaction() as tx:
            # The member's lock, then the class's, before any row the class report's triggers keep
            # (the session's and the stage's rows count in it): the order every rating path takes.
            await tx.lock(member_lock(user_id), *class_locks((stored.guild_id, answer.guild_id)))
            moved = await self._advance(tx, stored, screen, state, at)
            if answer.stage is not None:
                await tx.execute(
                    "INSERT INTO learn_terms (user_id, term_id, stage, misses, updated_at) VALUES (?, ?, ?, ?, ?)"
                    " ON CONFLICT (user_id, term_id) DO UPDATE SET stage = excluded.stage,"
                    " misses = excluded.misses, updated_at = excluded.updated_at",
                    (user_id, term_id, int(answer.stage), answer.misses or 0, _ms(at)),
                )
            state_now = await _card_state(tx, user_id, term_id)
            if state_now is None:
                await tx.execute(
                    "INSERT INTO learn_answers (user_id, term_id, guild_id, correct, answered_at) VALUES (?, ?, ?, ?, ?)",
                    (user_id, term_id, answer.guild_id, int(answer.correct), _ms(at)),
                )
                return moved, None
            # Studied in /review (maybe since earlier answers waited here): those are superseded.
            await tx.execute("DELETE FROM learn_answers WHERE user_id = ? AND term_id = ?", (user_id, term_id))
            outcome = await _apply(tx, user_id, term_id, state_now, answer.correct, answer.guild_id, at, scheduler)
        return moved, outcome

    # -- into /review --------------------------------------------------------------------

    async def add_to_review(
        self, user_id: int, term_ids: Collection[str], now: datetime, *, scheduler: fsrs.Scheduler
    ) -> Added:
        """Put `term_ids` into the member's /review.

        The answers are replayed with `scheduler`: the one of the server where "Add to /review" was
        pressed (a server's parameters and retention are those in force now, not when each answer was given).

        A term with answers waiting gets a card built from them in ONE transaction, in the order
        given, each at its own time (right = Good, wrong = Again, logged as they would have been
        live). A term without any (which /learn itself never leaves) gets a new card due `now`
        through the study storage's "add card". Terms the member already studies are left as they are.
        """
        at = _from_ms(_ms(now))
        added, already, bare = [], [], []
        async with self.db.transaction() as tx:
            await tx.lock(member_lock(user_id))
            guilds = await tx.fetchall("SELECT DISTINCT guild_id FROM learn_answers WHERE user_id = ?", (user_id,))
            await tx.lock(*class_locks(g for (g,) in guilds))
            for term_id in dict.fromkeys(term_ids):
                if await _card_state(tx, user_id, term_id) is not None:
                    already.append(term_id)
                    continue
                answers = await tx.fetchall(
                    "SELECT correct, guild_id, answered_at FROM learn_answers WHERE user_id = ? AND term_id = ?"
                    " ORDER BY answered_at, id",
                    (user_id, term_id),
                )
                state = None
                for correct, guild_id, answered_at in answers:
                    at_answer = _from_ms(answered_at)
                    outcome = await _apply(
                        tx, user_id, term_id, state, bool(correct), guild_id, at_answer, scheduler
                    )
                    state = outcome.state
                if state is None:
                    bare.append(term_id)
                added.append(term_id)
            if added:
                await tx.execute(
                    f"DELETE FROM learn_answers WHERE user_id = ? AND term_id IN ({', '.join('?' * len(added))})",
                    (user_id, *added),
                )
        study = StudyRepo(self.db)
        for term_id in bare:  # rare (no answer kept): a plain new card, as "Add to my review" makes
            await study.add_card(user_id, term_id, at, via="learn")
        return Added(added, already)

    async def waiting(self, user_id: int) -> dict[str, int]:
        """How many answers wait per term for "Add to /review"."""
        rows = await self.db.fetchall(
            "SELECT term_id, COUNT(*) FROM learn_answers WHERE user_id = ? GROUP BY term_id", (user_id,)
        )
        return dict(rows)


def _check_screen(screen: str) -> None:
    if screen not in SCREENS:
        raise ValueError(f"unknown learn screen {screen!r}")
