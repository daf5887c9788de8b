"""Validation of deck data files: every problem names the file, the entry and what is wrong."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from content.model import Deck, ListQuestion, OpenQuestion, Term, Topic
from content.text import normalize

SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
NAME_MAX = 80  # leaves room in Discord's 100-character choice names
DEFINITION_MIN, DEFINITION_MAX = 30, 600
EXAMPLE_MAX = 400


class DeckError(ValueError):
    """A deck file (or several) is invalid. `problems` lists every problem found."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("\n".join(problems))


@dataclass
class _Checker:
    problems: list[str] = field(default_factory=list)

    def fail(self, where: str, message: str) -> None:
        self.problems.append(f"{where}: {message}")


def _where(source: str, kind: str, index: int, entry: Any) -> str:
    ident = entry.get("id") if isinstance(entry, dict) else None
    label = f"{kind} #{index + 1}" + (f" '{ident}'" if ident else "")
    return f"{source}: {label}"


def _text(c: _Checker, where: str, entry: dict, key: str, *, required: bool = True, max_len: int = 0):
    value = entry.get(key)
    if value is None:
        if required:
            c.fail(where, f"missing field '{key}'")
        return None
    if not isinstance(value, str) or not value.strip():
        c.fail(where, f"'{key}' must be non-empty text")
        return None
    value = " ".join(value.split())
    if max_len and len(value) > max_len:
        c.fail(where, f"'{key}' is {len(value)} characters; the limit is {max_len}")
    return value


def _str_list(c: _Checker, where: str, entry: dict, key: str, *, required: bool = False) -> tuple[str, ...]:
    value = entry.get(key)
    if value is None:
        if required:
            c.fail(where, f"missing field '{key}'")
        return ()
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        c.fail(where, f"'{key}' must be a list of non-empty texts")
        return ()
    return tuple(" ".join(v.split()) for v in value)


def _keys(c: _Checker, where: str, entry: dict, allowed: set[str]) -> None:
    unknown = sorted(set(entry) - allowed)
    if unknown:
        c.fail(where, f"unknown field(s) {', '.join(unknown)} (allowed: {', '.join(sorted(allowed))})")


def _entries(c: _Checker, source: str, doc: Any, key: str) -> list:
    if not isinstance(doc, dict) or not isinstance(doc.get(key), list):
        c.fail(source, f"expected a mapping with a '{key}:' list at the top")
        return []
    return doc[key]


def _slug(c: _Checker, where: str, entry: dict) -> str | None:
    ident = entry.get("id")
    if ident is None:
        c.fail(where, "missing field 'id'")
        return None
    if not isinstance(ident, str) or not SLUG.match(ident):
        c.fail(where, f"id {ident!r} must be a slug (lowercase letters, digits and single hyphens)")
        return None
    return ident


TERM_KEYS = {"id", "name", "aliases", "definition", "example", "related", "group", "topic"}
TOPIC_KEYS = {"id", "name", "description"}
OPEN_KEYS = {"id", "prompt", "topic", "model_answer", "key_points", "related"}
LIST_KEYS = {"id", "prompt", "topic", "items", "note", "related"}


