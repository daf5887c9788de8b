"""What this process is among the bot's processes: its shards, its share of the request budget.

A bot that many schools share runs as several processes (each a range of shards, see
`bot.core.shards`) against one PostgreSQL database. Each process acts only for the servers of its
own shards (its scheduler's due rows, its restart recovery) and sends within its share of Discord's
global limit. The scheduler, recovery and the quiz rounds ask `bot.process` instead of reading
settings themselves.
"""

from __future__ import annotations

import gc
import logging

from bot.core.budget import global_bucket
from bot.core.shards import ShardPlan, shard_of
from bot.outbox import Outbox

log = logging.getLogger(__name__)


class ThisProcess:
    """`plan`: the shards this process runs; `processes`: how many processes share the token."""

    def __init__(self, plan: ShardPlan, processes: int = 1, outbox: Outbox | None = None) -> None:
        self.plan = plan
        self.processes = max(processes, 1)
        self.outbox = outbox or Outbox(global_bucket(self.processes))
        #: The bot's total shard count: SHARD_COUNT, or Discord's recommendation once connected.
        self.shard_count: int | None = plan.count

    @property
    def shards(self) -> ShardPlan | None:
        """The shards to filter rows by, or None when every server is this process's (no SHARD_IDS:
        one process runs all shards, whatever their number)."""
        return None if self.plan.all_here else self.plan

    @property
    def shared(self) -> bool:
        """Whether other processes run the bot too (this one runs some of its shards, or
        PROCESS_COUNT says so): then they tell each other what they change (bot.storage.notify)."""
        return not self.plan.all_here or self.processes > 1

    def owns(self, guild_id: int | None) -> bool:
        """Whether this process acts for `guild_id` (direct messages: shard 0's process)."""
        if self.plan.all_here:
            return True
        return shard_of(guild_id, self.plan.count) in self.plan.ids

    def describe(self) -> str:
        """For the start-up log line: which shards, and the share of the request budget."""
        if self.plan.ids is not None:
            shards = f"shards {','.join(map(str, self.plan.ids))} of {self.plan.count}"
        elif self.shard_count is not None:
            shards = f"all {self.shard_count} shards"
        else:
            shards = "all shards (as many as Discord recommends)"
        bucket = self.outbox.bucket
        who = "the only process" if self.processes == 1 else f"one of {self.processes} processes"
        return f"{shards}, {who}: {bucket.rate:g} requests/s (bursts of {bucket.burst:g})"


def settle_heap() -> int:
    """Keep what start-up built (the deck and its index, the cogs, every server's cached channels
    and roles) out of Python's cycle collector from now on: collect once, then freeze the survivors.
    A full collection otherwise walks all of it again every few thousand interactions, a pause of
    tens of milliseconds in whichever interaction it lands on. Returns how many objects were frozen."""
    gc.collect()
    gc.freeze()
    return gc.get_freeze_count()
