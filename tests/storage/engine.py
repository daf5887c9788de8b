"""What storage tests need to say differently per engine: an injected write failure and an
index check. The repositories under test run the same SQL on both."""

from __future__ import annotations


async def fail_writes(db, table: str, event: str, message: str) -> None:
    """From now on, `event` ('INSERT' or 'DELETE') on `table` fails with `message` (stands for a
    full disk or a broken file in the middle of a transaction)."""
    if db.engine == "postgres":
        await db.execute(
            "CREATE FUNCTION fail_now() RETURNS trigger LANGUAGE plpgsql AS"
            f" $$ BEGIN RAISE EXCEPTION '{message}'; END $$"
        )
        await db.execute(f"CREATE TRIGGER fail BEFORE {event} ON {table} FOR EACH ROW EXECUTE FUNCTION fail_now()")
    else:
        await db.execute(
            f"CREATE TRIGGER fail BEFORE {event} ON {table} BEGIN SELECT RAISE(ABORT, '{message}'); END"
        )


def write_failure() -> tuple[type[BaseException], ...]:
    """The exception classes an injected failure raises, for pytest.raises."""
    import sqlite3

    import asyncpg

    return (sqlite3.IntegrityError, asyncpg.exceptions.RaiseError)


async def plan_of(db, sql: str, params=()) -> str:
    """How the engine runs `sql`: SQLite's query plan, or PostgreSQL's with sequential scans
    priced out (so a plan without an index means there is no index to use)."""
    if db.engine == "postgres":
        async with db.transaction() as tx:
            await tx.execute("SET LOCAL enable_seqscan = off")
            return " | ".join(row[0] for row in await tx.fetchall("EXPLAIN " + sql, params))
    return " | ".join(row[3] for row in await db.fetchall("EXPLAIN QUERY PLAN " + sql, params))


def uses_index(db, plan: str, index: str | None = None) -> bool:
    if db.engine == "postgres":
        return "Index" in plan and (index is None or index in plan)
    if index is None:
        return plan.startswith("SEARCH")
    return f"USING INDEX {index}" in plan or f"USING COVERING INDEX {index}" in plan


def committed_rows(db, sql: str, params=()) -> list[tuple]:
    """Rows read through a second, independent connection: only what is committed."""
    if db.engine == "postgres":
        from tests import pg_server

        return pg_server.query(db.url, sql, params)
    import sqlite3

    with sqlite3.connect(db.path) as raw:
        return raw.execute(sql, params).fetchall()
