"""/match play and /match best through the real discord.py client: pairs, penalties, personal bests,
the server's fastest times, and games that ended."""

from __future__ import annotations

import pytest

from bot.ui.match import ENDED
from tests.e2e.helpers import fields_of, rows
from tests.e2e.test_practice import CALLBACK, REPLY_FAILURES
from tests.e2e.test_review import forge_click
from tests.e2e.test_storage_faults import BUSY, locked, short_busy_timeout


def game_of(world, member):
    return world.bot.get_cog("Match").games[member.id]


def pick_id(msg, side: str, index: int) -> str:
    return next(
        c["custom_id"]
        for row in msg.components
        for c in row["components"]
        if c["custom_id"].endswith(f":{side}{index}")
    )


def button(msg, side: str, index: int) -> dict:
    return next(
        c for row in msg.components for c in row["components"] if c["custom_id"].endswith(f":{side}{index}")
    )


async def pair(member, msg, term_index: int, slot: int, *, definition_first=False):
    first, second = (("d", slot), ("t", term_index)) if definition_first else (("t", term_index), ("d", slot))
    await member.click(msg, custom_id=pick_id(msg, *first))
    return await member.click(msg, custom_id=pick_id(msg, *second))


async def play(world, member, *, seconds_per_pair: int, wrong_pairs: int = 0):
    """A whole game: optional wrong pairs first, then every pair right, `seconds_per_pair` apart."""
    msg = (await member.slash(world.channel, "match play")).response
    game = game_of(world, member)
    for _ in range(wrong_pairs):
        await world.env.advance_time(1)
        await pair(member, msg, 0, next(s for s, t in enumerate(game.slots) if t != 0))
        assert msg.content == "❌ Not a pair: +5 seconds."
    for term_index in range(5):
        await world.env.advance_time(seconds_per_pair)
        await pair(member, msg, term_index, game.slots.index(term_index))
    return msg


async def test_a_penalty_then_a_personal_best_then_the_servers_fastest(world):
    alice, bob = world.alice, world.bob
    first = await play(world, alice, seconds_per_pair=3, wrong_pairs=1)
    result = first.embeds[0]
    # 1 s to the wrong pair + 5 x 3 s + a 5-second penalty
    assert result.title == "🏁 All five matched!"
    assert result.description == "Your time: **21.0 s** (including 1 wrong pair: +5 s)"
    assert "first finished game" in fields_of(result)["Personal best"]
    assert not first.components
    assert rows(world, "SELECT user_id, guild_id, elapsed_ms, penalties FROM study_matches") == [
        (alice.id, world.guild.id, 21_000, 1)
    ]

    second = await play(world, alice, seconds_per_pair=2)
    result = second.embeds[0]
    assert result.description == "Your time: **10.0 s**"
    assert fields_of(result)["Personal best"] == "🎉 New personal best! Your previous best was 21.0 s."

    slower = await play(world, bob, seconds_per_pair=4)
    board = fields_of(slower.embeds[0])["Server's fastest"].splitlines()
    assert board == [f"🥇 <@{alice.id}> · 10.0 s", f"🥈 <@{bob.id}> · 20.0 s"], "each member's best, once"

    best = await world.carol.slash(world.channel, "match best")
    assert best.ephemeral
    assert best.response.embeds[0].description.splitlines() == board
    assert fields_of(best.response.embeds[0])["Your best (any server)"] == "You haven't finished a game yet."


async def test_picks_either_side_first_and_matched_buttons_lock(world):
    alice = world.alice
    msg = (await alice.slash(world.channel, "match play")).response
    game = game_of(world, alice)
    assert len(game.terms) == 5 and sorted(game.slots) == list(range(5))
    assert len({t.group or t.id for t in game.terms}) == 5, "no two near-synonyms on one board"
    slot = game.slots.index(2)
    await alice.click(msg, custom_id=pick_id(msg, "d", slot))
    assert msg.content == "Now pick its partner." and button(msg, "d", slot)["style"] == 1, "highlighted"
    await alice.click(msg, custom_id=pick_id(msg, "t", 2))
    assert msg.content == "✅ A match!"
    assert button(msg, "t", 2)["disabled"] and button(msg, "d", slot)["disabled"]
    assert fields_of(msg.embeds[0])["Matched"] == "1/5"
    assert f"✅ **{slot + 1}. {game.terms[2].name}**" in msg.embeds[0].description


async def test_other_members_and_old_games_are_refused(world):
    alice = world.alice
    msg = (await alice.slash(world.channel, "match play")).response
    refused = await forge_click(world, world.bob, msg, pick_id(msg, "t", 0))
    assert refused.ephemeral and "belongs to someone else" in refused.response.content
    await world.restart()
    await alice.click(msg, custom_id=pick_id(msg, "t", 0))
    assert "This game has ended" in msg.content and not msg.components
    assert rows(world, "SELECT COUNT(*) FROM study_matches") == [(0,)]


