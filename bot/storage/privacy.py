"""What the bot keeps about one member, for /privacy export and /privacy forget.

Two kinds of rows name a member:
- `PERSONAL`: rows that exist because of the member (their answers, totals, cards, reviews, tests,
  games). Export lists them; forget deletes them.
- `SHARED`: rows that belong to a class or a server but record who made them (a quiz round others
  played in, a scheduled quiz, an imported deck). Deleting them would delete other members' data or
  the server's set-up, so forget keeps the row and replaces the member's id with `NOBODY`.

A member's id appears in no other column (tests/storage/test_privacy.py checks the schema), and
everything is keyed by user, not by server, so one export or forget covers every server and DMs.
Tables a database does not have yet (an older schema) are skipped.
"""

from __future__ import annotations

from bot.storage.database import Database

#: (table, column naming the member) of rows that are the member's own.
PERSONAL: tuple[tuple[str, str], ...] = (
    ("quiz_answers", "user_id"),
    ("quiz_totals", "user_id"),  # the leaderboards read these running totals
    ("study_cards", "user_id"),
    ("study_reviews", "user_id"),
    ("study_tests", "user_id"),
    ("study_matches", "user_id"),
    ("learn_terms", "user_id"),
    ("learn_answers", "user_id"),
    ("learn_sessions", "user_id"),
)
#: (table, column) of shared rows that record who created them.
SHARED: tuple[tuple[str, str], ...] = (
    ("quiz_rounds", "started_by"),
    ("quiz_schedules", "created_by"),
    ("server_decks", "created_by"),
)
#: The id left in a shared row after its creator asked to be forgotten (no Discord id is 0).
NOBODY = 0


class PrivacyRepo:
    """Export and delete everything stored about one member, across every server."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def _present(self, pairs: tuple[tuple[str, str], ...]) -> list[tuple[str, str]]:
        names = {row[0] for row in await self.db.fetchall("SELECT name FROM sqlite_master WHERE type = 'table'")}
        return [(table, column) for table, column in pairs if table in names]

    async def counts(self, user_id: int) -> dict[str, int]:
        """How many rows name the member, per table (what `forget` would change)."""
        counts = {}
        for table, column in await self._present(PERSONAL + SHARED):
            row = await self.db.fetchone(f"SELECT COUNT(*) FROM {table} WHERE {column} = ?", (user_id,))
            counts[table] = row[0]
        return counts

    async def export(self, user_id: int) -> dict[str, list[dict]]:
        """Every row naming the member, table by table (personal tables first), as JSON-ready dicts.

        Read in one transaction, so the export is a consistent snapshot even while the member plays.
        """
        tables = await self._present(PERSONAL + SHARED)
        export: dict[str, list[dict]] = {}
        async with self.db.transaction() as conn:
            for table, column in tables:
                async with conn.execute(f"SELECT * FROM {table} WHERE {column} = ?", (user_id,)) as cur:
                    names = [d[0] for d in cur.description]
                    export[table] = [dict(zip(names, row, strict=True)) for row in await cur.fetchall()]
        return export

    async def forget(self, user_id: int) -> dict[str, int]:
        """Delete the member's own rows and remove their id from shared rows, in ONE transaction.

        Returns the rows changed per table (deleted for `PERSONAL`, anonymised for `SHARED`).
        """
        personal, shared = await self._present(PERSONAL), await self._present(SHARED)
        counts: dict[str, int] = {}
        async with self.db.transaction() as conn:
            for table, column in personal:
                async with conn.execute(f"DELETE FROM {table} WHERE {column} = ?", (user_id,)) as cur:
                    counts[table] = cur.rowcount
            for table, column in shared:
                async with conn.execute(
                    f"UPDATE {table} SET {column} = ? WHERE {column} = ?", (NOBODY, user_id)
                ) as cur:
                    counts[table] = cur.rowcount
        return counts
