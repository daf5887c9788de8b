"""/privacy export and /privacy forget through the real discord.py client: the file holds exactly the
stored rows, forget deletes them in every table and takes the member off the leaderboards, the
confirm button is the owner's only, cancel changes nothing, and both work in direct messages."""

from __future__ import annotations

import json
from datetime import timedelta

from discord.ext import commands

from bot.core import srs
from bot.storage.privacy import CONTEXT, NOBODY, PERSONAL, SHARED
from bot.storage.study import StudyRepo
from bot.ui.privacy import CANCELLED, KINDS, NOT_YOURS, NOTHING_STORED
from tests.e2e.helpers import rows, table_rows
from tests.e2e.test_assign import create
from tests.e2e.test_leaderboard import lines, play_one_question
from tests.e2e.test_match import play
from tests.e2e.test_quiz import button, question_of, start
from tests.e2e.test_review import buttons, forge_click

ALL_TABLES = PERSONAL + SHARED


def stored(world, user_id) -> dict[str, list[dict]]:
    """Every row naming the member, read straight from the database file."""
    return {
        table: table_rows(world, f"SELECT * FROM {table} WHERE {column} = ?", (user_id,))
        for table, column in ALL_TABLES
    }


def counts(world, user_id) -> dict[str, int]:
    return {table: len(found) for table, found in stored(world, user_id).items()}


async def study_a_little(world, member):
    """Data in every personal table: a quiz round the member starts and answers, a flashcard rating,
    a practice test, a matching game, a /learn answer, and progress on a review assignment."""
    await create(world, kind="review", due="fri 17:00")  # the teacher's: the review below counts for it
    await start(world, member, questions=1, mode="true_false")
    await member.click(world.channel.last_message, custom_id=button(world, question_of(world).answer))
    await world.env.advance_time(20)
    repo = StudyRepo(world.bot.db)
    now = world.env.now()
    await repo.record_review(
        member.id, "customer-lifetime-value", 4, "review", world.guild.id, now, scheduler=srs.DEFAULT_SCHEDULER
    )
    await repo.record_test_result(
        member.id, None, questions=3, correct=2, started_at=now - timedelta(minutes=2), finished_at=now,
        mode="typed", missed=["net-promoter-score"],
    )  # fmt: skip
    await play(world, member, seconds_per_pair=2)
    learn = await member.slash(world.channel, "learn", topic="ethics-and-rights")
    await member.click(learn.response, label="Don't know")  # a term's stage, a waiting answer, a session


async def read_export(result) -> dict:
    attachment = result.followups[0].attachments[0] if result.followups else result.response.attachments[0]
    assert attachment.filename.endswith(".json")
    return json.loads(await attachment.read())


def own_rows(document) -> dict[str, list[dict]]:
    """The export's tables of rows that name the member (without the context it adds: the
    assignments of their classes)."""
    return {table: found for table, found in document["tables"].items() if table not in dict(CONTEXT)}


def leaderboard_ids(board) -> set[str]:
    text = board.response.embeds[0].description
    return {line.split("<@")[1].split(">")[0] for line in lines(board) if "<@" in line} if "<@" in text else set()


async def test_the_export_holds_exactly_the_stored_rows(world):
    alice, bob = world.alice, world.bob
    await study_a_little(world, alice)
    await play_one_question(world, right=[bob], wrong=[alice])  # a round someone else started
    mine = stored(world, alice.id)
    assert [t for t, _ in PERSONAL if not mine[t]] == [], "every personal table has a row of alice's"
    assert len(mine["quiz_rounds"]) == 1, "alice started one of the two rounds"

    result = await alice.slash(world.channel, "privacy export")
    assert result.ephemeral
    message = result.followups[0] if result.followups else result.response
    assert "Quiz answers: 2" in message.content and "Matching game times: 1" in message.content
    document = await read_export(result)
    assert document["user_id"] == alice.id
    assert own_rows(document) == mine, "the file holds exactly what the database holds about alice"
    [assignment] = document["tables"]["class_assignments"]
    assert assignment["kind"] == "review", "and the assignments a report shows her status on"
    assert str(bob.id) not in json.dumps(document["tables"]["quiz_answers"]), "nobody else's answers"


