"""Lookup and autocomplete rules on a small deck and on the real one."""

from __future__ import annotations

import pytest

from bot.core.answers import Judge
from bot.core.lookup import MAX_QUERY, TermIndex
from content.model import Term


@pytest.fixture(scope="module")
def index(mini_deck):
    return TermIndex(mini_deck.terms)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("clv", "customer-lifetime-value"),
        ("CLV", "customer-lifetime-value"),
        ("ltv", "customer-lifetime-value"),
        ("customer lifetime value", "customer-lifetime-value"),
        ("  Customer   LIFETIME value!! ", "customer-lifetime-value"),
        ("customer-lifetime-value", "customer-lifetime-value"),
        ("follow up", "follow-up"),
        ("followup", "follow-up"),
        ("Follow-Up", "follow-up"),
        ("nps", "net-promoter-score"),
    ],
)
def test_exact_lookup(index, query, expected):
    assert index.lookup(query).match.id == expected


@pytest.mark.parametrize(
    ("query", "first"),
    [
        ("lifetme", "customer-lifetime-value"),
        ("customr", "customer-loyalty"),
        ("retenton", "customer-retention"),
        ("promoter", "net-promoter-score"),
        ("acquisition", "customer-acquisition-cost"),
    ],
)
def test_did_you_mean(index, query, first):
    result = index.lookup(query)
    assert result.match is None and not result.corrected
    assert result.suggestions[0].id == first
    assert len(result.suggestions) <= 5


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("net promotor score", "net-promoter-score"),
        ("custmer lifetime value", "customer-lifetime-value"),
        ("custmer loyality", "customer-loyalty"),
        ("customer lifetime vale", "customer-lifetime-value"),  # Customer Lifetime Cycle is further
        ("the custmer", "customer"),
        ("loyalti programm", "loyalty-program"),
    ],
)
def test_a_typo_the_quiz_judge_forgives_finds_the_term(deck, query, expected):
    result = TermIndex(deck.terms).lookup(query)
    assert result.match is not None and result.match.id == expected
    assert result.corrected and result.suggestions == ()


@pytest.mark.parametrize(
    ("query", "first"),
    [
        ("emphaty", "empathy"),  # 2 edits in 7 letters: more than the judge forgives
        ("cusomter", "customer"),
        ("customer servicea", "customer-service"),  # one edit from two terms: the member chooses
        ("lifetme", "customer-lifetime-value"),
        ("persona", "customer-persona"),  # a whole word of a name before part of a word of others
        ("journey customer", "customer-journey"),  # all of its words matched before a longer name
        ("empathy customer", "customer-empathy"),
    ],
)
def test_did_you_mean_lists_the_closest_term_first(deck, query, first):
    result = TermIndex(deck.terms).lookup(query)
    assert result.match is None and not result.corrected
    assert result.suggestions[0].id == first


def test_lookup_and_the_quiz_judge_agree_on_every_typo(deck):
    """Every name and alias of the deck with one letter dropped or two neighbours swapped: /define shows
    a term for the typo exactly when the quiz judge would accept it as that term."""
    index, judge = TermIndex(deck.terms), Judge(deck.terms)
    checked = 0
    for term in deck.terms:
        for label in (term.name, *term.aliases):
            typos = {label[:i] + label[i + 1 :] for i in range(len(label))}
            typos |= {label[:i] + label[i + 1] + label[i] + label[i + 2 :] for i in range(len(label) - 1)}
            for typo in typos:
                result = index.lookup(typo)
                if result.corrected:
                    assert judge.judge(typo, result.match).correct, (typo, result.match.name)
                    checked += 1
                elif result.match is None and judge.judge(typo, term).correct:
                    raise AssertionError(f"{typo!r}: the judge accepts it as {term.name}, /define does not")
    assert checked > 1000


def test_prefix_before_substring_before_fuzzy(index):
    names = [t.name for t in index.search("cust")]
    assert names[:4] == [
        "Customer Acquisition Cost",
        "Customer Lifetime Value",
        "Customer Loyalty",
        "Customer Retention",
    ]
    assert [t.id for t in index.search("value")] == ["customer-lifetime-value"]


def test_empty_unknown_and_overlong(index):
    assert index.search("") == [] and index.search("   ") == []
    assert index.lookup("zzqxj").suggestions == ()
    assert index.lookup("x" * 500).match is None
    assert index.lookup("c" * (MAX_QUERY + 1)).match is None
    assert len(index.complete("")) == len(index.terms)


def test_emoji_and_other_scripts_do_not_crash(index):
    assert index.search("💥🤝") == []
    assert index.search("عميل") == []
    assert index.lookup("Café").match is None


def test_limit_is_respected():
    terms = [Term(f"t{i}", f"Customer thing {i}", "A definition long enough to pass.", "x") for i in range(100)]
    index = TermIndex(terms)
    assert len(index.complete("customer", limit=25)) == 25
    assert len(index.complete("", limit=25)) == 25


def test_every_name_and_alias_of_the_real_deck_finds_its_term(deck):
    index = TermIndex(deck.terms)
    for term in deck.terms:
        for label in (term.name, *term.aliases):
            assert index.lookup(label).match is term, label
        assert index.complete(term.name)[0] is term
