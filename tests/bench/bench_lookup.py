"""Lookup and autocomplete: our index vs a plain rapidfuzz WRatio scan over every name."""

from __future__ import annotations

from rapidfuzz import fuzz, process

import content
from bot.core.lookup import TermIndex
from tests.bench.common import Row, percentiles, query_mix, synthetic_terms, time_each


def _measure(label: str, terms, queries) -> list[Row]:
    index = TermIndex(terms)
    names = [t.name for t in terms]
    ac50, ac99 = percentiles(time_each(index.complete, queries))
    df50, df99 = percentiles(time_each(index.lookup, queries))
    sc50, sc99 = percentiles(time_each(lambda q: process.extract(q, names, scorer=fuzz.WRatio, limit=25), queries))
    rows = [
        Row(f"autocomplete, {label}: p50 / p99", f"{ac50:.3f} / {ac99:.3f} ms"),
        Row(f"/define lookup, {label}: p50 / p99", f"{df50:.3f} / {df99:.3f} ms"),
        Row(f"WRatio scan, {label}: p50 / p99", f"{sc50:.3f} / {sc99:.3f} ms"),
        Row(f"speed-up vs WRatio scan at p99, {label}", f"{sc99 / ac99:.0f}x (autocomplete)"),
    ]
    if len(terms) >= 10_000:
        rows[0].target, rows[0].ok = "p99 <= 2 ms", ac99 <= 2.0
        rows[1].target, rows[1].ok = "p99 <= 2 ms", df99 <= 2.0
        rows[3].target, rows[3].ok = ">= 10x", sc99 / ac99 >= 10
    return rows


def run(quick: bool = False) -> list[Row]:
    deck = content.load_deck()
    n_queries = 500 if quick else 3000
    real = list(deck.terms)
    synthetic = synthetic_terms(10_000)
    return [
        *_measure(f"shipped deck ({len(real)} terms)", real, query_mix(real, n_queries)),
        *_measure("synthetic 10,000 terms", synthetic, query_mix(synthetic, n_queries)),
    ]
