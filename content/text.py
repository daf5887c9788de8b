"""Text normalisation shared by the content checks and the bot's lookup and judging."""

from __future__ import annotations

import re
import unicodedata

_NON_WORD = re.compile(r"[^0-9a-z]+")


def normalize(text: str) -> str:
    """Fold text to a comparable key: lowercase ASCII words separated by single spaces.

    "Customer-Centric", "customer centric" and "  CUSTOMER  centric!" all give "customer centric";
    "&" reads as "and"; accents are dropped ("Café" -> "cafe").
    """
    text = unicodedata.normalize("NFKD", text.replace("&", " and "))
    text = text.encode("ascii", "ignore").decode("ascii").casefold()
    return _NON_WORD.sub(" ", text).strip()


def compact(text: str) -> str:
    """normalize() without spaces, so hyphen/space/no-space spellings meet ("follow up" = "followup")."""
    return normalize(text).replace(" ", "")
