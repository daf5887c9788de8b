"""Lookup: the bot's TermIndex against fair rapidfuzz peers, for speed (10,000 terms) and quality
(a labelled set of real-style queries against the shipped deck, tests/bench/data/lookup_queries.csv).

A fair peer is what a careful developer would write with rapidfuzz alone: every name and alias
preprocessed once with `utils.default_process` (lower case, no punctuation), the query the same way,
`process.extract` with a score cut-off, and a card shown when the best score clears the cut-off. Of
the scorers suited to short queries (WRatio, QRatio, partial_ratio, token_set_ratio) the one with
the best quality on the labelled set is THE peer; each gets its best cut-off on that same set, which
flatters the peers (the index gets no such tuning).
"""

from __future__ import annotations

import csv
import io
import time
from dataclasses import dataclass
from pathlib import Path

from rapidfuzz import fuzz, process, utils

import content
from bot.core.lookup import TermIndex
from content.model import Term
from tests.bench.common import Row, percentiles, query_mix, synthetic_terms, time_each

QUERIES = Path(__file__).parent / "data" / "lookup_queries.csv"
SCORERS = {
    "WRatio": fuzz.WRatio,
    "QRatio": fuzz.QRatio,
    "partial_ratio": fuzz.partial_ratio,
    "token_set_ratio": fuzz.token_set_ratio,
}


@dataclass(frozen=True)
class Labelled:
    query: str
    expected: str | None  # a term id; None for nonsense (no card wanted)
    kind: str


def labelled_queries(path: Path = QUERIES) -> list[Labelled]:
    """The labelled set: CSV `query,expected,kind` with `#` comment lines."""
    text = "\n".join(line for line in path.read_text(encoding="utf-8").splitlines() if not line.startswith("#"))
    return [Labelled(r["query"], r["expected"] or None, r["kind"]) for r in csv.DictReader(io.StringIO(text))]


class Peer:
    """A rapidfuzz-only lookup over every name and alias, preprocessed once."""

    def __init__(self, terms: list[Term], scorer, cutoff: float = 0) -> None:
        self.scorer, self.cutoff = scorer, cutoff
        self.labels, self.owners = [], []
        for term in terms:
            for label in (term.name, *term.aliases):
                self.labels.append(utils.default_process(label))
                self.owners.append(term.id)

    def best(self, query: str) -> tuple[str | None, float]:
        hit = process.extractOne(utils.default_process(query), self.labels, scorer=self.scorer, processor=None)
        return (self.owners[hit[2]], hit[1]) if hit else (None, 0.0)

    def card(self, query: str) -> str | None:
        owner, score = self.best(query)
        return owner if score >= self.cutoff else None

    def complete(self, query: str, limit: int = 25) -> list[str]:
        """What autocomplete would list: up to `limit` terms over the cut-off, best first."""
        hits = process.extract(
            utils.default_process(query),
            self.labels,
            scorer=self.scorer,
            processor=None,
            limit=limit * 2,
            score_cutoff=self.cutoff,
        )
        return list(dict.fromkeys(self.owners[j] for _label, _score, j in hits))[:limit]


@dataclass
class Quality:
    right: int  # top-1 is the labelled term (real queries)
    real: int
    rejected: int  # nonsense that got no card
    nonsense: int
    misses: list[str]

    @property
    def top1(self) -> float:
        return self.right / self.real

    @property
    def no_card(self) -> float:
        return self.rejected / self.nonsense

    @property
    def score(self) -> int:
        return self.right + self.rejected


def judge_all(pick, queries: list[Labelled]) -> Quality:
    """`pick(query)` -> the term id the member is shown first, or None."""
    q = Quality(0, 0, 0, 0, [])
    for item in queries:
        got = pick(item.query)
        if item.expected is None:
            q.nonsense += 1
            q.rejected += got is None
            if got is not None:
                q.misses.append(f"{item.query!r} (nonsense) -> {got}")
        else:
            q.real += 1
            q.right += got == item.expected
            if got != item.expected:
                q.misses.append(f"{item.query!r} ({item.kind}) -> {got or 'nothing'}")
    return q


def index_first(index: TermIndex):
    """/define as members see it: the card, else the first "did you mean" suggestion."""

    def pick(query: str) -> str | None:
        result = index.lookup(query)
        first = result.match or (result.suggestions[0] if result.suggestions else None)
        return first.id if first else None

    return pick


def tuned_peer(terms: list[Term], scorer, queries: list[Labelled]) -> tuple[Peer, Quality]:
    """The peer with the cut-off that scores best on `queries` (ties: the lower cut-off)."""
    peer = Peer(terms, scorer)
    best = [(item, *peer.best(item.query)) for item in queries]
    chosen, chosen_score = 0, -1
    for cutoff in range(0, 101):
        score = sum(
            (owner == item.expected and s >= cutoff) if item.expected else s < cutoff for item, owner, s in best
        )
        if score > chosen_score:
            chosen, chosen_score = cutoff, score
    peer.cutoff = chosen
    return peer, judge_all(peer.card, queries)


def interleaved(fns: dict[str, callable], queries: list[str]) -> dict[str, list[float]]:
    """Milliseconds per call of each function, taking turns on every query (a busy machine then
    slows all of them alike), after one warm-up pass."""
    for fn in fns.values():
        for q in queries[:50]:
            fn(q)
    samples: dict[str, list[float]] = {name: [] for name in fns}
    for q in queries:
        for name, fn in fns.items():
            start = time.perf_counter()
            fn(q)
            samples[name].append((time.perf_counter() - start) * 1000)
    return samples


