"""Timing helpers and synthetic data shared by the benchmarks."""

from __future__ import annotations

import random
import statistics
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from content.model import Term

#: What "committed" means in the rows that write: the bot's default SQLite durability.
DURABILITY = "SQLite WAL, synchronous=NORMAL: survives a crash of the bot, not a power cut"


@dataclass
class Row:
    name: str
    value: str
    target: str = ""
    ok: bool | None = None


def percentiles(samples_ms: list[float]) -> tuple[float, float]:
    ordered = sorted(samples_ms)
    p50 = statistics.median(ordered)
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
    return p50, p99


def time_each(fn: Callable[[object], object], inputs: Iterable[object], repeat: int = 1) -> list[float]:
    """Milliseconds per call, one sample per input (after one warm-up pass)."""
    inputs = list(inputs)
    for item in inputs[:50]:
        fn(item)
    samples = []
    for _ in range(repeat):
        for item in inputs:
            start = time.perf_counter()
            fn(item)
            samples.append((time.perf_counter() - start) * 1000)
    return samples


_SYLLABLES = "ka lo mi nu re sa ti vo ze bar cen dol fin gar hol jun kel mar nor pel quin ros sul tor".split()
_BUSINESS = (
    "customer service loyalty value retention feedback complaint brand market segment channel quality "
    "satisfaction relationship support experience journey data privacy ethics cost revenue profit sales "
    "promise trust empathy response resolution escalation policy contact advocacy churn metric score"
).split()


def synthetic_terms(n: int, seed: int = 7) -> list[Term]:
    """n distinct terms whose names look like the real deck's (shared business words plus rarer ones)."""
    rng = random.Random(seed)
    rare = sorted({"".join(rng.choice(_SYLLABLES) for _ in range(rng.randint(2, 4))) for _ in range(4000)})
    terms, names = [], set()
    while len(terms) < n:
        words = [rng.choice(_BUSINESS) for _ in range(rng.randint(1, 2))] + [rng.choice(rare)]
        rng.shuffle(words)
        name = " ".join(w.capitalize() for w in words)
        if name.lower() in names:
            continue
        names.add(name.lower())
        aliases = ("".join(w[0] for w in words).upper() + str(len(terms)),) if rng.random() < 0.2 else ()
        terms.append(
            Term(
                id=f"syn-{len(terms)}",
                name=name,
                aliases=aliases,
                definition="A synthetic term used only to measure lookup speed.",
                topic="synthetic",
            )
        )
    return terms


def typo(word: str, rng: random.Random) -> str:
    if len(word) < 4:
        return word
    i = rng.randrange(1, len(word) - 1)
    kind = rng.choice(("drop", "swap", "double"))
    if kind == "drop":
        return word[:i] + word[i + 1 :]
    if kind == "swap":
        return word[: i - 1] + word[i] + word[i - 1] + word[i + 1 :]
    return word[:i] + word[i] + word[i:]


def query_mix(terms: list[Term], count: int, seed: int = 11) -> list[str]:
    """What members type: prefixes while typing, full names, acronyms, typos, middle words, nonsense."""
    rng = random.Random(seed)
    queries = []
    for _ in range(count):
        term = rng.choice(terms)
        kind = rng.random()
        if kind < 0.35:
            queries.append(term.name[: rng.randint(1, 8)].lower())
        elif kind < 0.5:
            queries.append(term.name)
        elif kind < 0.6:
            queries.append(term.aliases[0] if term.aliases else term.name.upper())
        elif kind < 0.8:
            queries.append(typo(term.name.lower(), rng))
        elif kind < 0.95:
            queries.append(rng.choice(term.name.split()).lower())
        else:
            queries.append("".join(rng.choice("qxzjvk") for _ in range(rng.randint(3, 9))))
    return queries
