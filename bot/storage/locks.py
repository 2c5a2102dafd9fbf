"""One message at a time per person, across every worker that shares the Redis."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from redis.asyncio import Redis
from redis.asyncio.lock import Lock
from redis.exceptions import LockNotOwnedError

from bot.storage.keys import UserKey

log = logging.getLogger(__name__)

# How often a waiting message asks again; short, since a person is waiting for the reply.
_RETRY_INTERVAL = 0.05


class LockTimeout(Exception):
    """Another message of the same person held the lock for longer than the wait."""

    def __init__(self, key: UserKey, wait: float) -> None:
        super().__init__(f"{key.channel} user busy for more than {wait:g} s")
        self.key = key
        self.wait = wait


class UserLocks:
    """Per-person locks that expire after ``timeout`` seconds, so a crashed worker blocks no one for long."""

    def __init__(self, redis: Redis, *, timeout: float = 30, wait: float = 10, prefix: str = "bot") -> None:
        if timeout <= 0 or wait < 0:
            raise ValueError("timeout must be positive and wait not negative")
        self._redis = redis
        self._timeout = timeout
        self._wait = wait
        self._prefix = prefix

    @asynccontextmanager
    async def hold(self, key: UserKey) -> AsyncIterator[None]:
        """Hold ``key``'s lock for the block; raise ``LockTimeout`` if it is not free within ``wait``."""
        name = key.redis_key("lock", self._prefix)
        # The token lives on this Lock object, which belongs to this one holder: not thread-local.
        lock = Lock(
            self._redis,
            name,
            timeout=self._timeout,
            sleep=_RETRY_INTERVAL,
            blocking_timeout=self._wait,
            thread_local=False,
        )
        if not await lock.acquire():
            raise LockTimeout(key, self._wait)
        try:
            yield
        finally:
            try:
                await lock.release()
            except LockNotOwnedError:
                # Held past ``timeout``: the key expired and may be someone else's now; leave it be.
                log.warning("lock %s expired before its holder finished (timeout %g s)", name, self._timeout)
