"""A SYNTHETIC review log: seeded simulated learners studying the deck with this bot.

Kept only as an extra row of the scheduling benchmark, beside the real log. Every learner has an
ability, every card a true difficulty, and memory follows an exponential forgetting curve
R = exp(-t / S) whose stability S grows after a success (more when recall was hard) and shrinks
after a lapse; none of that is FSRS's own formula. Learners study with this bot (FSRS-6 picks the
due dates) but review late by a learner-specific amount, sometimes early; they rate 1-5 as the
bot asks, and the bot's mapping turns that into FSRS ratings.
"""

from __future__ import annotations

import math
import random
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

from fsrs import State

from bot.core import srs
from bot.core.fsrs_fit import Review

START = datetime(2026, 1, 5, 8, 0, tzinfo=UTC)
DECK_SIZE = 174  # the shipped deck: 154 terms + 15 indicators + 5 lists
# The true memory, in days of exponential-forgetting stability (recall = 1/e after S days):
# after first sight (known / not known), growth after a success, share kept after a lapse.
# Chosen so learners recall about 85% of the long-term reviews, as real students roughly do.
INIT_OK, INIT_FAIL, GROW, LAPSE = 50.0, 15.0, 12.0, 0.5
History = list[tuple[datetime, int]]  # (reviewed_at, raw 1-5 rating), oldest first


def _grade(recalled: bool, recall: float, rng: random.Random) -> int:
    """A learner's 1-5 answer: 1-2 when they forgot, 3-5 by how easily it came back."""
    if not recalled:
        return 1 if rng.random() < 0.6 else 2
    felt = recall + rng.gauss(0, 0.08)
    return 5 if felt > 0.95 else 4 if felt > 0.72 else 3


def simulate(learners: int, cards_each: int, days: int, seed: int = 7) -> Iterator[History]:
    """Yield one review history per (learner, card): a seeded synthetic log (see module doc)."""
    rng = random.Random(seed)
    difficulty = [rng.gauss(0, 1) for _ in range(DECK_SIZE)]
    end = START + timedelta(days=days)
    for learner in range(learners):
        ability = rng.gauss(0, 0.6)
        mean_lateness = rng.choice((0.2, 1.0, 3.0, 7.0))  # days; punctual to very irregular
        for card in rng.sample(range(DECK_SIZE), cards_each):
            ease = math.exp(ability - difficulty[card])
            at = START + timedelta(days=rng.uniform(0, days / 2), minutes=rng.randrange(24 * 60))
            state, true_s, last, history = None, None, at, []
            while at < end:
                at = at.replace(microsecond=0)  # as the bot logs them
                if true_s is None:  # first sight: some terms a student half-knows already
                    recall = min(0.8, 0.15 * ease)
                else:
                    recall = math.exp(-(at - last).total_seconds() / 86_400 / true_s)
                recalled = rng.random() < recall
                raw = _grade(recalled, recall, rng)
                if true_s is None:
                    true_s = (INIT_OK if recalled else INIT_FAIL) * ease**0.7
                elif recalled:
                    true_s *= 1 + GROW * math.sqrt(ease) * (1 - recall) ** 0.6 + 0.2
                else:
                    true_s = max(0.5, LAPSE * true_s)
                history.append((at, raw))
                state = srs.apply_rating(
                    str(card),
                    state,
                    srs.map_rating(raw),
                    at,
                    srs.review_rng(learner, str(card), at),
                    scheduler=srs.DEFAULT_SCHEDULER,
                ).state
                last = at
                if state.state != State.Review:  # learning steps: a few minutes after they are due
                    at = state.due + timedelta(minutes=rng.expovariate(1 / 5))
                elif rng.random() < 0.1:  # cramming before a test: early
                    at = last + (state.due - last) * rng.uniform(0.3, 0.9)
                else:
                    at = state.due + timedelta(days=rng.expovariate(1 / mean_lateness))
            yield history


def synthetic_reviews(learners: int, cards_each: int, days: int, seed: int = 7) -> list[Review]:
    """The simulated log as reviews, rated as the bot maps 1-5 to FSRS (1-2 Again, 3 Hard...)."""
    return [
        Review(index, at, int(srs.map_rating(raw)))
        for index, history in enumerate(simulate(learners, cards_each, days, seed))
        for at, raw in history
    ]
