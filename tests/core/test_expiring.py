"""Per-member state that expires after a time without use, and locks that exist only while needed."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest

from bot.core.expiring import Expiring, KeyedLocks

START = datetime(2026, 3, 10, 15, 30, tzinfo=UTC)


class Clock:
    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta) -> None:
        self.now += timedelta(**delta)


def test_an_entry_left_alone_expires_and_one_in_use_stays():
    clock = Clock()
    state = Expiring(timedelta(hours=1), clock)
    state[1] = "abandoned"
    state[2] = "busy"
    clock.advance(minutes=40)
    assert state.get(2) == "busy"  # reading counts as use
    clock.advance(minutes=20)
    assert 1 not in state and state.get(1) is None
    assert state.get(2) == "busy" and len(state) == 1
    clock.advance(hours=1)
    assert len(state) == 0, "every abandoned entry goes, not only the one asked about"


def test_writing_pops_and_defaults():
    clock = Clock()
    state = Expiring(timedelta(minutes=15), clock)
    state[7] = 1
    state[7] = 2
    assert state.pop(7) == 2 and state.pop(7, "gone") == "gone"
    assert state.get(8, 0) == 0
    state[9] = 3
    clock.advance(minutes=15)
    assert state.pop(9) is None, "exactly `idle` without use is expired"


def test_memory_stays_bounded_by_recent_members():
    clock = Clock()
    state = Expiring(timedelta(hours=1), clock)
    for member in range(10_000):
        state[member] = member
        clock.advance(seconds=10)
    assert len(state) == 359, "members seen less than an hour ago, one every 10 seconds"


def test_idle_must_be_positive():
    with pytest.raises(ValueError):
        Expiring(timedelta(0), Clock())


async def test_a_lock_serialises_one_key_and_is_dropped_when_free():
    locks = KeyedLocks()
    order = []

    async def work(key, name):
        async with locks.hold(key):
            order.append(f"{name} in")
            await asyncio.sleep(0)
            order.append(f"{name} out")

    await asyncio.gather(work(1, "a"), work(1, "b"), work(2, "c"))
    assert order.index("a out") < order.index("b in"), "same key: one at a time"
    assert len(locks) == 0, "nobody holds or waits: no lock kept"


async def test_a_lock_survives_an_error_inside_and_is_still_dropped():
    locks = KeyedLocks()
    with pytest.raises(RuntimeError):
        async with locks.hold(1):
            raise RuntimeError("boom")
    assert len(locks) == 0
    async with locks.hold(1):
        assert len(locks) == 1