async def test_forget_deletes_everything_and_the_leaderboards_forget_the_member(world):
    alice, bob = world.alice, world.bob
    await study_a_little(world, alice)
    await play_one_question(world, right=[alice], wrong=[bob])
    await play(world, bob, seconds_per_pair=3)
    bob_before = stored(world, bob.id)
    board = await bob.slash(world.channel, "leaderboard", period="all", sort="rounds_won")
    assert str(alice.id) in leaderboard_ids(board)
    before = counts(world, alice.id)

    prompt = await alice.slash(world.channel, "privacy forget")
    assert prompt.ephemeral
    embed = prompt.response.embeds[0]
    assert f"Quiz answers: {before['quiz_answers']}" in embed.description
    assert "Quiz rounds you started: 1" in embed.fields[0].value, "shared rows are kept, without her name"

    refused = await forge_click(world, bob, prompt.response, buttons(prompt.response)["Delete my data"])
    assert refused.ephemeral and NOT_YOURS in refused.response.content
    assert counts(world, alice.id) == before, "someone else's click deletes nothing"

    await alice.click(prompt.response, label="Delete my data")
    done = prompt.response.embeds[0]
    assert done.title == "✅ Your data is deleted" and not prompt.response.components
    for table, _ in PERSONAL:
        assert f"{KINDS[table]}: {before[table]}" in done.description
    assert counts(world, alice.id) == dict.fromkeys(before, 0), "nothing names alice any more"
    assert rows(world, "SELECT COUNT(*) FROM quiz_rounds WHERE started_by = ?", (NOBODY,)) == [(1,)]
    assert stored(world, bob.id) == bob_before, "bob's data is untouched"

    for period in ("week", "month", "all"):
        for sort in ("points", "accuracy", "rounds_won"):
            board = await bob.slash(world.channel, "leaderboard", period=period, sort=sort)
            assert leaderboard_ids(board) == {str(bob.id)}, (period, sort)
    own = await alice.slash(world.channel, "leaderboard", period="all")
    assert "haven't answered" in own.response.embeds[0].fields[0].value
    best = await bob.slash(world.channel, "match best")
    assert str(alice.id) not in best.response.embeds[0].description


async def test_a_round_still_running_does_not_put_the_member_back(world):
    alice, bob = world.alice, world.bob
    await start(world, questions=2, mode="true_false", seconds=20)
    msg = world.channel.last_message
    await alice.click(msg, custom_id=button(world, question_of(world).answer))  # alice wins so far
    prompt = await alice.slash(world.channel, "privacy forget")
    await alice.click(prompt.response, label="Delete my data")
    await world.env.advance_time(25)  # question 1 closes, the reveal pause, question 2
    await bob.click(world.channel.last_message, custom_id=button(world, question_of(world).answer))
    await world.env.advance_time(20)  # the round ends; alice is still in its in-memory standings
    assert world.channel.last_message.embeds[0].title == "🏆 Quiz complete!"
    for sort in ("points", "rounds_won"):
        board = await bob.slash(world.channel, "leaderboard", sort=sort)
        assert leaderboard_ids(board) == {str(bob.id)}


async def test_cancel_changes_nothing(world):
    alice = world.alice
    await study_a_little(world, alice)
    before = stored(world, alice.id)
    prompt = await alice.slash(world.channel, "privacy forget")
    await alice.click(prompt.response, label="Cancel")
    assert prompt.response.content == CANCELLED and not prompt.response.components
    assert stored(world, alice.id) == before


async def test_the_confirm_button_survives_a_restart(world):
    alice = world.alice
    await play_one_question(world, right=[alice], wrong=[])
    prompt = await alice.slash(world.channel, "privacy forget")
    await world.restart()
    await alice.click(prompt.response, label="Delete my data")
    assert prompt.response.embeds[0].title == "✅ Your data is deleted"
    assert counts(world, alice.id)["quiz_answers"] == 0


