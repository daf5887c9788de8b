"""A bad deck file is rejected with the file name, the entry and what is wrong."""

from __future__ import annotations

import shutil

import pytest
import yaml

import content
from tests.conftest import MINI_DECK


@pytest.fixture
def deck_dir(tmp_path):
    target = tmp_path / "deck"
    shutil.copytree(MINI_DECK, target)
    return target


def edit_terms(deck_dir, name, change):
    path = deck_dir / "terms" / name
    doc = yaml.safe_load(path.read_text())
    change(doc["terms"])
    path.write_text(yaml.safe_dump(doc, sort_keys=False))


def problems(deck_dir) -> list[str]:
    with pytest.raises(content.DeckError) as info:
        content.load_deck_from(deck_dir)
    return info.value.problems


def test_the_mini_deck_loads(mini_deck):
    assert {t.id for t in mini_deck.terms} >= {"customer-lifetime-value", "follow-up"}
    assert mini_deck.get("customer-lifetime-value").aliases == ("CLV", "LTV")
    assert mini_deck.get("nope") is None
    assert len(mini_deck.open_questions) == 1 and len(mini_deck.list_questions) == 1


def test_missing_field_names_file_entry_and_field(deck_dir):
    edit_terms(deck_dir, "metrics.yaml", lambda terms: terms[1].pop("definition"))
    found = problems(deck_dir)
    assert found == ["terms/metrics.yaml: term #2 'customer-acquisition-cost': missing field 'definition'"]


def test_duplicate_id_is_reported_with_both_files(deck_dir):
    edit_terms(deck_dir, "loyalty.yaml", lambda terms: terms[2].update(id="customer-lifetime-value"))
    found = problems(deck_dir)
    assert any("terms/metrics.yaml" in p and "duplicate id 'customer-lifetime-value'" in p for p in found), found


def test_truncated_definition_is_rejected(deck_dir):
    edit_terms(
        deck_dir,
        "loyalty.yaml",
        lambda terms: terms[0].update(definition="The provision of service to customers before"),
    )
    assert any("cut off" in p and "customer-loyalty" in p for p in problems(deck_dir))


def test_alias_shared_by_two_terms_is_rejected(deck_dir):
    edit_terms(deck_dir, "loyalty.yaml", lambda terms: terms[0].update(aliases=["clv"]))
    assert any("'clv' is also used by" in p for p in problems(deck_dir))


def test_unknown_keys_topics_and_related_are_rejected(deck_dir):
    def change(terms):
        terms[0]["colour"] = "red"
        terms[1]["topic"] = "astrology"
        terms[2]["related"] = ["nope"]

    edit_terms(deck_dir, "loyalty.yaml", change)
    found = problems(deck_dir)
    assert any("unknown field(s) colour" in p for p in found)
    assert any("unknown topic 'astrology'" in p for p in found)
    assert any("related term 'nope' does not exist" in p for p in found)


def test_invalid_yaml_reports_the_line(deck_dir):
    (deck_dir / "terms" / "metrics.yaml").write_text("topic: metrics\nterms:\n  - id: [unclosed\n")
    found = problems(deck_dir)
    assert len(found) == 1 and found[0].startswith("terms/metrics.yaml (line") and "not valid YAML" in found[0]


def test_wrong_shape_is_explained(deck_dir):
    (deck_dir / "terms" / "metrics.yaml").write_text("- just a list\n")
    assert any("expected a mapping with a 'terms:' list" in p for p in problems(deck_dir))


def test_bad_slug_and_question_problems(deck_dir):
    edit_terms(deck_dir, "loyalty.yaml", lambda terms: terms[0].update(id="Customer Loyalty!"))
    qpath = deck_dir / "questions" / "lists.yaml"
    qpath.write_text(
        "questions:\n  - id: list-x\n    prompt: List one thing.\n    topic: loyalty\n    items: [Only]\n"
    )
    found = problems(deck_dir)
    assert any("must be a slug" in p for p in found)
    assert any(
        "questions/lists.yaml: list question #1 'list-x': 'items' needs at least two items" == p for p in found
    )
