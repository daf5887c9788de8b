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
    """`match` is the term looked up; `corrected` when it was found by forgiving a typo in `query`.
    Without a match, `suggestions` are the closest terms, closest first."""

    query: str
    match: Term | None
    suggestions: tuple[Term, ...] = ()
    corrected: bool = False


class TermIndex:
    """Answers "which term is this?" for one set of terms."""

    def __init__(self, terms: Iterable[Term]) -> None:
        self.terms: tuple[Term, ...] = tuple(terms)
        self._by_id = {t.id: i for i, t in enumerate(self.terms)}
        self._exact: dict[str, int] = {}
        keyed: list[tuple[str, int]] = []
        for i, term in enumerate(self.terms):
            # "Customer Lifetime Value (CLV)", as glossaries write it, finds the term too.
            for alias in term.aliases:
                self._exact.setdefault(normalize(f"{term.name} {alias}"), i)
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
        # Every key that holds a word, in key order: whole-word hits rank before partial ones.
        self._word_keys: dict[str, list[int]] = {}
        for j, key in enumerate(self._keys):
            for word in dict.fromkeys(key.split()):
                self._word_keys.setdefault(word, []).append(j)
        # Fuzzy matching works on single words, so "lifetme" finds "customer lifetime value".
        words: dict[str, set[int]] = {}
        owner_words: list[set[str]] = [set() for _ in self.terms]
        for key, owner in keyed:
            for word in key.split():
                words.setdefault(word, set()).add(owner)
                owner_words[owner].add(word)
        self._owner_words = [frozenset(w) for w in owner_words]
        self._owner_keys: list[list[str]] = [[] for _ in self.terms]
        for key, owner in keyed:
            self._owner_keys[owner].append(key)
        self._words = list(words)
        self._word_ids = {w: j for j, w in enumerate(self._words)}
        self._word_owners = [sorted(words[w]) for w in self._words]
        # Keys by length: ratio >= 75 needs lengths within a factor 0.6, so only a window is scored.
        by_len = sorted(range(len(self._keys)), key=lambda j: len(self._keys[j]))
        self._len_keys = [self._keys[j] for j in by_len]
        self._len_owners = [self._owners[j] for j in by_len]
        self._lens = [len(k) for k in self._len_keys]

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
        """Exact match; else the one term `query` misspells; else up to `suggestions` "did you mean" terms.

        A typo is forgiven exactly as the quiz judge forgives it (`bot.core.answers`): when one term,
        and only one, is within the typo allowance ("net promotor score"), /define shows it rather
        than asking what the member meant.
        """
        if len(query) <= MAX_QUERY:
            if (match := self.exact(query)) is not None:
                return LookupResult(query, match)
            # Imported here: answers builds its judge from a TermIndex, so it imports this module.
            from bot.core.answers import judge_for

            if (match := judge_for(self).typo_match(query)) is not None:
                return LookupResult(query, match, corrected=True)
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

        exact = self._exact.get(q)
        if exact is None:
            exact = self._exact.get(q.replace(" ", ""))
        if exact is not None and take(exact):
            return self._result(found)
        # The query as whole words before as part of a word ("persona" is Customer Persona before
        # Personal Assistance Relationship): first names that start with those words (a contiguous
        # run of the sorted keys), then names that hold them further on.
        lo, hi = bisect_left(self._keys, q + " "), bisect_right(self._keys, q + " \U0010ffff")
        for j in range(lo, hi):
            if take(self._owners[j]):
                return self._result(found)
        for j in self._whole_words(q):
            if take(self._owners[j]):
                return self._result(found)
        # Prefix hits, then word-start hits ("value" in "customer lifetime value"), then mid-word ones.
        lo, hi = bisect_left(self._keys, q), bisect_right(self._keys, q + "\U0010ffff")
        for j in range(lo, hi):
            if take(self._owners[j]):
                return self._result(found)
        for needle in (" " + q, q):
            if self._take_found(needle, take):
                return self._result(found)
        # Fuzzy only when the plain matches found (almost) nothing: it is the slow part,
        # and a member who typed a real name or word does not need guesses.
        if len(q) >= 3 and exact is None and len(found) < 3:
            self._fuzzy(q, found, limit)
        return self._result(found)

    def _whole_words(self, q: str) -> list[int]:
        """The keys (indices, in key order) that hold `q` as whole words."""
        lists = [self._word_keys.get(w) for w in q.split()]
        if not lists or None in lists:
            return []
        rarest = min(lists, key=len)
        if len(lists) == 1:
            return rarest
        padded = f" {q} "
        return [j for j in rarest if padded in f" {self._keys[j]} "]

    def _take_found(self, needle: str, take) -> bool:
        """`take` the owner of each key that contains `needle`, in key order; True as soon as `take`
        says the result is full."""
        pos = self._haystack.find(needle)
        while pos != -1:
            j = bisect_right(self._starts, pos) - 1
            if take(self._owners[j]):
                return True
            pos = self._haystack.find(needle, self._starts[j] + len(self._keys[j]) + 1)
        return False

    def _fuzzy(self, q: str, found: dict[int, None], limit: int) -> None:
        scores: dict[int, float] = {}
        covered: dict[int, float] = {}  # share of the name's words the query matched
        # Word typos ("lifetme", "custmer loyality"): each query word against the vocabulary (a word
        # spelled right is taken as is). Candidates come from the query word with the fewest owners,
        # then every query word is scored on them.
        qwords = [w for w in q.split() if len(w) >= 3]
        matched = []
        for word in qwords:
            if (j := self._word_ids.get(word)) is not None:
                matched.append([(word, 100.0, j)])
            else:
                matched.append(process.extract(word, self._words, scorer=fuzz.ratio, score_cutoff=80, limit=8))
        sized = [(sum(len(self._word_owners[j]) for _w, _s, j in m), m) for m in matched if m]
        # Skip when the unmatched words alone keep every candidate under the cut-off of 70.
        if sized and len(sized) * 100 >= 70 * len(qwords):
            rare = min(sized, key=lambda pair: pair[0])[1]
            candidates = {owner for _w, _s, j in rare for owner in self._word_owners[j]}
            best = [{w: sc for w, sc, _j in m} for m in matched]
            for owner in candidates:
                words = self._owner_words[owner]
                score = sum(max([b.get(w, 0) for w in words]) for b in best) / len(qwords)
                if score >= 70:
                    scores[owner] = score
                    # Of equal scores, the name with the fewest words the query did not match first:
                    # "journey customer" is Customer Journey before Customer Journey Mapping.
                    hit = {w for b in best for w in b}
                    covered[owner] = max(
                        sum(w in hit for w in key.split()) / len(key.split()) for key in self._owner_keys[owner]
                    )
        # Whole-name typos the words missed ("custo merloyalty", words under 3 letters).
        if len(scores) < 3:
            lo = bisect_left(self._lens, int(len(q) * 0.6))
            hi = bisect_right(self._lens, int(len(q) / 0.6) + 1)
            window = self._len_keys[lo:hi]
            for _key, score, j in process.extract(q, window, scorer=fuzz.ratio, score_cutoff=75, limit=limit):
                owner = self._len_owners[lo + j]
                scores[owner] = max(scores.get(owner, 0), score)
        self._rank(q, scores, covered, found, limit)

    def _rank(
        self, q: str, scores: dict[int, float], covered: dict[int, float], found: dict[int, None], limit: int
    ) -> None:
        # Equal word scores ("emphaty" matches the word of both "Empathy" and "Customer Empathy"):
        # the name with fewer other words, then the name closest to the whole query, first.
        def closeness(owner: int) -> float:
            return max(fuzz.ratio(q, key) for key in self._owner_keys[owner])

        ranked = sorted(
            scores.items(),
            key=lambda kv: (-kv[1], -covered.get(kv[0], 0.0), -closeness(kv[0]), self.terms[kv[0]].name),
        )
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
