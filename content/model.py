"""The content types every feature draws from: terms, topics and study questions."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class Topic:
    id: str
    name: str
    description: str = ""


@dataclass(frozen=True, slots=True)
class Term:
    """One vocabulary entry: a name, the other names it goes by, and what it means."""

    id: str
    name: str
    definition: str
    topic: str
    aliases: tuple[str, ...] = ()
    example: str | None = None
    related: tuple[str, ...] = ()
    #: Near-synonym group: terms sharing it are never offered against each other in a quiz.
    group: str | None = None


@dataclass(frozen=True, slots=True)
class OpenQuestion:
    """A performance-indicator prompt ("Handle customer complaints.") with a model answer."""

    id: str
    prompt: str
    topic: str
    model_answer: str
    key_points: tuple[str, ...]
    related: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class ListQuestion:
    """A "List five needs of any customer." card with its items."""

    id: str
    prompt: str
    topic: str
    items: tuple[str, ...]
    note: str | None = None
    related: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Deck:
    """A validated set of terms and questions. Build one with `content.load_deck()`."""

    name: str
    topics: tuple[Topic, ...]
    terms: tuple[Term, ...]
    open_questions: tuple[OpenQuestion, ...] = ()
    list_questions: tuple[ListQuestion, ...] = ()
    _by_id: dict[str, Term] = field(default_factory=dict, repr=False, compare=False)
    _topics: dict[str, Topic] = field(default_factory=dict, repr=False, compare=False)

    def __post_init__(self) -> None:
        self._by_id.update((t.id, t) for t in self.terms)
        self._topics.update((t.id, t) for t in self.topics)

    def get(self, term_id: str) -> Term | None:
        """The term with this id, or None."""
        return self._by_id.get(term_id)

    def topic(self, topic_id: str) -> Topic | None:
        return self._topics.get(topic_id)

    def topic_name(self, topic_id: str) -> str:
        found = self._topics.get(topic_id)
        return found.name if found else topic_id

    def terms_in(self, topic_id: str | None) -> tuple[Term, ...]:
        """All terms of one topic, or every term when topic_id is None."""
        if topic_id is None:
            return self.terms
        return tuple(t for t in self.terms if t.topic == topic_id)

    def same_group(self, a: Term, b: Term) -> bool:
        """True when a and b must never compete in a multiple-choice question."""
        return a.id == b.id or (a.group is not None and a.group == b.group)

    @property
    def questions(self) -> tuple[OpenQuestion | ListQuestion, ...]:
        return (*self.open_questions, *self.list_questions)

    def study_cards(self) -> tuple[Term | OpenQuestion | ListQuestion, ...]:
        """Every term and question once, in study order: topic by topic, a topic's terms and then its
        indicator and list questions; anything whose topic is not listed comes last."""
        ordered: dict[str, Term | OpenQuestion | ListQuestion] = {}
        for topic in self.topics:
            for card in (*self.terms_in(topic.id), *(q for q in self.questions if q.topic == topic.id)):
                ordered[card.id] = card
        for card in (*self.terms, *self.questions):
            ordered.setdefault(card.id, card)
        return tuple(ordered.values())

    @staticmethod
    def merged(name: str, decks: Iterable[Deck]) -> Deck:
        """One deck holding the terms of several (ids must not collide)."""
        decks = list(decks)
        return Deck(
            name=name,
            topics=tuple(t for d in decks for t in d.topics),
            terms=tuple(t for d in decks for t in d.terms),
            open_questions=tuple(q for d in decks for q in d.open_questions),
            list_questions=tuple(q for d in decks for q in d.list_questions),
        )
