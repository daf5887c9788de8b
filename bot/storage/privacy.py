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

from bot.storage.database import Database, Snapshot

#: (table, column naming the member) of rows that are the member's own.
PERSONAL: tuple[tuple[str, str], ...] = (
    ("quiz_answers", "user_id"),
    ("quiz_totals", "user_id"),  # the leaderboards read these running totals
    ("study_cards", "user_id"),
    ("study_reviews", "user_id"),
    ("study_tests", "user_id"),
    ("study_matches", "user_id"),
    # Class reports: the member's figures per server and day, and their progress on assignments.
    # Deleting the answers above also takes them out of the per-term class figures (triggers).
    ("report_students", "user_id"),
    ("report_days", "user_id"),
    ("report_term_students", "user_id"),
    ("assignment_work", "user_id"),
    ("learn_terms", "user_id"),
    ("learn_answers", "user_id"),
    ("learn_sessions", "user_id"),
)
#: (table, column) of shared rows that record who created them.
SHARED: tuple[tuple[str, str], ...] = (
    ("quiz_rounds", "started_by"),
    ("quiz_schedules", "created_by"),
    ("server_decks", "created_by"),
    ("assignments", "created_by"),
)
#: What a report shows next to the member's own rows, exported so the export holds everything a
#: report can say about them (an assignment they never started shows as missing): the assignments
#: of every server whose class they are in. Neither counted nor changed by forget.
CONTEXT: tuple[tuple[str, str], ...] = (
    (
        "class_assignments",
        "SELECT a.* FROM assignments AS a JOIN report_students AS s ON s.guild_id = a.guild_id"
        " WHERE s.user_id = ? ORDER BY a.guild_id, a.number",
    ),
)
#: The id left in a shared row after its creator asked to be forgotten (no Discord id is 0).
NOBODY = 0


class PrivacyRepo:
    """Export and delete everything stored about one member, across every server."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def _present(self, snap: Snapshot) -> list[tuple[str, str]]:
        """The (table, column) pairs of `PERSONAL` and `SHARED` whose table this database has."""
        names = {row["name"] for row in await snap.fetchall(self.db.TABLES_SQL)}
        return [(table, column) for table, column in PERSONAL + SHARED if table in names]

    async def counts(self, user_id: int) -> dict[str, int]:
        """How many rows name the member, per table (what `forget` would change), as committed."""
        counts = {}
        async with self.db.snapshot() as snap:
            for table, column in await self._present(snap):
                row = await snap.fetchone(f"SELECT COUNT(*) AS n FROM {table} WHERE {column} = ?", (user_id,))
                counts[table] = row["n"]
        return counts

    async def export(self, user_id: int) -> dict[str, list[dict]]:
        """Every row naming the member, table by table (personal tables first), as JSON-ready dicts.

        Read from one snapshot (`Database.snapshot`): consistent even while the member plays, and
        without the write lock, so nobody's quiz answers wait for a big export.
        """
        async with self.db.snapshot() as snap:
            present = await self._present(snap)
            tables = {
                table: await snap.fetchall(f"SELECT * FROM {table} WHERE {column} = ?", (user_id,))
                for table, column in present
            }
            if any(table == "report_students" for table, _ in present):  # an older schema has no reports
                for name, sql in CONTEXT:
                    tables[name] = await snap.fetchall(sql, (user_id,))
            return tables

    async def forget(self, user_id: int) -> dict[str, int]:
        """Delete the member's own rows and remove their id from shared rows, in ONE transaction.

        Returns the rows changed per table (deleted for `PERSONAL`, anonymised for `SHARED`).
        """
        names = {row[0] for row in await self.db.fetchall(self.db.TABLES_SQL)}  # an older schema lacks some tables
        personal = [(table, column) for table, column in PERSONAL if table in names]
        shared = [(table, column) for table, column in SHARED if table in names]
        counts: dict[str, int] = {}
        async with self.db.transaction() as tx:
            for table, column in personal:
                counts[table] = await tx.execute(f"DELETE FROM {table} WHERE {column} = ?", (user_id,))
            for table, column in shared:
                counts[table] = await tx.execute(
                    f"UPDATE {table} SET {column} = ? WHERE {column} = ?", (NOBODY, user_id)
                )
        return counts
