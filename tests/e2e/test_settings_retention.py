"""/settings retention through the real discord.py client: the server's desired retention with its
workload note, shown in /settings show, bad input refused privately with nothing changed, and the
bot's own Manage Server check (issue 14)."""

from __future__ import annotations

import logging

import pytest

from bot.core import retention, srs
from tests.e2e.helpers import dump, fields_of, let_use, rows
from tests.e2e.test_bad_input import expect_refusal


def stored(world):
    return rows(world, "SELECT guild_id, retention FROM server_retention")


async def test_set_and_show_the_retention_with_its_workload(world):
    shown = fields_of((await world.teacher.slash(world.channel, "settings show")).response.embeds[0])
    default = retention.workload(0.9)
    assert shown["Review retention"] == (
        f"90% (default) · about {default.reviews:.1f} reviews per new card in its first year · "
        "FSRS-6 default parameters · /settings retention"
    )

    result = await world.teacher.slash(world.channel, "settings retention", value="0.85")
    assert result.ephemeral
    text = result.response.content
    lighter = retention.workload(0.85)
    assert text.startswith("🎯 Reviews in this server now aim for **85%** recall")
    assert f"about {1 - lighter.ratio:.0%} fewer reviews than at 90% ({lighter.reviews:.1f} reviews" in text
    assert stored(world) == [(world.guild.id, 0.85)]
    assert await world.bot.get_cog("ServerFsrs").retention_for(world.guild.id) == 0.85

    heavier = await world.teacher.slash(world.channel, "settings retention", value="95%")
    assert "**95%**" in heavier.response.content and "more reviews than at 90%" in heavier.response.content
    assert stored(world) == [(world.guild.id, 0.95)], "one row per server, replaced"
    shown = fields_of((await world.teacher.slash(world.channel, "settings show")).response.embeds[0])
    assert (
        shown["Review retention"].startswith("95% · about ")
        and "more reviews than at 90%" in shown["Review retention"]
    )
    await world.restart()
    assert await world.bot.get_cog("ServerFsrs").retention_for(world.guild.id) == 0.95, "kept over a restart"


async def test_fitted_parameters_show_in_settings(world):
    from tests.e2e.test_server_scheduling import adopt

    adopt(world)
    shown = fields_of((await world.teacher.slash(world.channel, "settings show")).response.embeds[0])
    assert "FSRS-6 fitted to this server's reviews" in shown["Review retention"]


@pytest.mark.parametrize(
    ("typed", "says"),
    [
        ("0.5", "50% is outside what the bot allows"),
        ("0.99", "99% is outside what the bot allows"),
        ("abc", "not a number I can read"),
        ("0.79", "79% is outside"),
        ("96%", "96% is outside"),
        ("", "not a number I can read"),
    ],
)
async def test_bad_values_are_refused_privately_and_change_nothing(world, caplog, typed, says):
    caplog.set_level(logging.WARNING)
    await world.teacher.slash(world.channel, "settings retention", value="0.85")
    text = await expect_refusal(world, caplog, world.teacher, "settings retention", value=typed)
    assert text.startswith("⚠️") and says in text and "from 0.80 to 0.95" in text
    assert stored(world) == [(world.guild.id, 0.85)]
    assert await world.bot.get_cog("ServerFsrs").retention_for(world.guild.id) == 0.85


async def test_students_are_refused_by_the_bot_itself(world):
    let_use(world, "settings", world.alice)  # the server shows them the command anyway
    before = dump(world)
    refused = await world.alice.slash(world.channel, "settings retention", value="0.80")
    assert refused.ephemeral
    assert refused.response.content == "⚠️ You need the **Manage Server** permission to do that."
    assert dump(world) == before and stored(world) == []
    assert await world.bot.get_cog("ServerFsrs").retention_for(world.guild.id) == srs.DESIRED_RETENTION