def build_deck(
    name: str,
    *,
    topics: list[tuple[str, Any]],
    terms: list[tuple[str, Any]],
    open_questions: list[tuple[str, Any]] = (),
    list_questions: list[tuple[str, Any]] = (),
) -> Deck:
    """Validate parsed YAML documents (each paired with its file name) and build a Deck.

    Raises DeckError listing every problem, so a teacher can fix a file in one go.
    """
    c = _Checker()
    topic_objs: dict[str, Topic] = {}
    for source, doc in topics:
        for i, entry in enumerate(_entries(c, source, doc, "topics")):
            where = _where(source, "topic", i, entry)
            if not isinstance(entry, dict):
                c.fail(where, "expected a mapping")
                continue
            _keys(c, where, entry, TOPIC_KEYS)
            ident = _slug(c, where, entry)
            tname = _text(c, where, entry, "name", max_len=40)
            desc = _text(c, where, entry, "description", required=False, max_len=200) or ""
            if ident and ident in topic_objs:
                c.fail(where, f"duplicate topic id '{ident}'")
            elif ident and tname:
                topic_objs[ident] = Topic(ident, tname, desc)

    term_objs: list[Term] = []
    seen: dict[str, str] = {}
    for source, doc in terms:
        file_topic = doc.get("topic") if isinstance(doc, dict) else None
        for i, entry in enumerate(_entries(c, source, doc, "terms")):
            where = _where(source, "term", i, entry)
            if not isinstance(entry, dict):
                c.fail(where, "expected a mapping")
                continue
            _keys(c, where, entry, TERM_KEYS)
            ident = _slug(c, where, entry)
            tname = _text(c, where, entry, "name", max_len=NAME_MAX)
            definition = _text(c, where, entry, "definition", max_len=DEFINITION_MAX)
            example = _text(c, where, entry, "example", required=False, max_len=EXAMPLE_MAX)
            topic = entry.get("topic", file_topic)
            group = entry.get("group")
            if definition:
                if len(definition) < DEFINITION_MIN:
                    c.fail(
                        where, f"definition is too short ({len(definition)} characters; at least {DEFINITION_MIN})"
                    )
                if not definition.endswith((".", "!", "?", ".)", '."')):
                    c.fail(where, "definition looks cut off: it must end with a full stop")
            if example and not example.endswith((".", "!", "?", '."', ".)")):
                c.fail(where, "example must end with a full stop")
            if not topic:
                c.fail(where, "missing field 'topic' (set it on the term or at the top of the file)")
            elif topic not in topic_objs:
                c.fail(where, f"unknown topic '{topic}'")
            if group is not None and (not isinstance(group, str) or not SLUG.match(group)):
                c.fail(where, f"group {group!r} must be a slug")
            if ident:
                if ident in seen:
                    c.fail(where, f"duplicate id '{ident}' (first in {seen[ident]})")
                seen[ident] = source
            if ident and tname and definition and topic:
                term_objs.append(
                    Term(
                        id=ident,
                        name=tname,
                        definition=definition,
                        topic=topic,
                        aliases=_str_list(c, where, entry, "aliases"),
                        example=example,
                        related=_str_list(c, where, entry, "related"),
                        group=group,
                    )
                )

    ids = set(seen)  # every id written, so one broken entry does not make its neighbours fail too
    # Every name and alias must lead to exactly one term, or lookups become ambiguous.
    owner: dict[str, str] = {}
    for term in term_objs:
        keys = {normalize(term.name)} | {normalize(a) for a in term.aliases}
        for key in keys:
            if not key:
                c.fail(f"term '{term.id}'", "a name or alias has no letters or digits")
            elif key in owner and owner[key] != term.id:
                c.fail(f"term '{term.id}'", f"name or alias '{key}' is also used by '{owner[key]}'")
            else:
                owner[key] = term.id
        for rel in term.related:
            if rel not in ids:
                c.fail(f"term '{term.id}'", f"related term '{rel}' does not exist")
            elif rel == term.id:
                c.fail(f"term '{term.id}'", "a term cannot be related to itself")

    opens = _questions(c, open_questions, "open question", OPEN_KEYS, topic_objs, ids, kind="open")
    lists = _questions(c, list_questions, "list question", LIST_KEYS, topic_objs, ids, kind="list")
    qids = [q.id for q in (*opens, *lists)]
    for dup in sorted({q for q in qids if qids.count(q) > 1} | (set(qids) & ids)):
        c.fail(
            f"question '{dup}'", "id is used twice (question ids must differ from each other and from term ids)"
        )

    if not term_objs and not c.problems:
        c.fail(name, "the deck has no terms")
    if c.problems:
        raise DeckError(c.problems)
    used = {t.topic for t in term_objs} | {q.topic for q in (*opens, *lists)}
    return Deck(
        name=name,
        topics=tuple(t for t in topic_objs.values() if t.id in used),
        terms=tuple(sorted(term_objs, key=lambda t: t.name.casefold())),
        open_questions=tuple(opens),
        list_questions=tuple(lists),
    )


def _questions(c, docs, kind_label, allowed, topics, term_ids, *, kind):
    out = []
    for source, doc in docs:
        for i, entry in enumerate(_entries(c, source, doc, "questions")):
            where = _where(source, kind_label, i, entry)
            if not isinstance(entry, dict):
                c.fail(where, "expected a mapping")
                continue
            _keys(c, where, entry, allowed)
            ident = _slug(c, where, entry)
            prompt = _text(c, where, entry, "prompt", max_len=200)
            topic = entry.get("topic")
            if topic not in topics:
                c.fail(where, f"unknown or missing topic {topic!r}")
            related = _str_list(c, where, entry, "related")
            for rel in related:
                if rel not in term_ids:
                    c.fail(where, f"related term '{rel}' does not exist")
            if kind == "open":
                answer = _text(c, where, entry, "model_answer", max_len=1500)
                points = _str_list(c, where, entry, "key_points", required=True)
                if entry.get("key_points") is not None and not points:
                    c.fail(where, "'key_points' needs at least one point")
                if ident and prompt and answer and points and topic in topics:
                    out.append(OpenQuestion(ident, prompt, topic, answer, points, related))
            else:
                items = _str_list(c, where, entry, "items", required=True)
                note = _text(c, where, entry, "note", required=False, max_len=300)
                if entry.get("items") is not None and len(items) < 2:
                    c.fail(where, "'items' needs at least two items")
                if ident and prompt and len(items) >= 2 and topic in topics:
                    out.append(ListQuestion(ident, prompt, topic, items, note, related))
    return out
