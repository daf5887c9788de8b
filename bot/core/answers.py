"""The typed-answer judge for quizzes and practice tests: is what the student typed the term we asked for?

Answers and term names are compared as keys: `content.text.normalize`, a leading "the", "a" or "an"
dropped, then every space removed, so case, punctuation, "&"/"and" and "follow up"/"Follow-up"/
"followup" never matter. The expected term's name, each alias (acronyms included) and the glossary
spelling "Name (Alias)" are all accepted exactly.

Typos are measured in optimal-string-alignment edits (an insertion, deletion, substitution or swap of
two neighbouring letters counts as one) on the key, and the allowance grows with the answer's key
length (see `typo_budget`): none up to 4 characters, so acronyms must be exact, then 1 up to 8,
2 up to 16 and 3 beyond, of which at most 2 may add or drop letters ("customer relationship" is
not a typo of "Customer Relations").

A typo is only forgiven when no other term of the deck is at least as close to the answer: a
misspelling that sits between two terms ("internl customers" for External Customers) is wrong.
An answer that is exactly another term's name or alias is that term, even within the same
near-synonym group.

Per call the work is a few dictionary probes and a handful of edit distances against the expected
term's keys. Only answers that are not exactly a name or alias also look for other terms within the
allowed edits, and that search does not score the whole deck: every key is indexed by a few pieces
(see `_layout`), at least one of which survives any allowed typo, so a bounded number of dictionary
probes finds every candidate, and only those are scored. The search is exact (tests compare it with
scoring every key), and its cost barely grows with the deck.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

from rapidfuzz.distance import OSA

from bot.core.lookup import TermIndex
from bot.core.memo import PerObject
from content.model import Deck, Term
from content.text import normalize

#: Longer answers are rejected before any work: the longest "Name (Alias)" is far shorter.
MAX_ANSWER = 200
MAX_TYPOS = 3
#: A typo adds or drops at most this many letters: a third is usually another word ("relation-ship").
MAX_LENGTH_CHANGE = 2
_ARTICLES = ("the ", "a ", "an ")

EXACT = "Exact match"
ACRONYM = "Accepted (acronym)"
ALIAS = "Accepted (another name for it)"
TYPO = "Accepted with a small typo"
TOO_SHORT = "Too short: give the full term"
TOO_LONG = "Too long: give just the term"
EXTRA_WORDS = "Not quite: that adds words to the term"
NOT_QUITE = "Not quite"
EMPTY = "No answer given"
NO_LETTERS = "Answer with letters or numbers"

_NAME, _ACRONYM, _ALIAS = "name", "acronym", "alias"
_ACCEPT_REASON = {_NAME: EXACT, _ACRONYM: ACRONYM, _ALIAS: ALIAS}


@dataclass(frozen=True, slots=True)
class Verdict:
    """The judge's decision, with a short reason fit to show the student.

    `matched` is the deck term the answer was recognised as: the expected term when correct,
    another term when the answer named it or is closer to it, otherwise None (also when a typo is
    equally close to the expected term and another one).
    """

    correct: bool
    reason: str
    matched: Term | None = None


def typo_budget(length: int) -> int:
    """How many edits an answer key of this many letters and digits may contain and still count."""
    if length <= 4:
        return 0
    if length <= 8:
        return 1
    if length <= 16:
        return 2
    return MAX_TYPOS


def _max_edits(length: int) -> int:
    """The most edits any answer within its own typo budget can be from a key of this length."""
    return max(d for d in range(MAX_TYPOS + 1) if typo_budget(length + d) >= d)


@lru_cache(maxsize=512)
def _layout(length: int) -> tuple[tuple[int, int], ...]:
    """(start, end) of the pieces a key of this length is indexed by: one more piece than edits allowed.

    One letter is left out between neighbouring pieces, so an edit (even swapping two neighbouring
    letters) can spoil at most one piece, and some piece survives every allowed typo.
    Keys too short to be reached by any typo get no pieces.
    """
    pieces = _max_edits(length) + 1
    if pieces == 1:
        return ()
    room = length - (pieces - 1)
    bounds, start = [], 0
    for k in range(pieces):
        size = room // pieces + (1 if k < room % pieces else 0)
        bounds.append((start, start + size))
        start += size + 1
    return tuple(bounds)


def answer_key(text: str) -> str:
    """The comparison key of an answer or a term label ("The Follow-up!" -> "followup")."""
    words = normalize(text)
    for article in _ARTICLES:
        if words.startswith(article):
            words = words[len(article) :]
            break
    return words.replace(" ", "")


def _is_acronym(alias: str) -> bool:
    # "CLV", "CX", "KPIs", "FAQs": one short word, mostly capitals.
    return " " not in alias.strip() and len(alias) <= 6 and sum(c.isupper() for c in alias) >= 2


def _term_keys(term: Term) -> tuple[tuple[str, str], ...]:
    """(key, kind) for the name, every alias, and "Name (Alias)"; the first kind seen wins."""
    labels = [(term.name, _NAME)]
    labels += [(alias, _ACRONYM if _is_acronym(alias) else _ALIAS) for alias in term.aliases]
    labels += [(f"{term.name} {alias}", _NAME) for alias in term.aliases]
    seen: dict[str, str] = {}
    for label, kind in labels:
        key = answer_key(label)
        if key:
            seen.setdefault(key, kind)
    return tuple(seen.items())


class Judge:
    """Judges typed answers against the terms of one deck. Build once per deck; `judge` is cheap."""

    def __init__(self, terms: Iterable[Term]) -> None:
        self.terms: tuple[Term, ...] = tuple(terms)
        self._keys_of: dict[str, tuple[tuple[str, str], ...]] = {}
        self._owners: dict[str, list[int]] = {}
        for i, term in enumerate(self.terms):
            keys = _term_keys(term)
            self._keys_of[term.id] = keys
            for key, _kind in keys:
                owners = self._owners.setdefault(key, [])
                if i not in owners:
                    owners.append(i)
        # Typo neighbours are found through pieces of the keys, not by scoring every key (see _layout).
        self._pieces: dict[tuple[int, int, str], list[str]] = {}
        for key in self._owners:
            for k, (start, end) in enumerate(_layout(len(key))):
                self._pieces.setdefault((len(key), k, key[start:end]), []).append(key)

    def __len__(self) -> int:
        return len(self.terms)

    def judge(self, answer: str, expected: Term) -> Verdict:
        """Whether `answer` names `expected`, and why (see the module docstring for the rules)."""
        if not answer.strip():
            return Verdict(False, EMPTY)
        if len(answer) > MAX_ANSWER:
            return Verdict(False, TOO_LONG)
        key = answer_key(answer)
        if not key:
            return Verdict(False, NO_LETTERS)
        # A term passed in from elsewhere still gets judged on its own names.
        expected_keys = self._keys_of.get(expected.id) or _term_keys(expected)
        for own, kind in expected_keys:
            if own == key:
                return Verdict(True, _ACCEPT_REASON[kind], expected)

        owners = self._owners.get(key)
        if owners:
            other = self.terms[owners[0]]
            # "Customer" for Customer Lifetime Value is a real term, but the useful hint is "go on".
            reason = (
                TOO_SHORT if _is_part(key, expected_keys) else _other(f"That is {other.name}", other, expected)
            )
            return Verdict(False, reason, other)

        budget = typo_budget(len(key))
        distance = budget + 1
        if budget:
            for own, _kind in expected_keys:
                if abs(len(own) - len(key)) <= MAX_LENGTH_CHANGE:
                    distance = min(distance, OSA.distance(key, own, score_cutoff=budget))
        if distance <= budget:
            rival, rival_distance = self._nearest_other(key, distance, expected.id)
            if rival is None:
                return Verdict(True, TYPO, expected)
            if rival_distance < distance:
                return Verdict(False, _other(f"That looks like {rival.name}", rival, expected), rival)
            return Verdict(False, f"Close, but it could also be {rival.name}: check the spelling")

        if _is_part(key, expected_keys):
            return Verdict(False, TOO_SHORT)
        if budget:
            rival, _d = self._nearest_other(key, budget, expected.id)
            if rival is not None:
                return Verdict(False, _other(f"That looks like {rival.name}", rival, expected), rival)
        if any(kind != _ACRONYM and own in key for own, kind in expected_keys):
            return Verdict(False, EXTRA_WORDS)
        return Verdict(False, NOT_QUITE)

    def typo_match(self, text: str) -> Term | None:
        """The term `text` misspells, when `judge` would accept `text` as that term; else None.

        At most one term qualifies: the typo must be within the budget and strictly closer to this
        term than to any other. A typo as close to two terms is ambiguous (None).
        """
        if not text.strip() or len(text) > MAX_ANSWER:
            return None
        key = answer_key(text)
        budget = typo_budget(len(key))
        if not budget:
            return None
        nearest, _distance = self._nearest_other(key, budget, exclude_id="")
        return nearest if nearest is not None and self.judge(text, nearest).correct else None

    def _nearest_other(self, key: str, cutoff: int, exclude_id: str) -> tuple[Term | None, int]:
        """The closest term other than `exclude_id` within `cutoff` edits of `key`, and its distance.

        Exact, not a heuristic: a key within `cutoff` edits keeps at least one of its pieces intact,
        within `cutoff` places of where it sits in the key, so probing those pieces finds every such key.
        Ties go to the alphabetically first key so the reason shown never depends on hash order.
        """
        n = len(key)
        found: set[str] = set()
        for length in range(max(1, n - cutoff), n + cutoff + 1):
            for k, (start, end) in enumerate(_layout(length)):
                for shift in range(max(-cutoff, -start), min(cutoff, n - end) + 1):
                    if hits := self._pieces.get((length, k, key[start + shift : end + shift])):
                        found.update(hits)
        best: tuple[int, str, Term] | None = None
        for other in found:
            distance = OSA.distance(key, other, score_cutoff=cutoff)
            if distance > cutoff or (best is not None and (distance, other) >= best[:2]):
                continue
            for owner in self._owners[other]:
                if self.terms[owner].id != exclude_id:
                    best = (distance, other, self.terms[owner])
                    break
        return (None, cutoff + 1) if best is None else (best[2], best[0])


def _is_part(key: str, expected_keys: tuple[tuple[str, str], ...]) -> bool:
    return any(key in own for own, _kind in expected_keys)


def _other(prefix: str, other: Term, expected: Term) -> str:
    if other.group is not None and other.group == expected.group:
        return f"{prefix}, a close relative, but not the term we wanted"
    return f"{prefix}, not the term we wanted"


# The most recent decks' judges stay built: the built-in one plus each server's merged deck while its
# rounds run (bot.decks keeps 128 servers' decks built; judges are built for the typed answers only).
_JUDGES: PerObject[Deck | TermIndex, Judge] = PerObject(lambda source: Judge(source.terms), size=32)


def judge_for(source: Deck | TermIndex | Judge) -> Judge:
    """The cached Judge for a deck or term index (built on first use), or `source` if it is a Judge."""
    if isinstance(source, Judge):
        return source
    if not isinstance(source, Deck | TermIndex):
        raise TypeError(f"judge needs a Deck, TermIndex or Judge, not {type(source).__name__}")
    return _JUDGES(source)


def judge(answer: str, expected: Term, deck_or_index: Deck | TermIndex | Judge) -> Verdict:
    """Judge a typed answer against the expected term of a deck (its Judge is built once and cached)."""
    return judge_for(deck_or_index).judge(answer, expected)