async def test_nothing_stored_is_said_plainly(world):
    result = await world.carol.slash(world.channel, "privacy forget")
    assert result.ephemeral and result.response.content == NOTHING_STORED
    export = await world.carol.slash(world.channel, "privacy export")
    document = await read_export(export)
    assert not any(document["tables"].values())


async def test_export_and_forget_work_in_direct_messages(world):
    alice = world.alice
    await study_a_little(world, alice)
    before = stored(world, alice.id)
    result = await alice.user.slash("privacy export")
    assert own_rows(await read_export(result)) == before
    prompt = await alice.user.slash("privacy forget")
    await alice.user.click(prompt.response, label="Delete my data")
    assert prompt.response.embeds[0].title == "✅ Your data is deleted"
    assert counts(world, alice.id) == dict.fromkeys(before, 0)


async def test_an_export_during_a_write_neither_waits_for_it_nor_shows_it(world):
    """The export reads a snapshot on a second connection: a write in progress on the bot's connection
    (which holds its only write lock, as a quiz answer does) neither blocks the export nor appears in it.
    With the old export, which took the write lock, this command never answered (simcord's settle
    timeout ends it)."""
    alice = world.alice
    await study_a_little(world, alice)
    committed = stored(world, alice.id)
    async with world.bot.db.transaction() as conn:
        await conn.execute("DELETE FROM quiz_answers WHERE user_id = ?", (alice.id,))
        result = await alice.slash(world.channel, "privacy export")
        assert own_rows(await read_export(result)) == committed
        prompt = await alice.slash(world.channel, "privacy forget")  # its counts read a snapshot too
        assert f"Quiz answers: {len(committed['quiz_answers'])}" in prompt.response.embeds[0].description


async def test_forget_acknowledges_first_and_a_lost_click_deletes_nothing(world):
    """A confirmation Discord no longer accepts (Unknown interaction after a stall, injected on the
    interaction callback) deletes nothing, and the same button works on the next click."""
    alice = world.alice
    await study_a_little(world, alice)
    before = counts(world, alice.id)
    prompt = await alice.slash(world.channel, "privacy forget")
    world.env.inject_error("POST", "/interactions/*", status=404, code=10062, message="Unknown interaction")
    await alice.click(prompt.response, label="Delete my data")
    assert counts(world, alice.id) == before, "not acknowledged: nothing deleted"
    assert prompt.response.components, "the prompt still offers the button"

    await alice.click(prompt.response, label="Delete my data")
    assert prompt.response.embeds[0].title == "✅ Your data is deleted"
    assert counts(world, alice.id) == dict.fromkeys(before, 0)


class HoldsMembers(commands.Cog):
    """Stands for the Quiz, Practice, Match and Review cogs, which hold members in memory."""

    def __init__(self, world) -> None:
        self.world, self.calls = world, []

    def forget_member(self, user_id: int) -> None:
        # Rows still naming the member at the moment of the call: none, the delete came first.
        self.calls.append((user_id, sum(counts(self.world, user_id).values())))


class HoldsMembersAsync(HoldsMembers):
    async def forget_member(self, user_id: int) -> None:
        super().forget_member(user_id)


class CannotForget(commands.Cog):
    def forget_member(self, user_id: int) -> None:
        raise RuntimeError("this cog cannot forget")


async def test_forget_drops_the_member_from_every_cog_that_holds_members(world, caplog):
    alice = world.alice
    await study_a_little(world, alice)
    plain, awaited = HoldsMembers(world), HoldsMembersAsync(world)
    for cog in (CannotForget(), plain, awaited):
        await world.bot.add_cog(cog)
    prompt = await alice.slash(world.channel, "privacy forget")
    assert plain.calls == awaited.calls == [], "asking is not forgetting"
    await alice.click(prompt.response, label="Cancel")
    assert plain.calls == awaited.calls == []

    prompt = await alice.slash(world.channel, "privacy forget")
    await alice.click(prompt.response, label="Delete my data")
    assert plain.calls == awaited.calls == [(alice.id, 0)], "every cog asked once, after the delete"
    assert prompt.response.embeds[0].title == "✅ Your data is deleted", "one failing cog stops nothing"
    assert "cog CannotForget could not forget a member" in caplog.text
