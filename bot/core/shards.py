"""Which servers a process looks after when the bot runs as shard ranges in several processes.

Discord assigns a server to shard `(guild_id >> 22) % shard_count`; a process that runs shards
0-3 of 8 acts only for the servers of those shards (its scheduler, its restart recovery), and
direct messages belong to shard 0. `SHARD_IDS` is written as a range "0-3", a list "4,5" or both
("0-1,6"). Pure: no Discord, no storage.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.core.errors import BadInput

MAX_SHARDS = 10_000


def shard_of(guild_id: int | None, shard_count: int) -> int:
    """The shard a server's events arrive on (direct messages: shard 0)."""
    if guild_id is None:
        return 0
    return (guild_id >> 22) % shard_count


def parse_shard_ids(text: str, shard_count: int) -> tuple[int, ...]:
    """ "0-3" -> (0, 1, 2, 3); "4,5" -> (4, 5); ids must be below `shard_count`, each once."""
    ids: list[int] = []
    for part in (text or "").replace(" ", "").split(","):
        if not part:
            continue
        low, sep, high = part.partition("-")
        if not low.isdigit() or (sep and not high.isdigit()):
            raise BadInput(f'SHARD_IDS must look like "0-3" or "4,5", not {text!r}.')
        first, last = int(low), int(high) if sep else int(low)
        if last < first:
            raise BadInput(f"SHARD_IDS range {part!r} runs backwards; write it as {last}-{first}.")
        ids.extend(range(first, last + 1))
    if not ids:
        raise BadInput('SHARD_IDS is empty; write a range like "0-3" or a list like "4,5".')
    if len(set(ids)) != len(ids):
        raise BadInput(f"SHARD_IDS {text!r} names a shard twice.")
    if max(ids) >= shard_count:
        raise BadInput(
            f"SHARD_IDS {text!r} goes past SHARD_COUNT={shard_count}: shard ids run 0-{shard_count - 1}."
        )
    return tuple(sorted(ids))


@dataclass(frozen=True, slots=True)
class ShardPlan:
    """The shards this process runs: `count` None means Discord's recommended count, all here."""

    count: int | None = None
    ids: tuple[int, ...] | None = None

    @property
    def all_here(self) -> bool:
        return self.ids is None or (self.count is not None and len(self.ids) == self.count)

    def owns(self, guild_id: int | None, shard_count: int) -> bool:
        """Whether this process acts for `guild_id`, given the bot's actual shard count."""
        return self.ids is None or shard_of(guild_id, shard_count) in self.ids


def shard_plan(count_text: str | None, ids_text: str | None) -> ShardPlan:
    """SHARD_COUNT and SHARD_IDS as set (either may be empty)."""
    count = None
    if count_text:
        if not count_text.isdigit() or not 1 <= int(count_text) <= MAX_SHARDS:
            raise BadInput(f"SHARD_COUNT must be a whole number from 1 to {MAX_SHARDS}, not {count_text!r}.")
        count = int(count_text)
    if ids_text:
        if count is None:
            raise BadInput("SHARD_IDS needs SHARD_COUNT too: every process must agree on the total.")
        return ShardPlan(count, parse_shard_ids(ids_text, count))
    return ShardPlan(count, None)
