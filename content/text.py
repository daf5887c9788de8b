"""Text normalisation shared by the content checks and the bot's lookup and judging."""

from __future__ import annotations

import re
import unicodedata

_NON_WORD = re.compile(r"[\W_]+")


def normalize(text: str) -> str:
    """Fold text to a comparable key: lowercase words separated by single spaces.

    "Customer-Centric", "customer centric" and "  CUSTOMER  centric!" all give "customer centric";
    "&" reads as "and"; accents are dropped ("Café" -> "cafe"). Letters of other scripts stay
    ("خدمة العملاء", "顧客"), so an imported deck in any language can be looked up; punctuation
    outside ASCII is dropped (a curly apostrophe joins "don’t" into "dont").
    """
    text = unicodedata.normalize("NFKD", text.replace("&", " and "))
    text = "".join(c for c in text if c.isascii() or c.isalnum()).casefold()
    return _NON_WORD.sub(" ", text).strip()


def compact(text: str) -> str:
    """normalize() without spaces, so hyphen/space/no-space spellings meet ("follow up" = "followup")."""
    return normalize(text).replace(" ", "")
