"""Figures kept for at most a minute, per period, in this process: a dashboard opened by several
supervisors, or reloaded, costs one round of aggregates a minute."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import Generic, TypeVar

T = TypeVar("T")
MAX_AGE_SECONDS = 60.0
_MAX_ENTRIES = 64


class FiguresCache(Generic[T]):
    def __init__(self, max_age: float = MAX_AGE_SECONDS, clock: Callable[[], float] = time.monotonic) -> None:
        self._max_age = max_age
        self._clock = clock
        self._entries: dict[str, tuple[float, T]] = {}
        self._locks: dict[str, asyncio.Lock] = {}

    async def get(self, key: str, compute: Callable[[], Awaitable[T]]) -> T:
        """The figures for ``key`` computed within the last ``max_age`` seconds, else freshly computed (one
        computation at a time per key: who asks meanwhile waits for it)."""
        found = self._fresh(key)
        if found is not None:
            return found[1]
        lock = self._locks.setdefault(key, asyncio.Lock())
        async with lock:
            found = self._fresh(key)
            if found is not None:
                return found[1]
            value = await compute()
            if len(self._entries) >= _MAX_ENTRIES:
                oldest = min(self._entries, key=lambda name: self._entries[name][0])
                del self._entries[oldest]
                if oldest != key and not self._locks[oldest].locked():
                    del self._locks[oldest]
            self._entries[key] = (self._clock(), value)
            return value

    def _fresh(self, key: str) -> tuple[float, T] | None:
        found = self._entries.get(key)
        if found is None or self._clock() - found[0] > self._max_age:
            return None
        return found
