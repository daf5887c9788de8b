"""The typed-answer judge on the real Customer Relations deck: what it accepts, what it rejects, and why."""

from __future__ import annotations

import dataclasses
import random

import pytest
from rapidfuzz.distance import OSA

from bot.core import answers
from bot.core.answers import (
    ACRONYM,
    ALIAS,
    EMPTY,
    EXACT,
    EXTRA_WORDS,
    MAX_LENGTH_CHANGE,
    NO_LETTERS,
    NOT_QUITE,
    TOO_LONG,
    TOO_SHORT,
    TYPO,
    Judge,
    Verdict,
    answer_key,
    judge,
    judge_for,
    typo_budget,
)
from bot.core.lookup import TermIndex
from content.model import Term

CAC_NOT_WANTED = "That is Customer Acquisition Cost, not the term we wanted"

# (answer, expected term id, correct, reason, id of the term the answer was recognised as)
CASES = [
    # Case, spacing, punctuation, hyphens, articles and "&" never matter.
    ("Customer Lifetime Value", "customer-lifetime-value", True, EXACT, "customer-lifetime-value"),
    ("  CUSTOMER   lifetime-VALUE!! ", "customer-lifetime-value", True, EXACT, "customer-lifetime-value"),
    ("customer lifetime value.", "customer-lifetime-value", True, EXACT, "customer-lifetime-value"),
    ("follow up", "follow-up", True, EXACT, "follow-up"),
    ("followup", "follow-up", True, EXACT, "follow-up"),
    ("Follow-Up", "follow-up", True, EXACT, "follow-up"),
    ("The Customer Journey", "customer-journey", True, EXACT, "customer-journey"),
    ("a customer persona", "customer-persona", True, EXACT, "customer-persona"),
    ("an inquiry", "inquiry", True, EXACT, "inquiry"),
    ("Upselling & Cross-selling", "upselling-and-cross-selling", True, EXACT, "upselling-and-cross-selling"),
    ("upselling and cross selling", "upselling-and-cross-selling", True, EXACT, "upselling-and-cross-selling"),
    ("Customer Lifetime Value (CLV)", "customer-lifetime-value", True, EXACT, "customer-lifetime-value"),
    # Acronyms and other aliases of the expected term.
    ("CLV", "customer-lifetime-value", True, ACRONYM, "customer-lifetime-value"),
    ("ltv", "customer-lifetime-value", True, ACRONYM, "customer-lifetime-value"),
    ("nps", "net-promoter-score", True, ACRONYM, "net-promoter-score"),
    ("KPIs", "key-performance-indicators", True, ACRONYM, "key-performance-indicators"),
    ("Lifetime Value", "customer-lifetime-value", True, ALIAS, "customer-lifetime-value"),
    ("Customer Attrition", "customer-churn", True, ALIAS, "customer-churn"),
    ("Guarantee", "warranty", True, ALIAS, "warranty"),
    ("Personalisation", "personalization", True, ALIAS, "personalization"),
    ("cross sell", "cross-selling", True, ALIAS, "cross-selling"),
    # Small typos, scaled to the answer's length (swapped letters count as one edit).
    ("custmer lifetime value", "customer-lifetime-value", True, TYPO, "customer-lifetime-value"),
    ("customer lifetme valeu", "customer-lifetime-value", True, TYPO, "customer-lifetime-value"),
    ("emapthy", "empathy", True, TYPO, "empathy"),
    ("folow up", "follow-up", True, TYPO, "follow-up"),
    ("Net Promotor Score", "net-promoter-score", True, TYPO, "net-promoter-score"),
    ("Data Minning", "data-mining", True, TYPO, "data-mining"),
    ("leads", "lead", True, TYPO, "lead"),
    ("externl customers", "external-customers", True, TYPO, "external-customers"),
    # No typos at all in answers of 4 characters or less.
    ("led", "lead", False, NOT_QUITE, None),
    ("mach", "match", False, NOT_QUITE, None),
    ("npss", "net-promoter-score", False, NOT_QUITE, None),
    # Unicode and emoji: accents fold, symbols are ignored.
    ("Customer Relatíons", "customer-relations", True, EXACT, "customer-relations"),
    ("🎉 Customer Service 🎉", "customer-service", True, EXACT, "customer-service"),
    ("🙂🙂", "customer-service", False, NO_LETTERS, None),
    ("顧客サービス", "customer-service", False, "Not quite", None),  # letters, of another script
    # Empty, whitespace-only and very long answers.
    ("", "customer-service", False, EMPTY, None),
    ("   \t\n ", "customer-service", False, EMPTY, None),
    ("x" * 600, "customer-service", False, TOO_LONG, None),
    ("customer service " * 40, "customer-service", False, TOO_LONG, None),
    # Another term of the deck, named exactly: say which one.
    ("CAC", "customer-lifetime-value", False, CAC_NOT_WANTED, "customer-acquisition-cost"),
    ("customer acquisition cost", "customer-lifetime-value", False, CAC_NOT_WANTED, "customer-acquisition-cost"),
    (
        "customer retention",
        "customer-relations",
        False,
        "That is Customer Retention, not the term we wanted",
        "customer-retention",
    ),
    # Within typo distance of the expected term (2 and 3 edits), but exactly another term.
    (
        "internal customers",
        "external-customers",
        False,
        "That is Internal Customers, not the term we wanted",
        "internal-customers",
    ),
    (
        "Firmographic Information",
        "demographic-information",
        False,
        "That is Firmographic Information, not the term we wanted",
        "firmographic-information",
    ),
    # Same near-synonym group: still wrong, but called a close relative.
    ("client", "customer", False, "That is Client, a close relative, but not the term we wanted", "client"),
    (
        "Retention",
        "customer-loyalty",
        False,
        "That is Customer Retention, a close relative, but not the term we wanted",
        "customer-retention",
    ),
    (
        "Churn Rate",
        "customer-churn",
        False,
        "That is Customer Churn Rate, a close relative, but not the term we wanted",
        "customer-churn-rate",
    ),
    ("Mirroring", "match", False, "That is Mirror, a close relative, but not the term we wanted", "mirror"),
    # A typo closer to another term than to the expected one, or as close to both.
    (
        "internl customers",
        "external-customers",
        False,
        "That looks like Internal Customers, not the term we wanted",
        "internal-customers",
    ),
    (
        "customer retentions",
        "customer-relations",
        False,
        "That looks like Customer Retention, not the term we wanted",
        "customer-retention",
    ),
    (
        "customer advocacy programs",
        "customer-advocacy",
        False,
        "That looks like Customer Advocacy Program, a close relative, but not the term we wanted",
        "customer-advocacy-program",
    ),
    (
        "enternal customers",
        "external-customers",
        False,
        "Close, but it could also be Internal Customers: check the spelling",
        None,
    ),
    (
        "customer service q",
        "customer-service",
        False,
        "Close, but it could also be Customer Service Quality Assurance: check the spelling",
        None,
    ),
    # Partial answers, even when the part is itself a term.
    ("customer", "customer-lifetime-value", False, TOO_SHORT, "customer"),
    ("customer lifetime", "customer-lifetime-value", False, TOO_SHORT, None),
    ("Complaint", "complaint-handling", False, TOO_SHORT, "complaint"),
    ("Customer Churn", "customer-churn-rate", False, TOO_SHORT, "customer-churn"),
    # Longer phrases are not the term, even when the extra letters are few.
    ("customer lifetime value program", "customer-lifetime-value", False, EXTRA_WORDS, None),
    ("customer relationship", "customer-relations", False, EXTRA_WORDS, None),
    ("Café customer service", "customer-service", False, EXTRA_WORDS, None),
    # A longer term that contains the expected one is that other term.
    (
        "Customer Service Training",
        "customer-service",
        False,
        "That is Customer Service Training, not the term we wanted",
        "customer-service-training",
    ),
    # Nothing like it.
    ("xqzvkj", "customer-service", False, NOT_QUITE, None),
    ("the", "customer-service", False, NOT_QUITE, None),
]


