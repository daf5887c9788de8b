"""Question generation from a deck: multiple choice, true/false and typed questions.

Shared by channel quizzes, practice tests and the daily term's "Quiz me". Pure: the caller
passes the random generator, so a seeded rng gives the same questions every time.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass
from enum import StrEnum

from content.model import Deck, Term

LETTERS = ("A", "B", "C", "D")


class Kind(StrEnum):
    DEFINITION = "definition"  # term shown, pick its definition
    TERM = "term"  # definition shown, pick the term
    TRUE_FALSE = "true_false"
    TYPED = "typed"  # definition shown, type the term


class Mode(StrEnum):
    MIXED = "mixed"
    MULTIPLE_CHOICE = "multiple_choice"
    TRUE_FALSE = "true_false"
    TYPED = "typed"


MODE_KINDS: dict[Mode, tuple[Kind, ...]] = {
    # Mixed leans on multiple choice, the fairest format for a fast channel round.
    Mode.MIXED: (Kind.DEFINITION, Kind.TERM, Kind.DEFINITION, Kind.TERM, Kind.TRUE_FALSE, Kind.TYPED),
    Mode.MULTIPLE_CHOICE: (Kind.DEFINITION, Kind.TERM),
    Mode.TRUE_FALSE: (Kind.TRUE_FALSE,),
    Mode.TYPED: (Kind.TYPED,),
}


@dataclass(frozen=True, slots=True)
class Question:
    kind: Kind
    term_id: str
    prompt: str
    #: Option texts for multiple choice (A-D), ("True", "False") for true/false, () for typed.
    options: tuple[str, ...]
    #: The right choice key: "A".."D", "true"/"false", or the term id for typed questions.
    answer: str
    #: For true/false: the term whose definition the statement uses.
    shown_term_id: str | None = None

    @property
    def choice_keys(self) -> tuple[str, ...]:
        if self.kind is Kind.TRUE_FALSE:
            return ("true", "false")
        return LETTERS[: len(self.options)]

    def option_label(self, key: str) -> str:
        """What a choice key means to a person: "B: Customer Loyalty", "True"."""
        if self.kind is Kind.TRUE_FALSE:
            return "True" if key == "true" else "False"
        if key in LETTERS and LETTERS.index(key) < len(self.options):
            return f"{key}: {self.options[LETTERS.index(key)]}"
        return key


def mask_name(text: str, term: Term) -> str:
    """Hide the term's own name and aliases in a definition, so the prompt does not give it away."""
    for label in sorted((term.name, *term.aliases), key=len, reverse=True):
        if len(label) >= 3:
            text = re.sub(rf"(?i)\b{re.escape(label)}\b", "_____", text)
    return text


def distractors(deck: Deck, term: Term, count: int, rng: random.Random) -> list[Term]:
    """Other terms to offer as wrong answers: same topic first, never the term's near-synonym group."""
    eligible = [t for t in deck.terms if not deck.same_group(t, term) and t.definition != term.definition]
    same_topic = [t for t in eligible if t.topic == term.topic]
    others = [t for t in eligible if t.topic != term.topic]
    rng.shuffle(same_topic)
    rng.shuffle(others)
    picked: list[Term] = []
    for candidate in same_topic + others:
        # Two distractors from one group would be equally wrong, but also look alike; keep them varied.
        if any(deck.same_group(candidate, p) for p in picked):
            continue
        picked.append(candidate)
        if len(picked) == count:
            break
    return picked


def make_question(deck: Deck, term: Term, kind: Kind, rng: random.Random) -> Question:
    """One question about `term`. Falls back to true/false when the deck is too small for four options."""
    if kind in (Kind.DEFINITION, Kind.TERM):
        wrong = distractors(deck, term, 3, rng)
        if len(wrong) < 3:
            kind = Kind.TRUE_FALSE
        else:
            options = [term, *wrong]
            rng.shuffle(options)
            answer = LETTERS[options.index(term)]
            if kind is Kind.DEFINITION:
                texts = tuple(mask_name(o.definition, o) for o in options)
                return Question(kind, term.id, f"What does **{term.name}** mean?", texts, answer)
            prompt = f"Which term matches this definition?\n> {mask_name(term.definition, term)}"
            return Question(kind, term.id, prompt, tuple(o.name for o in options), answer)
    if kind is Kind.TRUE_FALSE:
        wrong = distractors(deck, term, 1, rng)
        truthful = not wrong or rng.random() < 0.5
        shown = term if truthful else wrong[0]
        prompt = f"True or false? **{term.name}** means:\n> {mask_name(shown.definition, shown)}"
        return Question(kind, term.id, prompt, ("True", "False"), "true" if truthful else "false", shown.id)
    prompt = f"Type the term that matches this definition:\n> {mask_name(term.definition, term)}"
    return Question(Kind.TYPED, term.id, prompt, (), term.id)


def pick_terms(pool: tuple[Term, ...] | list[Term], count: int, rng: random.Random) -> list[Term]:
    """`count` terms, all different until the pool runs out, then a fresh shuffle."""
    picked: list[Term] = []
    while len(picked) < count and pool:
        batch = list(pool)
        rng.shuffle(batch)
        picked.extend(batch[: count - len(picked)])
    return picked


def make_questions(
    deck: Deck, count: int, mode: Mode, rng: random.Random, topic: str | None = None
) -> list[Question]:
    """A round's questions: `count` terms of the topic (or all), kinds drawn for the mode."""
    return questions_about(deck, pick_terms(deck.terms_in(topic), count, rng), mode, rng)


def questions_about(deck: Deck, terms: list[Term], mode: Mode, rng: random.Random) -> list[Question]:
    """One question per term, in order, each of a kind drawn for the mode."""
    kinds = MODE_KINDS[Mode(mode)]
    return [make_question(deck, term, rng.choice(kinds), rng) for term in terms]
