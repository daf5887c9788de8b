"""Typed-answer judging: time per answer over a realistic mix, on the shipped deck and 10,000 terms."""

from __future__ import annotations

import random
import time

import content
from bot.core.answers import judge
from content.model import Deck, Term, Topic
from tests.bench.common import Row, percentiles, synthetic_terms, time_each, typo

KINDS = ("right", "typo", "alias", "other term", "partial", "nonsense")


def answer_mix(terms: tuple[Term, ...], count: int, seed: int = 13) -> list[tuple[str, Term]]:
    """(answer, expected) pairs: right, typo, alias, another term, a partial answer, nonsense."""
    rng = random.Random(seed)
    with_aliases = [t for t in terms if t.aliases]
    pairs = []
    for n in range(count):
        kind = KINDS[n % len(KINDS)]
        term = rng.choice(terms)
        if kind == "right":
            answer = term.name.lower() if rng.random() < 0.5 else term.name
        elif kind == "typo":
            answer = " ".join(typo(w, rng) if rng.random() < 0.5 else w for w in term.name.lower().split())
        elif kind == "alias":
            term = rng.choice(with_aliases)
            answer = rng.choice(term.aliases)
        elif kind == "other term":
            answer = rng.choice(terms).name
        elif kind == "partial":
            answer = rng.choice(term.name.split())
        else:
            answer = "".join(rng.choice("qxzjvkwy ") for _ in range(rng.randint(3, 24)))
        pairs.append((answer, term))
    return pairs


def _measure(label: str, deck: Deck, count: int) -> list[Row]:
    start = time.perf_counter()
    judge("warm-up", deck.terms[0], deck)  # builds and caches the deck's Judge
    build_ms = (time.perf_counter() - start) * 1000
    pairs = answer_mix(deck.terms, count)
    p50, p99 = percentiles(time_each(lambda pair: judge(pair[0], pair[1], deck), pairs))
    accepted = sum(judge(a, t, deck).correct for a, t in pairs) / len(pairs)
    by_kind = []
    for k, kind in enumerate(KINDS):
        _p50, kind_p99 = percentiles(time_each(lambda pair: judge(pair[0], pair[1], deck), pairs[k :: len(KINDS)]))
        by_kind.append(f"{kind} {kind_p99:.3f}")
    ok = p99 <= 0.5
    return [
        Row(
            f"(internal) judge a typed answer, {label}: p50 / p99",
            f"{p50:.3f} / {p99:.3f} ms",
            "p99 <= 0.5 ms",
            ok,
        ),
        Row(f"(internal) judge p99 by answer kind, {label}", ", ".join(by_kind) + " ms"),
        Row(f"(internal) judge set-up (once per deck), {label}", f"{build_ms:.0f} ms"),
        Row(f"(internal) answers accepted in the mix, {label}", f"{accepted:.0%}"),
    ]


def run(quick: bool = False) -> list[Row]:
    count = 600 if quick else 6000
    real = content.load_deck()
    synthetic = Deck(
        name="Synthetic",
        topics=(Topic("synthetic", "Synthetic"),),
        terms=tuple(synthetic_terms(10_000)),
    )
    return [
        *_measure(f"shipped deck ({len(real.terms)} terms)", real, count),
        *_measure("synthetic 10,000 terms", synthetic, count),
    ]
