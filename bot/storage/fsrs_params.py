"""Each server's own FSRS-6 parameters and desired retention, and the review log a fit reads.

`fsrs_params` holds one row per server that was checked: the parameters in use (NULL = the
defaults), when the last fit ran (at most one a day, see `servers_to_check`) and how both sets
scored on the held-out reviews. A server's log is every review of the members who have reviewed
there, wherever they reviewed (DMs and other servers too): a card's history must be whole for
FSRS to replay it, and a member's memory is the same everywhere.

`server_retention` holds the desired retention a server chose with /settings retention (no row =
0.90, `srs.DESIRED_RETENTION`).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime, timedelta

from bot.core.fsrs_fit import DEFAULT_PARAMETERS, FitDecision
from bot.core.srs import DESIRED_RETENTION, MAX_RETENTION, MIN_RETENTION
from bot.storage.database import Database

#: At most one fit a day per server.
CHECK_EVERY = timedelta(days=1)
LogRow = tuple[int, str, int, int]  # user id, card id, reviewed at (epoch ms), FSRS rating 1-4


def _ms(at: datetime) -> int:
    if at.tzinfo is None:
        raise ValueError("times must be timezone-aware")
    return int(at.timestamp() * 1000)


class FsrsParamsRepo:
    """Per-server FSRS parameters and the reviews they are fitted to. Every method is a coroutine."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def parameters(self, guild_id: int | None) -> tuple[float, ...]:
        """The parameters the server schedules with: its adopted ones, else FSRS-6's defaults
        (also in DMs, `guild_id` None)."""
        return (await self.scheduling(guild_id))[0]

    async def scheduling(self, guild_id: int | None) -> tuple[tuple[float, ...], float]:
        """The server's (parameters, desired retention) in one read: FSRS-6's defaults until a fit
        was adopted, 0.90 until /settings retention; both defaults in DMs (`guild_id` None)."""
        if guild_id is None:
            return DEFAULT_PARAMETERS, DESIRED_RETENTION
        row = await self.db.fetchone(
            "SELECT (SELECT parameters FROM fsrs_params WHERE guild_id = ?),"
            " (SELECT retention FROM server_retention WHERE guild_id = ?)",
            (guild_id, guild_id),
        )
        parameters = DEFAULT_PARAMETERS if row[0] is None else tuple(float(w) for w in json.loads(row[0]))
        return parameters, DESIRED_RETENTION if row[1] is None else float(row[1])

    async def set_retention(self, guild_id: int, retention: float, now: datetime) -> None:
        """Store the server's desired retention (`MIN_RETENTION`..`MAX_RETENTION`, else ValueError)."""
        if not MIN_RETENTION <= retention <= MAX_RETENTION:
            raise ValueError(f"desired retention {retention!r} is outside {MIN_RETENTION}-{MAX_RETENTION}")
        async with self.db.transaction() as tx:
            await tx.execute(
                "INSERT INTO server_retention (guild_id, retention, set_at) VALUES (?, ?, ?)"
                " ON CONFLICT (guild_id) DO UPDATE SET retention = excluded.retention, set_at = excluded.set_at",
                (guild_id, float(retention), _ms(now)),
            )

    async def servers_to_check(self, now: datetime, min_reviews: int) -> list[int]:
        """Servers with at least `min_reviews` reviews logged there and no fit in the last day
        (`CHECK_EVERY`), those never checked first. One scan of the log: run it rarely."""
        rows = await self.db.fetchall(
            "SELECT r.guild_id FROM (SELECT guild_id, COUNT(*) AS n FROM study_reviews"
            " WHERE guild_id IS NOT NULL GROUP BY guild_id) AS r"
            " LEFT JOIN fsrs_params AS p ON p.guild_id = r.guild_id"
            " WHERE r.n >= ? AND (p.checked_at IS NULL OR p.checked_at <= ?)"
            " ORDER BY p.checked_at IS NOT NULL, p.checked_at, r.guild_id",
            (min_reviews, _ms(now - CHECK_EVERY)),
        )
        return [row[0] for row in rows]

    async def server_log(self, guild_id: int) -> list[LogRow]:
        """Every review of the members who have reviewed in the server, member by member.

        One short query per member (on the (user_id, reviewed_at) index), so other work gets the
        connection in between.
        """
        members = await self.db.fetchall(
            "SELECT DISTINCT user_id FROM study_reviews WHERE guild_id = ? ORDER BY user_id", (guild_id,)
        )
        rows: list[LogRow] = []
        for (user_id,) in members:
            rows.extend(
                await self.db.fetchall(
                    "SELECT user_id, card_id, reviewed_at, rating FROM study_reviews WHERE user_id = ?"
                    " ORDER BY reviewed_at, id",
                    (user_id,),
                )
            )
        return rows

    async def record(self, guild_id: int, decision: FitDecision, now: datetime) -> None:
        """Store a fit's outcome: the parameters to use (NULL when they are the defaults) and the
        scores. Parameters adopted earlier stay unless this fit adopted new ones."""
        adopted = decision.outcome == "adopted"
        parameters = None if tuple(decision.parameters) == DEFAULT_PARAMETERS else json.dumps(decision.parameters)
        current, fitted = decision.current, decision.fitted
        async with self.db.transaction() as tx:
            await tx.execute(
                "INSERT INTO fsrs_params (guild_id, parameters, checked_at, adopted_at, outcome, reviews, held_out,"
                " current_loss, current_rmse, fitted_loss, fitted_rmse) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
                " ON CONFLICT (guild_id) DO UPDATE SET parameters = excluded.parameters,"
                " checked_at = excluded.checked_at,"
                " adopted_at = COALESCE(excluded.adopted_at, fsrs_params.adopted_at), outcome = excluded.outcome,"
                " reviews = excluded.reviews, held_out = excluded.held_out, current_loss = excluded.current_loss,"
                " current_rmse = excluded.current_rmse, fitted_loss = excluded.fitted_loss,"
                " fitted_rmse = excluded.fitted_rmse",
                (
                    guild_id, parameters, _ms(now), _ms(now) if adopted else None, decision.outcome,
                    decision.reviews, decision.held_out,
                    *_pair(current), *_pair(fitted),
                ),
            )  # fmt: skip


def _pair(scores) -> Sequence[float | None]:
    return (None, None) if scores is None else (scores.log_loss, scores.rmse_bins)
