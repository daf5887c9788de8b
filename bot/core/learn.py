"""Learn: the guided path from never having seen a term to recalling it (as Quizlet/Knowt "Learn").

Each term moves through stages:
- `CHOICE`: its definition with four names to pick from (multiple choice);
- `RECALL`: its definition, type the name (judged like every typed answer);
- `RECALL_AGAIN`: typed once more, with at least one other question in between;
- `LEARNED`.
A round asks each of its terms once, in the format of its stage; a right answer moves the term one
stage on (its next format comes next round), a miss moves it one stage back and brings it again
later in the same round. A session works through the terms in rounds of about `ROUND_SIZE`:
terms already under way first, then new ones, until `goal` terms are learned or none are left.
When the last term left would be recalled twice in a row, another term is asked in between as a
plain review (multiple choice; it changes nothing), so "one other question in between" holds: a
term learned in this session, else one learned before (`spacers`, given by the caller), else any
other term of the session. Only when there is no other term at all do two recalls in a row count.

Pure: no Discord, no storage, no clock. The state serialises to plain data (`to_data` /
`from_data`), so storage can keep it and a session continues after a restart.
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from enum import IntEnum

ROUND_SIZE = 7


class Stage(IntEnum):
    CHOICE = 0
    RECALL = 1
    RECALL_AGAIN = 2
    LEARNED = 3


@dataclass(slots=True)
class TermProgress:
    stage: Stage = Stage.CHOICE
    misses: int = 0
    seen: bool = False
    #: Number of the question (in the session) at which it was last recalled correctly in typed form.
    recalled_at: int | None = None


@dataclass(frozen=True, slots=True)
class Step:
    """What to ask next: a term and the format for its stage. A `review` step is a learned term
    asked in between (multiple choice); its answer changes no stage."""

    term_id: str
    stage: Stage
    review: bool = False

    @property
    def typed(self) -> bool:
        return self.stage in (Stage.RECALL, Stage.RECALL_AGAIN)


@dataclass(frozen=True, slots=True)
class Outcome:
    term_id: str
    correct: bool
    before: Stage
    after: Stage

    @property
    def learned_now(self) -> bool:
        return self.after is Stage.LEARNED and self.before is not Stage.LEARNED


@dataclass(frozen=True, slots=True)
class Tally:
    learned: int
    in_progress: int
    not_started: int


@dataclass
class LearnSession:
    """One member's learn session over `term_ids` (the order they are introduced in).

    `spacers` are other terms (learned before, outside the session) that may be asked in between.
    """

    term_ids: list[str]
    goal: int
    progress: dict[str, TermProgress] = field(default_factory=dict)
    spacers: list[str] = field(default_factory=list)
    round_queue: list[str] = field(default_factory=list)
    spacer: str | None = None  # the queued review question, if any (a learned term)
    round_terms: list[str] = field(default_factory=list)
    round_number: int = 0
    asked: int = 0  # questions answered in this session
    learned_in_session: list[str] = field(default_factory=list)
    missed: list[str] = field(default_factory=list)  # terms missed at least once, in order

    def __post_init__(self) -> None:
        for term_id in self.term_ids:
            self.progress.setdefault(term_id, TermProgress())
        self.goal = max(0, min(self.goal, len(self.term_ids)))

    # ------------------------------------------------------------------ state

    @property
    def done(self) -> bool:
        """The goal is reached, or every term is learned."""
        return len(self.learned_in_session) >= self.goal or not self._unlearned()

    @property
    def round_over(self) -> bool:
        return not self.round_queue

    def tally(self) -> Tally:
        learned = sum(p.stage is Stage.LEARNED for p in self.progress.values())
        started = sum(p.seen and p.stage is not Stage.LEARNED for p in self.progress.values())
        return Tally(learned, started, len(self.progress) - learned - started)

    def _unlearned(self) -> list[str]:
        return [t for t in self.term_ids if self.progress[t].stage is not Stage.LEARNED]

    # ------------------------------------------------------------------ rounds

    def start_round(self, rng: random.Random, size: int = ROUND_SIZE) -> list[str]:
        """The next round's terms: those under way first, then new ones, each asked once in a
        shuffled order (misses come back within the round). Returns the round's terms ([] when done)."""
        self.spacer = None
        if self.done:
            self.round_queue, self.round_terms = [], []
            return []
        remaining_goal = self.goal - len(self.learned_in_session)
        under_way = [t for t in self._unlearned() if self.progress[t].seen]
        fresh = [t for t in self._unlearned() if not self.progress[t].seen]
        room = max(0, remaining_goal - len(under_way))  # never start more new terms than needed
        picked = (under_way + fresh[:room])[:size] or under_way[:size]
        rng.shuffle(picked)
        if len(picked) > 1 and self._too_soon(picked[0]):  # the last question of the previous round
            picked[0], picked[1] = picked[1], picked[0]
        self.round_terms = list(picked)
        self.round_queue = list(picked)
        self.round_number += 1
        if len(picked) == 1 and self._too_soon(picked[0]):
            candidates = self._spacer_candidates(picked[0])
            if candidates:
                self.spacer = rng.choice(candidates)
                self.round_queue.insert(0, self.spacer)
        return list(picked)

    def _spacer_candidates(self, term_id: str) -> list[str]:
        """Terms that may be asked in between `term_id`'s two recalls, best kind first."""
        learned = [t for t in self.term_ids if self.progress[t].stage is Stage.LEARNED and t != term_id]
        outside = [t for t in self.spacers if t != term_id and t not in self.progress]
        others = [t for t in self.term_ids if t != term_id]
        return learned or outside or others

    def _too_soon(self, term_id: str) -> bool:
        """Would a right answer now be a second recall straight after the first?"""
        entry = self.progress[term_id]
        return (
            entry.stage is Stage.RECALL_AGAIN
            and entry.recalled_at is not None
            and self.asked - entry.recalled_at < 1
        )

    def next_step(self) -> Step | None:
        """The question to ask now, or None when the round is over."""
        if not self.round_queue:
            return None
        term_id = self.round_queue[0]
        if term_id == self.spacer:
            return Step(term_id, Stage.CHOICE, review=True)
        return Step(term_id, self.progress[term_id].stage)

    def answer(self, term_id: str, correct: bool) -> Outcome:
        """Apply the member's answer to the current question (which must be about `term_id`)."""
        if not self.round_queue or self.round_queue[0] != term_id:
            raise ValueError(f"{term_id!r} is not the current question")
        self.round_queue.pop(0)
        self.asked += 1
        if term_id == self.spacer:  # a review in between: nothing moves
            self.spacer = None
            entry = self.progress.get(term_id)
            stage = Stage.LEARNED if entry is None else entry.stage  # spacers from outside are learned
            return Outcome(term_id, correct, stage, stage)
        entry = self.progress[term_id]
        before = entry.stage
        entry.seen = True
        if correct:
            after = self._advance(entry)
        else:
            entry.misses += 1
            after = Stage(max(before - 1, Stage.CHOICE))
            if term_id not in self.missed:
                self.missed.append(term_id)
            # It comes back in this round, two questions later where the round has them.
            self.round_queue.insert(min(2, len(self.round_queue)), term_id)
        entry.stage = after
        if after is Stage.LEARNED and before is not Stage.LEARNED:
            self.learned_in_session.append(term_id)
        return Outcome(term_id, correct, before, after)

    def _advance(self, entry: TermProgress) -> Stage:
        if entry.stage is Stage.CHOICE:
            return Stage.RECALL
        if entry.stage is Stage.RECALL:
            entry.recalled_at = self.asked
            return Stage.RECALL_AGAIN
        if entry.stage is Stage.RECALL_AGAIN:
            # `asked` already counts this answer: a gap of 2 means one other question in between.
            # With no other term to ask at all, the gap cannot be made: two recalls must do.
            in_between = (
                entry.recalled_at is None
                or self.asked - entry.recalled_at >= 2
                or not (self.spacers or len(self.term_ids) > 1)
            )
            entry.recalled_at = self.asked
            return Stage.LEARNED if in_between else Stage.RECALL_AGAIN
        return entry.stage

    # ------------------------------------------------------------------ data

    def to_data(self) -> dict:
        return {
            "terms": self.term_ids,
            "goal": self.goal,
            "progress": {
                t: [int(p.stage), p.misses, int(p.seen), p.recalled_at] for t, p in self.progress.items()
            },
            "queue": self.round_queue,
            "spacers": self.spacers,
            "spacer": self.spacer,
            "round_terms": self.round_terms,
            "round": self.round_number,
            "asked": self.asked,
            "learned": self.learned_in_session,
            "missed": self.missed,
        }

    @classmethod
    def from_data(cls, data: dict, known: Iterable[str] | None = None) -> LearnSession:
        """Rebuild a session; terms no longer in the deck (`known`) are dropped."""
        keep = set(known) if known is not None else None

        def kept(ids: Sequence[str]) -> list[str]:
            return [t for t in ids if keep is None or t in keep]

        progress = {
            t: TermProgress(Stage(v[0]), v[1], bool(v[2]), v[3])
            for t, v in data.get("progress", {}).items()
            if keep is None or t in keep
        }
        session = cls(kept(data["terms"]), data["goal"], progress, kept(data.get("spacers", [])))
        session.round_queue = kept(data.get("queue", []))
        spacer = data.get("spacer")
        session.spacer = spacer if spacer in session.round_queue else None
        session.round_terms = kept(data.get("round_terms", []))
        session.round_number = data.get("round", 0)
        session.asked = data.get("asked", 0)
        session.learned_in_session = kept(data.get("learned", []))
        session.missed = kept(data.get("missed", []))
        return session


def plan_terms(topic_terms: Sequence[str], stages: dict[str, Stage], goal: int | None) -> tuple[list[str], int]:
    """The terms a new session works through and its goal.

    Terms the member has not learned yet, those already under way first (continuing where they
    stopped), in the deck's order otherwise. `goal` defaults to all of them.
    """
    pending = [t for t in topic_terms if stages.get(t, Stage.CHOICE) is not Stage.LEARNED]
    pending.sort(key=lambda t: stages.get(t, Stage.CHOICE) is Stage.CHOICE)  # stable: under way first
    wanted = len(pending) if goal is None else max(1, min(goal, len(pending)))
    return pending, wanted