@pytest.mark.parametrize(("answer", "expected", "correct", "reason", "matched"), CASES)
def test_judge_table(deck, answer, expected, correct, reason, matched):
    verdict = judge(answer, deck.get(expected), deck)
    assert (verdict.correct, verdict.reason) == (correct, reason)
    assert (verdict.matched.id if verdict.matched else None) == matched


def test_table_is_big_and_uses_real_terms(deck):
    assert len(CASES) >= 40
    assert all(deck.get(expected) is not None for _a, expected, *_ in CASES)
    assert {correct for _a, _e, correct, *_ in CASES} == {True, False}


def test_every_real_term_is_accepted_under_each_of_its_names_and_never_for_another(deck):
    for term in deck.terms:
        for label in (term.name, term.name.upper(), *term.aliases, *(f"{term.name} ({a})" for a in term.aliases)):
            verdict = judge(label, term, deck)
            assert verdict.correct, (label, verdict)
            assert verdict.matched is term
    for term in deck.terms:
        for other in deck.terms:
            if other is not term:
                assert not judge(other.name, term, deck).correct, (other.name, term.name)


def test_typo_budget_grows_with_length():
    assert [typo_budget(n) for n in (1, 4, 5, 8, 9, 16, 17, 80)] == [0, 0, 1, 1, 2, 2, 3, 3]


