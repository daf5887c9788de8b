"""Work per gateway event: what the bot does nothing with costs it nothing. The on_interaction
listeners answer typed-answer boxes (modal submits) only, so slash commands, autocomplete and
button clicks are not dispatched to them: each would start a task per listener to do nothing."""

from __future__ import annotations

import discord

from tests.e2e.helpers import rows
from tests.e2e.test_quiz import button, start


async def test_interaction_listeners_hear_only_submitted_boxes_and_boxes_still_count(world):
    heard: list[discord.InteractionType] = []

    async def listener(interaction: discord.Interaction) -> None:
        heard.append(interaction.type)

    world.bot.add_listener(listener, "on_interaction")
    await world.alice.slash(world.channel, "define", term="crm")
    await start(world, questions=1, mode="typed", seconds=60)
    box = await world.alice.click(world.channel.last_message, custom_id=button(world, "typed"))
    assert heard == [], "a command and a click are not dispatched to the listeners"
    done = await world.alice.submit_modal(box, {"answer": "customer loyalty"})
    assert "Locked in" in done.response.content, "the quiz's listener still answers the box"
    assert heard == [discord.InteractionType.modal_submit]
    assert rows(world, "SELECT COUNT(*) FROM quiz_answers") == [(1,)]
