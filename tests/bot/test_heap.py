"""Objects alive at start-up are frozen out of the collector's walks; later garbage is still collected."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest

from bot.heap import freeze_startup_objects


class Node:
    def __init__(self) -> None:
        self.other: Node | None = None


@pytest.fixture(autouse=True)
def _unfreeze() -> Iterator[None]:
    yield
    gc.unfreeze()


def _tracked(thing: object) -> bool:
    """Whether the collector walks ``thing`` (frozen objects are in no generation)."""
    return any(candidate is thing for candidate in gc.get_objects())


def test_objects_made_before_start_up_ends_are_no_longer_walked() -> None:
    catalog_like = {"service": [Node() for _ in range(100)]}
    assert _tracked(catalog_like)

    frozen = freeze_startup_objects()

    assert frozen >= 100
    assert not _tracked(catalog_like)
    assert not _tracked(catalog_like["service"][0])


def test_cycles_made_after_start_up_are_still_collected() -> None:
    freeze_startup_objects()
    first, second = Node(), Node()
    first.other, second.other = second, first
    assert _tracked(first)
    del first, second

    assert gc.collect() >= 2
