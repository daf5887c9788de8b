"""The shared content module: the built-in Customer Relations deck and its loader.

import content
deck = content.load_deck()
deck.get("customer-lifetime-value").definition
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import yaml

from content.model import Deck, ListQuestion, OpenQuestion, Term, Topic
from content.schema import DeckError, build_deck

DATA_DIR = Path(__file__).with_name("data")
BUILTIN_DECK_NAME = "Customer Relations"

__all__ = [
    "BUILTIN_DECK_NAME",
    "DATA_DIR",
    "Deck",
    "DeckError",
    "ListQuestion",
    "OpenQuestion",
    "Term",
    "Topic",
    "build_deck",
    "load_deck",
    "load_deck_from",
]


def _read(path: Path, root: Path) -> tuple[str, object]:
    label = str(path.relative_to(root))
    try:
        with path.open(encoding="utf-8") as fh:
            return label, yaml.safe_load(fh)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        at = f" (line {mark.line + 1})" if mark is not None else ""
        raise DeckError([f"{label}{at}: not valid YAML: {getattr(exc, 'problem', exc)}"]) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise DeckError([f"{label}: cannot be read: {exc}"]) from None


def load_deck_from(root: Path, name: str = BUILTIN_DECK_NAME) -> Deck:
    """Load and validate a deck folder laid out like content/data/.

    topics.yaml, terms/*.yaml, questions/performance_indicators.yaml, questions/lists.yaml.
    """
    root = Path(root)
    if not (root / "topics.yaml").is_file():
        raise DeckError([f"{root}: no topics.yaml found"])
    topics = [_read(root / "topics.yaml", root)]
    terms = [_read(p, root) for p in sorted((root / "terms").glob("*.yaml"))]
    qdir = root / "questions"
    opens = [_read(p, root) for p in sorted(qdir.glob("performance_indicators*.yaml"))]
    lists = [_read(p, root) for p in sorted(qdir.glob("lists*.yaml"))]
    return build_deck(name, topics=topics, terms=terms, open_questions=opens, list_questions=lists)


@lru_cache(maxsize=1)
def load_deck() -> Deck:
    """The built-in Customer Relations deck, validated (cached after the first call)."""
    return load_deck_from(DATA_DIR)
