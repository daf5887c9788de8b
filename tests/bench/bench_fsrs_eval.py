"""Offline evaluation: how well do FSRS-6 and SM-2 predict recall on a replayed review log?

The data: py-fsrs's sample review log is not available offline, so the log is SYNTHETIC, made by
seeded simulated learners (`simulate`): every learner has an ability, every card a true
difficulty, and memory follows an exponential forgetting curve R = exp(-t / S) whose stability
S grows after a success (more when recall was hard) and shrinks after a lapse; none of that is
FSRS's own formula. Learners study with this bot (FSRS-6 picks the due dates) but review late by
a learner-specific amount, sometimes early; they rate 1-5 as the bot asks.

The evaluation replays every card's log through both models and, before each review that comes
at least one day after the previous one, takes the model's predicted recall p and the outcome
y = (rating > Again, i.e. raw rating >= 3):
  - FSRS-6: retrievability before the review, default parameters (not fitted to this log).
  - SM-2: the `sm-2` package (PyPI sm-2==0.3.0, classic SuperMemo-2, quality = the raw 1-5
    rating); SM-2 has no recall model, so p = 0.9 ** (elapsed_days / interval_days), the usual
    convention (recall 90% when a card is reviewed on its due date).
Metrics: log loss and RMSE = sqrt(mean((p - y)^2)), per review, p clipped to [1e-4, 1 - 1e-4].
"""

from __future__ import annotations

import math
import random
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

from fsrs import State

from bot.core import srs
from tests.bench.common import Row

START = datetime(2026, 1, 5, 8, 0, tzinfo=UTC)
DECK_SIZE = 174  # the shipped deck: 154 terms + 15 indicators + 5 lists
SM2_PACKAGE = "sm-2==0.3.0"
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
                at = at.replace(microsecond=0)  # as the bot logs them; both models see the same days
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
                    str(card), state, srs.map_rating(raw), at, srs.review_rng(learner, str(card), at)
                ).state
                last = at
                if state.state != State.Review:  # learning steps: a few minutes after they are due
                    at = state.due + timedelta(minutes=rng.expovariate(1 / 5))
                elif rng.random() < 0.1:  # cramming before a test: early
                    at = last + (state.due - last) * rng.uniform(0.3, 0.9)
                else:
                    at = state.due + timedelta(days=rng.expovariate(1 / mean_lateness))
            yield history


def _fsrs_predictions(history: History) -> Iterator[tuple[float, int, float]]:
    """(predicted recall, elapsed whole days, outcome) before each review after the first."""
    state = None
    for at, raw in history:
        outcome = srs.apply_rating("c", state, srs.map_rating(raw), at, srs.review_rng(0, "c", at))
        if state is not None:
            yield outcome.retrievability, outcome.elapsed.days, float(raw >= 3)
        state = outcome.state


def _sm2_predictions(history: History, sm_2) -> Iterator[tuple[float, int, float]]:
    card, scheduler, last = sm_2.Card(card_id=0, due=history[0][0]), sm_2.Scheduler(), None
    for at, raw in history:
        if last is not None:
            days = (at - last).days
            yield 0.9 ** (days / max(card.I, 1)), days, float(raw >= 3)
        # Classic SM-2 ignores when a review happens, but the package refuses early reviews and
        # adds the interval to the old due date: setting `due` to now changes nothing else. Its
        # intervals have no ceiling; cap them at 100 years (FSRS's maximum) so dates stay valid.
        card.due, card.I = at, min(card.I, 36_500)
        card, _ = scheduler.review_card(card, raw, at)
        last = at


def _scores(predictions: list[tuple[float, int, float]]) -> tuple[float, float, int]:
    """Log loss, RMSE and count over the reviews at least one day after the previous one."""
    loss = squares = 0.0
    n = 0
    for p, days, y in predictions:
        if days < 1:
            continue
        p = min(max(p, 1e-4), 1 - 1e-4)
        loss -= y * math.log(p) + (1 - y) * math.log(1 - p)
        squares += (p - y) ** 2
        n += 1
    return loss / n, math.sqrt(squares / n), n


def run(quick: bool = False) -> list[Row]:
    learners, cards_each, days = (40, 30, 120) if quick else (150, 60, 240)
    histories = list(simulate(learners, cards_each, days))
    total = sum(len(h) for h in histories)
    label = f"synthetic log ({learners} simulated learners x {cards_each} cards, {days} days, seeded)"
    fsrs_predictions = [p for h in histories for p in _fsrs_predictions(h)]
    fsrs_loss, fsrs_rmse, n = _scores(fsrs_predictions)
    rows = [Row(f"FSRS-6 (default parameters) log loss / RMSE, {label}", f"{fsrs_loss:.4f} / {fsrs_rmse:.4f}")]
    try:
        import sm_2
    except ImportError:
        rows.append(Row(f"SM-2 log loss / RMSE, {label}", f"skipped: pip install {SM2_PACKAGE}"))
    else:
        sm2_loss, sm2_rmse, _ = _scores([p for h in histories for p in _sm2_predictions(h, sm_2)])
        rows.append(Row(f"SM-2 ({SM2_PACKAGE}) log loss / RMSE, {label}", f"{sm2_loss:.4f} / {sm2_rmse:.4f}"))
        rows[0].target, rows[0].ok = "lower than SM-2", fsrs_loss < sm2_loss and fsrs_rmse < sm2_rmse
    # For scale: a model that knows only the overall recall rate and predicts it every time.
    rate = sum(y for _, d, y in fsrs_predictions if d >= 1) / n
    base_loss, base_rmse, _ = _scores([(rate, d, y) for _, d, y in fsrs_predictions])
    rows.append(
        Row(
            f"constant prediction ({rate:.1%} = observed recall) log loss / RMSE",
            f"{base_loss:.4f} / {base_rmse:.4f}",
        )
    )
    rows.append(Row("reviews evaluated (>= 1 day after the previous one) / all reviews", f"{n:,} / {total:,}"))
    return rows