def _quality_rows(deck) -> tuple[list[Row], str, Peer]:
    queries = labelled_queries()
    terms = list(deck.terms)
    real = sum(q.expected is not None for q in queries)
    label = f"labelled set ({len(queries)} real-style queries, {real} with a right term; shipped deck)"
    index_q = judge_all(index_first(TermIndex(terms)), queries)
    peers = {name: tuned_peer(terms, scorer, queries) for name, scorer in SCORERS.items()}
    best_name = max(peers, key=lambda n: (peers[n][1].score, peers[n][1].right))
    best_peer, best_q = peers[best_name]
    each = ", ".join(f"{n} {q.top1:.0%} / {q.no_card:.0%} (cut-off {p.cutoff:.0f})" for n, (p, q) in peers.items())
    rows = [
        Row(
            f"lookup top-1 right, {label}: the bot's index (/define's card, else its first 'did you mean')",
            f"{index_q.top1:.1%} ({index_q.right}/{index_q.real})",
            f"no worse than the best peer ({best_q.top1:.1%})",
            index_q.right >= best_q.right,
        ),
        Row(
            f"lookup: nonsense gets no card, {label}: the bot's index",
            f"{index_q.no_card:.0%} ({index_q.rejected}/{index_q.nonsense})",
            f"no worse than the best peer ({best_q.no_card:.0%})",
            index_q.rejected >= best_q.rejected,
        ),
        Row(
            "  rapidfuzz peers on the same set (extractOne over names + aliases, default_process, each with "
            "its best cut-off on this set): top-1 / nonsense gets no card",
            each + f"; best: {best_name}",
        ),
        Row("  the index's misses", "; ".join(index_q.misses) or "none"),
        Row(f"  the best peer's ({best_name}) misses", "; ".join(best_q.misses) or "none"),
    ]
    return rows, best_name, best_peer


def _speed_rows(n_queries: int, best_name: str, cutoff: float) -> list[Row]:
    synthetic = synthetic_terms(10_000)
    queries = query_mix(synthetic, n_queries)
    index = TermIndex(synthetic)
    peer = Peer(synthetic, SCORERS[best_name], cutoff)
    qratio = Peer(synthetic, fuzz.QRatio, cutoff)
    samples = interleaved(
        {
            "complete": index.complete,
            "lookup": index.lookup,
            "peer": peer.complete,
            "qratio": qratio.complete,
        },
        queries,
    )
    (ac50, ac99), (df50, df99) = percentiles(samples["complete"]), percentiles(samples["lookup"])
    (pe50, pe99), (qr50, qr99) = percentiles(samples["peer"]), percentiles(samples["qratio"])
    slowest = max(ac99, df99)
    label = f"synthetic 10,000 terms, {len(queries)} typed queries"
    return [
        # Absolute times move with the machine's load; the target is the speed-up over the peer
        # measured in the same run, turn about on every query.
        Row(f"autocomplete, bot's index, {label}: p50 / p99", f"{ac50:.3f} / {ac99:.3f} ms"),
        Row(f"/define lookup, bot's index, {label}: p50 / p99", f"{df50:.3f} / {df99:.3f} ms"),
        Row(
            f"best fair peer: rapidfuzz {best_name} extract (preprocessed once, cut-off {cutoff:.0f}, 25 results), "
            f"{label}: p50 / p99",
            f"{pe50:.3f} / {pe99:.3f} ms",
        ),
        Row("  QRatio peer, same set-up: p50 / p99", f"{qr50:.3f} / {qr99:.3f} ms"),
        Row(
            "index p99 speed-up over the best fair peer's p99 (the slower of autocomplete and lookup)",
            f"{pe99 / slowest:.1f}x",
            ">= 3x",
            pe99 / slowest >= 3,
        ),
    ]


def _internal(label: str, terms, queries) -> list[Row]:
    """The old rows (a WRatio scan without preprocessing), kept to spot regressions of the index."""
    index = TermIndex(terms)
    names = [t.name for t in terms]
    ac50, ac99 = percentiles(time_each(index.complete, queries))
    df50, df99 = percentiles(time_each(index.lookup, queries))
    sc50, sc99 = percentiles(time_each(lambda q: process.extract(q, names, scorer=fuzz.WRatio, limit=25), queries))
    return [
        Row(
            f"(internal) autocomplete / lookup, {label}: p99",
            f"{ac99:.3f} / {df99:.3f} ms (p50 {ac50:.3f} / {df50:.3f})",
        ),
        Row(f"(internal) raw WRatio scan, no preprocessing, {label}: p50 / p99", f"{sc50:.3f} / {sc99:.3f} ms"),
    ]


def run(quick: bool = False) -> list[Row]:
    deck = content.load_deck()
    quality, best_name, best_peer = _quality_rows(deck)
    speed = _speed_rows(500 if quick else 3000, best_name, best_peer.cutoff)
    real = list(deck.terms)
    return [
        *speed,
        *quality,
        *_internal(f"shipped deck ({len(real)} terms)", real, query_mix(real, 300 if quick else 2000)),
    ]