async def test_the_topic_option(world):
    result = await world.alice.slash(world.channel, "match play", topic="astrology")
    assert result.ephemeral and "no topic called" in result.response.content
    ok = await world.alice.slash(world.channel, "match play", topic="ethics-and-rights")
    assert {t.topic for t in game_of(world, world.alice).terms} == {"ethics-and-rights"}
    assert ok.ephemeral


# -- real Discord: a reply or a write can fail; the member can always try again ------------------


async def all_but_the_last_pair(world, member):
    msg = (await member.slash(world.channel, "match play")).response
    game = game_of(world, member)
    for term_index in range(4):
        await world.env.advance_time(2)
        await pair(member, msg, term_index, game.slots.index(term_index))
    await world.env.advance_time(2)
    await member.click(msg, custom_id=pick_id(msg, "t", 4))
    return msg, pick_id(msg, "d", game.slots.index(4))


async def test_a_busy_database_keeps_the_game_and_the_last_pair_counts_on_the_retry(world):
    alice = world.alice
    await short_busy_timeout(world)
    msg, last = await all_but_the_last_pair(world, alice)
    with locked(world):
        refused = await alice.click(msg, custom_id=last)
    assert refused.ephemeral and BUSY in refused.response.content
    assert rows(world, "SELECT COUNT(*) FROM study_matches") == [(0,)]
    assert fields_of(msg.embeds[0])["Matched"] == "4/5", "the board waits for the last pair"
    await alice.click(msg, custom_id=pick_id(msg, "t", 4))
    # The time counts to the retry. On SQLite that is 10.0 s; on PostgreSQL the reconnect after the
    # outage moves simcord's clock a few seconds, so read the clock rather than assume it.
    game = world.bot.get_cog("Match").games.get(alice.id)
    expected_ms = round((world.env.now() - game.started_at).total_seconds() * 1000)
    await alice.click(msg, custom_id=last)
    assert msg.embeds[0].title == "🏁 All five matched!"
    assert msg.embeds[0].description == f"Your time: **{expected_ms / 1000:.1f} s**"
    assert rows(world, "SELECT elapsed_ms FROM study_matches") == [(expected_ms,)]
    if world.bot.db.engine == "sqlite":
        assert expected_ms == 10_000


@pytest.mark.parametrize(("status", "code", "message"), REPLY_FAILURES)
async def test_a_failed_result_reply_shows_the_stored_time_on_the_next_click(world, status, code, message):
    alice = world.alice
    msg, last = await all_but_the_last_pair(world, alice)
    world.env.inject_error("POST", CALLBACK, status=status, code=code, message=message)
    await alice.click(msg, custom_id=last)
    assert rows(world, "SELECT elapsed_ms FROM study_matches") == [(10_000,)], "stored before the reply failed"
    assert msg.embeds[0].title.startswith("🧩"), "the member still has the board"
    await world.env.advance_time(30)
    await alice.click(msg, custom_id=pick_id(msg, "t", 4))
    assert msg.embeds[0].title == "🏁 All five matched!" and msg.embeds[0].description == "Your time: **10.0 s**"
    assert rows(world, "SELECT COUNT(*) FROM study_matches") == [(1,)], "stored once"


async def test_a_wrong_pair_whose_reply_failed_costs_nothing(world):
    alice = world.alice
    msg = (await alice.slash(world.channel, "match play")).response
    game = game_of(world, alice)
    await alice.click(msg, custom_id=pick_id(msg, "t", 0))
    world.env.inject_error("POST", CALLBACK, status=503, message="Service Unavailable")
    await alice.click(msg, custom_id=pick_id(msg, "d", next(s for s, t in enumerate(game.slots) if t != 0)))
    assert game_of(world, alice).penalties == 0, "the member never saw the wrong pair"
    assert fields_of(msg.embeds[0])["Penalties"] == "none yet"


async def test_an_abandoned_game_is_dropped_and_its_buttons_say_so(world):
    alice, bob = world.alice, world.bob
    match = world.bot.get_cog("Match")
    msg = (await alice.slash(world.channel, "match play")).response
    await world.env.advance_time(61 * 60)
    await bob.slash(world.channel, "match play")
    assert alice.id not in match.games and bob.id in match.games
    await alice.click(msg, custom_id=pick_id(msg, "t", 0))
    assert msg.content == ENDED and "over an hour" in msg.content and not msg.components


async def test_forget_member_drops_a_running_game(world):
    """The cog's own method (the /privacy forget wiring is tested with that command)."""
    alice = world.alice
    match = world.bot.get_cog("Match")
    msg = (await alice.slash(world.channel, "match play")).response
    match.forget_member(alice.id)
    assert alice.id not in match.games and alice.id not in match.last_key
    await alice.click(msg, custom_id=pick_id(msg, "t", 0))
    assert msg.content == ENDED
