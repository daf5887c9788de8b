"""The shipped Customer Relations deck: complete, consistent, and covering every seed."""

from __future__ import annotations

from collections import Counter

import pytest

from bot.core.lookup import TermIndex
from content.text import compact, normalize
from tests.content.seed_terms import SEED_003_PROMPT_QUESTION_IDS, SEED_PROMPT_QUESTION_IDS, SEED_TERMS

ACRONYMS = {
    "CLV": "customer-lifetime-value",
    "CRM": "customer-relationship-management",
    "NPS": "net-promoter-score",
}


def test_deck_loads_with_every_kind_of_content(deck):
    assert len(deck.terms) >= 150
    assert len(deck.open_questions) == 15
    assert len(deck.list_questions) == 5
    assert 8 <= len(deck.topics) <= 12


def test_ids_are_unique(deck):
    ids = [t.id for t in deck.terms] + [q.id for q in deck.questions]
    assert [i for i, n in Counter(ids).items() if n > 1] == []


def test_every_alias_resolves_to_exactly_one_term(deck):
    owners: dict[str, set[str]] = {}
    for term in deck.terms:
        for label in (term.name, *term.aliases):
            owners.setdefault(compact(label), set()).add(term.id)
    assert {k: v for k, v in owners.items() if len(v) > 1} == {}
    index = TermIndex(deck.terms)
    for term in deck.terms:
        for alias in term.aliases:
            assert index.lookup(alias).match is term, alias


@pytest.mark.parametrize("acronym", ["CLV", "CRM", "NPS", "KPI", "SLA", "CAC", "FAQ"])
def test_acronyms_resolve(deck, acronym):
    match = TermIndex(deck.terms).lookup(acronym.lower()).match
    assert match is not None, acronym
    if acronym in ACRONYMS:
        assert match.id == ACRONYMS[acronym]


def test_no_empty_or_truncated_definition(deck):
    for term in deck.terms:
        text = term.definition
        assert len(text) >= 40, term.id
        assert text.endswith("."), f"{term.id}: {text[-30:]!r}"
        assert text[0].isupper() or text[0].isdigit(), term.id
        assert not text.rstrip(".").endswith((" the", " a", " of", " and", " or")), term.id
        assert normalize(text).split()[:3] != normalize(term.name).split()[:3], f"{term.id} restates its name"
        if term.example:
            assert term.example.endswith((".", "!", "?", '."')), term.id


def test_every_term_has_a_known_topic_and_valid_links(deck):
    topic_ids = {t.id for t in deck.topics}
    for term in deck.terms:
        assert term.topic in topic_ids
        assert all(deck.get(r) is not None for r in term.related)
    for topic in deck.topics:
        assert len(deck.terms_in(topic.id)) >= 6, topic.id


def test_groups_have_at_least_two_members(deck):
    sizes = Counter(t.group for t in deck.terms if t.group)
    assert sizes and all(n >= 2 for n in sizes.values()), sizes


@pytest.mark.parametrize("seed", sorted(SEED_TERMS))
def test_every_seed_term_resolves(deck, seed):
    index = TermIndex(deck.terms)
    missing = [name for name in SEED_TERMS[seed] if index.lookup(name).match is None]
    assert missing == []


def test_seed_lists_are_complete(deck):
    # A few spot checks, independent of seed_terms.py, against the seed files themselves.
    index = TermIndex(deck.terms)
    for name in (
        "Customer Lifetime Value (CLV)",
        "Net Promoter Score (NPS)",
        "customer attributes",
        "Data-Mining",
        "Customer Centric",
        "Customer-Centric",
        "Emotional Intelligence",
        "Service Recovery",
    ):
        assert index.lookup(name).match is not None, name
    assert index.lookup("Customer Centric").match is index.lookup("Customer-Centric").match


def test_every_seed_prompt_has_its_question(deck):
    questions = {q.id: q for q in deck.questions}
    for prompt, qid in {**SEED_PROMPT_QUESTION_IDS, **SEED_003_PROMPT_QUESTION_IDS}.items():
        assert qid in questions, prompt
    lists = {q.id: q for q in deck.list_questions}
    assert lists["list-customer-needs"].items == ("Service", "Price", "Quality", "Action", "Appreciation")
    assert len(lists["list-costs-of-losing-a-customer"].items) == 4
    for question in deck.open_questions:
        assert 3 <= len(question.key_points) <= 6 and question.model_answer.endswith(".")
