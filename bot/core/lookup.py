"""Term lookup and autocomplete over a deck: exact, prefix, substring, then fuzzy.

Built once per deck; every query is a dictionary probe, a bisect, a C-level `str.find`
over one joined string, and (only when those found too little) a rapidfuzz `ratio`
scan with a score cutoff, which is far cheaper than a WRatio scan over every name.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Iterable
from dataclasses import dataclass

from rapidfuzz import fuzz, process

from content.model import Term
from content.text import compact, normalize

MAX_QUERY = 100  # a term name is at most 80 characters; anything longer is not a lookup
_SEP = "\x00"


@dataclass(frozen=True, slots=True)
class LookupResult:
    query: str
    match: Term | None
    suggestions: tuple[Term, ...] = ()


class TermIndex:
    """Answers "which term is this?" for one set of terms."""

    def __init__(self, terms: Iterable[Term]) -> None:
        self.terms: tuple[Term, ...] = tuple(terms)
        self._by_id = {t.id: i for i, t in enumerate(self.terms)}
        self._exact: dict[str, int] = {}
        keyed: list[tuple[str, int]] = []
        for i, term in enumerate(self.terms):
            for label in (term.name, *term.aliases):
                key = normalize(label)
                if not key:
                    continue
                keyed.append((key, i))
                self._exact.setdefault(key, i)
                self._exact.setdefault(compact(label), i)
        keyed.sort()
        self._keys = [k for k, _ in keyed]
        self._owners = [i for _, i in keyed]
        # Substring search runs str.find over one string; _starts maps an offset back to its key.
        self._haystack = _SEP.join(self._keys)
        self._starts: list[int] = []
        pos = 0
        for key in self._keys:
            self._starts.append(pos)
            pos += len(key) + 1
        # Fuzzy matching works on single words, so "lifetme" finds "customer lifetime value".
        words: dict[str, set[int]] = {}
        for key, owner in keyed:
            for word in key.split():
                words.setdefault(word, set()).add(owner)
        self._words = list(words)
        self._word_owners = [sorted(words[w]) for w in self._words]

    def __len__(self) -> int:
        return len(self.terms)

    def by_id(self, term_id: str) -> Term | None:
        i = self._by_id.get(term_id)
        return None if i is None else self.terms[i]

    def exact(self, query: str) -> Term | None:
        """The term whose id, name or alias is `query` (any case, spacing or punctuation)."""
        if (i := self._by_id.get(query.strip())) is not None:
            return self.terms[i]
        i = self._exact.get(normalize(query))
        if i is None:
            i = self._exact.get(compact(query))
        return None if i is None else self.terms[i]

    def lookup(self, query: str, *, suggestions: int = 5) -> LookupResult:
        """Exact match, or up to `suggestions` "did you mean" terms."""
        match = self.exact(query) if len(query) <= MAX_QUERY else None
        if match is not None:
            return LookupResult(query, match)
        return LookupResult(query, None, tuple(self.search(query, limit=suggestions)))

    def search(self, query: str, *, limit: int = 25) -> list[Term]:
        """Ranked candidates: exact, then prefix, then substring, then fuzzy above a cutoff."""
        q = normalize(query[:MAX_QUERY])
        if not q:
            return []
        found: dict[int, None] = {}  # insertion-ordered set

        def take(i: int) -> bool:
            found.setdefault(i, None)
            return len(found) >= limit

        if (i := self._exact.get(q)) is not None or (i := self._exact.get(q.replace(" ", ""))) is not None:
            if take(i):
                return self._result(found)
        # Prefix hits: a contiguous run of the sorted keys.
        lo, hi = bisect_left(self._keys, q), bisect_right(self._keys, q + "\U0010ffff")
        for j in range(lo, hi):
            if take(self._owners[j]):
                return self._result(found)
        # Word-start hits ("value" in "customer lifetime value") before mid-word ones.
        for needle in (" " + q, q):
            pos = self._haystack.find(needle)
            while pos != -1:
                j = bisect_right(self._starts, pos) - 1
                if take(self._owners[j]):
                    return self._result(found)
                pos = self._haystack.find(needle, self._starts[j] + len(self._keys[j]) + 1)
        if len(q) >= 3:
            self._fuzzy(q, found, limit)
        return self._result(found)

    def _fuzzy(self, q: str, found: dict[int, None], limit: int) -> None:
        scores: dict[int, float] = {}
        # Whole-name typos ("custmer loyality").
        for _key, score, j in process.extract(q, self._keys, scorer=fuzz.ratio, score_cutoff=75, limit=limit):
            owner = self._owners[j]
            scores[owner] = max(scores.get(owner, 0), score)
        # Word typos: each query word against the vocabulary, averaged over the query.
        qwords = [w for w in q.split() if len(w) >= 3]
        if qwords:
            per_owner: dict[int, float] = {}
            for word in qwords:
                best: dict[int, float] = {}
                for _w, score, j in process.extract(
                    word, self._words, scorer=fuzz.ratio, score_cutoff=80, limit=limit
                ):
                    for owner in self._word_owners[j]:
                        best[owner] = max(best.get(owner, 0), score)
                for owner, score in best.items():
                    per_owner[owner] = per_owner.get(owner, 0) + score
            for owner, total in per_owner.items():
                score = total / len(qwords) - 1  # a whole-name match beats an equal word match
                if score >= 70:
                    scores[owner] = max(scores.get(owner, 0), score)
        ranked = sorted(scores.items(), key=lambda kv: (-kv[1], self.terms[kv[0]].name))
        for owner, _score in ranked:
            found.setdefault(owner, None)
            if len(found) >= limit:
                return

    def _result(self, found: dict[int, None]) -> list[Term]:
        return [self.terms[i] for i in found]

    def complete(self, query: str, *, limit: int = 25) -> list[Term]:
        """Autocomplete choices; an empty query lists terms alphabetically."""
        if not query.strip():
            return list(self.terms[:limit])
        return self.search(query, limit=limit)
