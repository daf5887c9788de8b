"""PerObject: values built once per object, by identity, for the most recent few objects."""

from __future__ import annotations

from bot.core.memo import PerObject


class Unhashable:
    __hash__ = None  # like a Deck: hashing it would be costly, so the cache never does


def test_built_once_per_object_by_identity():
    built = []
    cache = PerObject(lambda source: built.append(source) or len(built), size=2)
    a, b = Unhashable(), Unhashable()
    assert cache(a) == 1 and cache(a) == 1 and cache(b) == 2
    assert built == [a, b]


def test_bounded_least_recently_used_first():
    cache = PerObject(lambda source: object(), size=2)
    a, b, c = Unhashable(), Unhashable(), Unhashable()
    first_a = cache(a)
    cache(b)
    assert cache(a) is first_a  # a is now the most recent
    cache(c)  # b goes
    assert len(cache) == 2 and cache(a) is first_a


def test_an_entry_keeps_its_object_so_its_id_is_not_reused():
    cache = PerObject(lambda source: [source], size=1)
    value = cache(Unhashable())  # no other reference to the object: the cache keeps it alive
    assert cache(value[0]) is value