def test_answer_key_folds_spelling_differences():
    keys = {answer_key(s) for s in ("follow up", "Follow-Up", "followup", "the follow up!", "  FOLLOW   up ")}
    assert keys == {"followup"}
    assert answer_key("Upselling & Cross-selling") == answer_key("upselling and cross selling")
    assert answer_key("the") == "the"  # an article alone is kept, not turned into nothing


def _reference(judge_: Judge, answer: str, expected: Term) -> bool:
    """The acceptance rule written the slow, obvious way: every key of the deck is scored."""
    key = answer_key(answer)
    own = [k for k, _kind in judge_._keys_of[expected.id]]
    if key in own:
        return True
    others = [k for k, owners in judge_._owners.items() if any(judge_.terms[i].id != expected.id for i in owners)]
    if key in others:
        return False
    budget = typo_budget(len(key))
    near = [OSA.distance(key, k) for k in own if abs(len(k) - len(key)) <= MAX_LENGTH_CHANGE]
    if not budget or not near or min(near) > budget:
        return False
    return all(OSA.distance(key, k) > min(near) for k in others)


# Terms a few letters apart, where a typo of one is easily as close to the other.
NEIGHBOURS = [
    ("external-customers", "internal-customers"),
    ("demographic-information", "firmographic-information"),
    ("customer-service", "customer-service-quality-assurance"),
    ("customer-churn", "customer-churn-rate"),
    ("customer-advocacy", "customer-advocacy-program"),
]


def test_fast_rule_agrees_with_scoring_every_key(deck):
    # The piece index must find every other term a typo is as close to: compare on thousands of typos.
    rng = random.Random(5)
    judge_ = judge_for(deck)
    letters = "abcdeilmnorstuv"
    checked = 0
    for n in range(3000):
        pair = [deck.get(i) for i in rng.choice(NEIGHBOURS)]
        rng.shuffle(pair)
        term = pair[0] if n % 3 == 0 else rng.choice(deck.terms)
        chars = list(rng.choice([term.name, *term.aliases]).lower())
        for _edit in range(rng.randint(1, 3)):
            i = rng.randrange(len(chars))
            op = rng.randrange(4)
            if op == 0 and len(chars) > 1:
                del chars[i]
            elif op == 1:
                chars.insert(i, rng.choice(letters))
            elif op == 2:
                chars[i] = rng.choice(letters)
            elif i + 1 < len(chars):
                chars[i], chars[i + 1] = chars[i + 1], chars[i]
        answer = "".join(chars)
        # A typo of a close neighbour, of the expected term itself, or of some other term.
        expected = pair[1] if n % 3 == 0 else term if n % 3 == 1 else rng.choice(deck.terms)
        if answer_key(answer):
            assert judge(answer, expected, deck).correct == _reference(judge_, answer, expected), answer
            checked += 1
    assert checked > 2500


def test_deck_index_and_judge_give_the_same_verdicts(deck):
    index = TermIndex(deck.terms)
    built = Judge(deck.terms)
    term = deck.get("customer-lifetime-value")
    for answer in ("clv", "custmer lifetime value", "CAC", "customer"):
        assert judge(answer, term, deck) == judge(answer, term, index) == judge(answer, term, built)


def test_judge_is_built_once_per_deck_and_cached(deck):
    assert judge_for(deck) is judge_for(deck)
    index = TermIndex(deck.terms)
    assert judge_for(index) is judge_for(index)
    assert judge_for(index) is not judge_for(deck)
    built = Judge(deck.terms)
    assert judge_for(built) is built


def test_cache_is_bounded(deck):
    indexes = [TermIndex(deck.terms[:3]) for _ in range(answers._JUDGES.size + 3)]
    for index in indexes:
        judge_for(index)
    assert len(answers._JUDGES) <= answers._JUDGES.size
    assert judge_for(indexes[-1]).terms == deck.terms[:3]


def test_rejects_other_sources():
    with pytest.raises(TypeError):
        judge_for(["not", "a", "deck"])  # type: ignore[arg-type]


def test_expected_term_outside_the_deck_is_judged_on_its_own_names(deck):
    stranger = Term(id="net-revenue-retention", name="Net Revenue Retention", definition="...", topic="metrics")
    assert judge("net revenue retention", stranger, deck) == Verdict(True, EXACT, stranger)
    assert judge("net revenue retenton", stranger, deck).correct
    assert judge("customer retention", stranger, deck).matched == deck.get("customer-retention")


def test_very_long_input_near_the_limit_is_judged_without_error(deck):
    term = deck.get("customer-service")
    almost = "customer service " * 11  # 187 characters: under the limit, so it is fully judged
    verdict = judge(almost, term, deck)
    assert not verdict.correct
    assert verdict.reason == EXTRA_WORDS


def test_verdict_is_frozen():
    verdict = Verdict(True, EXACT)
    with pytest.raises(dataclasses.FrozenInstanceError):
        verdict.correct = False  # type: ignore[misc]
