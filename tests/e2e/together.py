"""Clicks that reach the bot at the same moment.

simcord runs one operation at a time (`asyncio.gather` of two `member.click(...)` calls is
refused with "operation overlaps active click"), and each click waits until the bot has settled.
A class clicking at once is different: many INTERACTION_CREATE events arrive before the bot has
answered any of them. `click_together` sends every click through simcord's own `click` (same
checks: the member sees the message, the button exists) but holds simcord's settling back until
all of them are out, then lets the bot handle them concurrently and settles once.
"""

from __future__ import annotations

from collections.abc import Iterable


async def _no_settle(**_options) -> None:
    return None


async def click_together(env, clicks: Iterable[tuple[object, object, str]]) -> list:
    """Click `(member, message, custom_id)` all at once; the interaction results, in order."""
    env._begin_operation("click_together")  # the clicks below nest in it, in this task
    settle = env._settle_internal
    try:
        env._settle_internal = _no_settle
        try:
            results = [await member.click(message, custom_id=custom_id) for member, message, custom_id in clicks]
        finally:
            del env._settle_internal  # back to the class's method
        await settle(dispatch="INTERACTION_CREATE")
    finally:
        env._end_operation()
    return results
