"""The per-server FSRS fit in the running bot: the loop fits a server with enough reviews
(after its start-up pause) and /review's scheduler can ask for the server's parameters."""

from __future__ import annotations

from bot.core.fsrs_fit import DEFAULT_PARAMETERS
from tests.core.server_history import simulate
from tests.e2e.helpers import rows
from tests.storage.test_fsrs_params import in_this_process, seed


async def test_the_loop_fits_a_server_with_enough_reviews_and_keeps_the_result(world):
    cog = world.bot.get_cog("ServerFsrs")
    assert await cog.parameters_for(world.guild.id) == DEFAULT_PARAMETERS
    await seed(world.bot.db, simulate(30, 25, 150), world.guild.id)
    cog.params._fit = in_this_process  # the fit itself in this process: no real time passes
    await world.env.advance_time(11 * 60)  # the loop's first round comes 10 minutes after start-up
    assert rows(world, "SELECT guild_id, outcome FROM fsrs_params") == [(world.guild.id, "adopted")]
    fitted = await cog.parameters_for(world.guild.id)
    assert fitted != DEFAULT_PARAMETERS
    await world.restart()
    assert await world.bot.get_cog("ServerFsrs").parameters_for(world.guild.id) == fitted
