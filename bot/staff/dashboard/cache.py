"""Figures kept for at most a minute, per period: a dashboard opened by several supervisors, or reloaded,
costs one round of aggregates a minute. With a real Redis the minute's figures are shared by every worker
(one computes, the others wait for it and read its result); on the embedded store they stay in the process,
which is the only one."""

from __future__ import annotations

import asyncio
import logging
import secrets
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

from fakeredis import FakeAsyncRedis
from redis.asyncio import Redis
from redis.exceptions import RedisError

T = TypeVar("T")
MAX_AGE_SECONDS = 60.0
_MAX_ENTRIES = 64
# How long another worker's computation is waited for before this one computes too (it may have died).
_WAIT_SECONDS = 15.0
_POLL_SECONDS = 0.05
# Deletes the computing mark only if it is still ours (it may have expired and been taken by another).
_RELEASE = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end return 0"

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Shared(Generic[T]):
    """Where figures are shared between workers, and how they are written there (JSON, never pickle: what
    is read back from Redis must not be able to run code)."""

    redis: Redis
    prefix: str
    dump: Callable[[T], bytes]
    load: Callable[[bytes], T]


def shared_when_real(
    redis: Redis, prefix: str, dump: Callable[[T], bytes], load: Callable[[bytes], T]
) -> Shared[T] | None:
    """Sharing through ``redis`` when it is a real server; None for the embedded store (one process)."""
    return None if isinstance(redis, FakeAsyncRedis) else Shared(redis, prefix, dump, load)


class FiguresCache(Generic[T]):
    def __init__(
        self,
        max_age: float = MAX_AGE_SECONDS,
        clock: Callable[[], float] = time.monotonic,
        shared: Shared[T] | None = None,
    ) -> None:
        self._max_age = max_age
        self._clock = clock
        self._shared = shared
        self._entries: dict[str, tuple[float, T]] = {}
        self._locks: dict[str, asyncio.Lock] = {}

    async def get(self, key: str, compute: Callable[[], Awaitable[T]]) -> T:
        """The figures for ``key`` computed within the last ``max_age`` seconds, else freshly computed (one
        computation at a time per key: who asks meanwhile waits for it, in this worker or, with a shared
        store, in any)."""
        found = self._fresh(key)
        if found is not None:
            return found[1]
        lock = self._locks.setdefault(key, asyncio.Lock())
        async with lock:
            found = self._fresh(key)
            if found is not None:
                return found[1]
            if self._shared is None:
                at, value = self._clock(), await compute()
            else:
                at, value = await self._from_shared(self._shared, key, compute)
            self._keep(key, at, value)
            return value

    async def clear(self) -> None:
        """Forget every figure, here and in the shared store (the benchmark times fresh computations)."""
        self._entries.clear()
        if self._shared is not None:
            keys = [key async for key in self._shared.redis.scan_iter(match=f"{self._shared.prefix}:*")]
            if keys:
                await self._shared.redis.delete(*keys)

    async def _from_shared(self, shared: Shared[T], key: str, compute: Callable[[], Awaitable[T]]) -> tuple[float, T]:
        name = f"{shared.prefix}:{key}"
        try:
            found = await self._read(shared, name)
            if found is not None:
                return found
            token = secrets.token_hex(8)
            mark = f"{name}:computing"
            if not await shared.redis.set(mark, token, nx=True, px=int(_WAIT_SECONDS * 1000)):
                deadline = time.monotonic() + _WAIT_SECONDS
                while time.monotonic() < deadline:
                    await asyncio.sleep(_POLL_SECONDS)
                    found = await self._read(shared, name)
                    if found is not None:
                        return found
                    if not await shared.redis.exists(mark):
                        break
        except RedisError as error:
            log.warning("dashboard: shared figures not read (%s); computed here", type(error).__name__)
            return self._clock(), await compute()
        value = await compute()
        try:
            await shared.redis.set(name, shared.dump(value), px=int(self._max_age * 1000))
            await shared.redis.eval(_RELEASE, 1, mark, token)
        except RedisError as error:
            log.warning("dashboard: shared figures not written (%s)", type(error).__name__)
        return self._clock(), value

    async def _read(self, shared: Shared[T], name: str) -> tuple[float, T] | None:
        """The shared figures and when (on this clock) they were computed, from the time they have left."""
        async with shared.redis.pipeline(transaction=False) as pipe:
            pipe.get(name)
            pipe.pttl(name)
            raw, left = await pipe.execute()
        if raw is None or left is None or left < 0:
            return None
        return self._clock() - (self._max_age - left / 1000), shared.load(raw)

    def _keep(self, key: str, at: float, value: T) -> None:
        if len(self._entries) >= _MAX_ENTRIES:
            oldest = min(self._entries, key=lambda name: self._entries[name][0])
            del self._entries[oldest]
            if oldest != key and not self._locks[oldest].locked():
                del self._locks[oldest]
        self._entries[key] = (at, value)

    def _fresh(self, key: str) -> tuple[float, T] | None:
        found = self._entries.get(key)
        if found is None or self._clock() - found[0] > self._max_age:
            return None
        return found
