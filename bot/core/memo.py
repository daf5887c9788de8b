"""A small cache of values derived from objects that cannot be hashed cheaply or weakly referenced.

A Deck is a slotted dataclass (no weak references) and hashing one hashes every term, so what is
built from a deck (its answer judge, its review cards) is cached by identity. Each entry keeps its
object alive, so an id cannot be reused by another object while it is cached.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable
from typing import Generic, TypeVar

S = TypeVar("S")
V = TypeVar("V")


class PerObject(Generic[S, V]):
    """`cache(source)`: build(source) for the `size` most recently used sources, built once each."""

    def __init__(self, build: Callable[[S], V], size: int) -> None:
        self.build = build
        self.size = size
        self._entries: OrderedDict[int, tuple[S, V]] = OrderedDict()

    def __call__(self, source: S) -> V:
        entry = self._entries.get(id(source))
        if entry is not None and entry[0] is source:
            self._entries.move_to_end(id(source))
            return entry[1]
        value = self.build(source)
        self._entries[id(source)] = (source, value)
        while len(self._entries) > self.size:
            self._entries.popitem(last=False)
        return value

    def __len__(self) -> int:
        return len(self._entries)
