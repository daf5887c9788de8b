"""Leeches: cards a member keeps forgetting (issue 14).

A card's `lapses` (in `study_cards`) counts the reviews that forgot it at least a day after its
previous review (`bot.core.srs.ReviewOutcome.lapsed`, kept by every rating path); from
`srs.LEECH_LAPSES` (8) on the card is a leech. /review then shows it with its answer to study
again, once per new lapse: `studied_lapses` is the lapses count when the member last did so.
Teachers see their class's leeches through `LeechRepo.leeches`.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from bot.core.srs import LEECH_LAPSES
from bot.storage.database import Database

# The threshold is written into the SQL, not passed as a parameter: the partial index
# study_cards_leeches (migration 0010) covers `lapses >= 8`, and a planner can use it only when
# the query's condition visibly implies the index's.
_LEECH_CONDITION = f"c.lapses >= {int(LEECH_LAPSES)}"


@dataclass(frozen=True, slots=True)
class Leech:
    """One member's leech: who, which card, how many times they forgot it."""

    user_id: int
    card_id: str
    lapses: int


class LeechRepo:
    """Leeches in the study tables of one `Database`. Every method is a coroutine."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def leeches(self, guild_id: int, user_ids: Collection[int] | None = None) -> list[Leech]:
        """The class's leeches: cards forgotten `LEECH_LAPSES` times or more, most forgotten first.

        The class is `user_ids` when given (e.g. a roster), else every member with a review logged
        in the server (flashcards, tests, quizzes, the daily term, /learn). A member's cards are
        theirs across servers, so the cards may come from any deck: filter by the server's deck
        if needed. Cheap: the leeches are found on a partial index, then checked for the server.
        """
        if user_ids is not None:
            members = tuple(sorted(set(user_ids)))
            if not members:
                return []
            rows = await self.db.fetchall(
                f"SELECT c.user_id, c.card_id, c.lapses FROM study_cards AS c WHERE {_LEECH_CONDITION}"
                f" AND c.user_id IN ({', '.join('?' * len(members))})"
                " ORDER BY c.lapses DESC, c.user_id, c.card_id",
                members,
            )
        else:
            rows = await self.db.fetchall(
                f"SELECT c.user_id, c.card_id, c.lapses FROM study_cards AS c WHERE {_LEECH_CONDITION}"
                " AND EXISTS (SELECT 1 FROM study_reviews AS r WHERE r.user_id = c.user_id AND r.guild_id = ?)"
                " ORDER BY c.lapses DESC, c.user_id, c.card_id",
                (guild_id,),
            )
        return [Leech(user_id, card_id, lapses) for user_id, card_id, lapses in rows]

    async def needs_study(self, user_id: int, card_id: str) -> bool:
        """True when the card is a leech forgotten again since the member last studied it in /review."""
        row = await self.db.fetchone(
            f"SELECT {_LEECH_CONDITION} AND c.lapses > c.studied_lapses FROM study_cards AS c"
            " WHERE c.user_id = ? AND c.card_id = ?",
            (user_id, card_id),
        )
        return row is not None and bool(row[0])

    async def mark_studied(self, user_id: int, card_id: str) -> bool:
        """The member studied the leech again: /review tests it bare until it is forgotten again.
        Returns False when the member has no such card. Changes nothing FSRS schedules with."""
        async with self.db.transaction() as tx:
            changed = await tx.execute(
                "UPDATE study_cards SET studied_lapses = lapses WHERE user_id = ? AND card_id = ?",
                (user_id, card_id),
            )
        return changed > 0
