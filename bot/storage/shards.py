"""SQL for "only the servers of these shards": Discord's shard formula, `(guild_id >> 22) % count`,
as a condition both engines evaluate (integer shift and modulo on a BIGINT / INTEGER column)."""

from __future__ import annotations

from bot.core.shards import ShardPlan


def shard_condition(column: str, shards: ShardPlan | None) -> tuple[str, tuple[int, ...]]:
    """` AND (column >> 22) % ? IN (?, ...)` and its parameters, or ("", ()) for every server.

    `shards` None (or a plan that runs every shard here) means no filter. `column` is the guild
    id column as the statement names it (e.g. "d.guild_id").
    """
    if shards is None or shards.all_here:
        return "", ()
    marks = ", ".join("?" for _ in shards.ids)
    return f" AND ({column} >> 22) % ? IN ({marks})", (shards.count, *shards.ids)


def only_shards(sql: str, column: str, shards: ShardPlan | None) -> tuple[str, tuple[int, ...]]:
    """A due query limited to the servers of `shards`, and the condition's parameters. The
    condition goes before ORDER BY (the query must have one, after its WHERE), so the rows of other
    shards never count against a LIMIT."""
    condition, params = shard_condition(column, shards)
    return sql.replace(" ORDER BY", condition + " ORDER BY", 1), params
