"""Per-server FSRS parameters on real SQLite with the real fit (fsrs-rs-python): adopted when they
predict the server's latest reviews better, kept otherwise, at most one fit a day, none without
enough reviews. Times are given, never read from the clock."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.cogs.server_fsrs import ServerParameters
from bot.core import fsrs_fit
from bot.core.fsrs_fit import DEFAULT_PARAMETERS
from bot.storage.fsrs_params import FsrsParamsRepo
from tests.core.server_history import START, simulate

GUILD, OTHER = 900, 901
NOW = START + timedelta(days=160)


async def in_this_process(rows, current):
    return fsrs_fit.decide_rows(rows, current)


async def seed(db, rows, guild_id=GUILD) -> None:
    async with db.transaction() as tx:
        await tx.executemany(
            "INSERT INTO study_reviews (user_id, card_id, guild_id, rating, source, reviewed_at)"
            " VALUES (?, ?, ?, ?, 'test', ?)",
            [(user, card, guild_id, rating, int(at.timestamp() * 1000)) for user, card, at, rating in rows],
        )


def fitted_row(db):
    return db.fetchone(
        "SELECT parameters IS NOT NULL, outcome, reviews, held_out, current_loss > fitted_loss, adopted_at"
        " FROM fsrs_params WHERE guild_id = ?",
        (GUILD,),
    )


async def test_parameters_that_predict_better_are_adopted(db):
    await seed(db, simulate(30, 25, 150))  # members who forget faster than the defaults expect
    params = ServerParameters(FsrsParamsRepo(db), in_this_process)
    assert await params.parameters_for(GUILD) == DEFAULT_PARAMETERS
    assert await params.run_due(NOW) == {GUILD: "adopted"}
    has_parameters, outcome, reviews, held_out, better, adopted_at = await fitted_row(db)
    assert (has_parameters, outcome, better) == (1, "adopted", 1)
    assert reviews > 10_000 and held_out >= fsrs_fit.MIN_HELD_OUT and adopted_at == int(NOW.timestamp() * 1000)
    ours = await params.parameters_for(GUILD)
    assert ours != DEFAULT_PARAMETERS and len(ours) == len(DEFAULT_PARAMETERS)
    assert await FsrsParamsRepo(db).parameters(GUILD) == ours, "stored, so a restart keeps them"
    assert ours[0] < DEFAULT_PARAMETERS[0], "they learned that these members forget faster"
    assert (
        await params.parameters_for(OTHER) == DEFAULT_PARAMETERS
        and await params.parameters_for(None) == DEFAULT_PARAMETERS
    )

    # At most once a day: not again the same day, again the next.
    assert await params.run_due(NOW + timedelta(hours=23)) == {}
    assert set(await params.run_due(NOW + timedelta(days=1))) == {GUILD}


async def test_parameters_that_do_not_predict_better_are_not_adopted(db):
    # Members whose memory changed (now as the defaults expect) after most of what a fit learns from.
    await seed(db, simulate(30, 25, 150, later=DEFAULT_PARAMETERS, switch=START + timedelta(days=90)))
    params = ServerParameters(FsrsParamsRepo(db), in_this_process)
    assert await params.run_due(NOW) == {GUILD: "kept"}
    has_parameters, outcome, _, held_out, better, adopted_at = await fitted_row(db)
    assert (has_parameters, outcome, better, adopted_at) == (0, "kept", 0, None)
    assert held_out >= fsrs_fit.MIN_HELD_OUT
    assert await params.parameters_for(GUILD) == DEFAULT_PARAMETERS


async def test_no_fit_without_enough_reviews(db):
    rows = simulate(30, 25, 150)
    await seed(db, rows[: fsrs_fit.MIN_FIT_REVIEWS - 1])
    params = ServerParameters(FsrsParamsRepo(db), in_this_process)
    assert await params.run_due(NOW) == {}, "too few logged there: not even read"
    # Enough reviews logged there, but too few before the held-out part to fit on.
    await seed(db, rows[fsrs_fit.MIN_FIT_REVIEWS - 1 : 6_000])
    assert await params.run_due(NOW) == {GUILD: "too_few"}
    assert (await fitted_row(db))[:2] == (0, "too_few")
    assert await params.parameters_for(GUILD) == DEFAULT_PARAMETERS


async def test_a_server_log_is_the_whole_log_of_its_members(db):
    rows = simulate(2, 3, 30)
    await seed(db, rows[::2], GUILD)
    await seed(db, rows[1::2], None)  # the same members in DMs
    await seed(db, [(5, "x", START, 3)], OTHER)  # someone who never reviewed in GUILD
    log = await FsrsParamsRepo(db).server_log(GUILD)
    assert len(log) == len(rows) and {user for user, *_ in log} == {user for user, *_ in rows}


def test_the_fit_runs_in_another_process_and_gives_the_same_answer():
    """The bot's own path: a spawned process (not a thread holding the GIL) runs the fit."""
    import asyncio

    rows = [(1, "a", 86_400_000 * d, 3) for d in range(5)]
    params = ServerParameters(None)

    async def both():
        try:
            return await params._fit_in_process(rows, DEFAULT_PARAMETERS)
        finally:
            params.close()

    assert asyncio.run(both()) == fsrs_fit.decide_rows(rows, DEFAULT_PARAMETERS)


@pytest.mark.parametrize("bad", [None, 0])
async def test_unknown_servers_use_the_defaults(db, bad):
    assert await FsrsParamsRepo(db).parameters(bad) == DEFAULT_PARAMETERS
