"""Per-cookie and per-address limits on what the web chat takes: fixed windows counted in Redis."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from redis.asyncio import Redis


@dataclass(frozen=True)
class Limit:
    per_cookie: int
    per_address: int
    window_seconds: int


MESSAGES = Limit(per_cookie=20, per_address=120, window_seconds=60)
AUDIO = Limit(per_cookie=10, per_address=60, window_seconds=60)
RESUME = Limit(per_cookie=5, per_address=20, window_seconds=900)  # 4 digits must not be guessed
RESUME_PER_CASE = 10  # tries on one case number an hour, from anywhere: fresh cookies and addresses do not help


class RateLimits:
    def __init__(self, redis: Redis, *, prefix: str = "bot:web:rate", clock: Callable[[], float] = time.time) -> None:
        self._redis = redis
        self._prefix = prefix
        self._clock = clock

    async def allow(self, kind: str, limit: Limit, user: str, address: str) -> bool:
        """Count one more ``kind`` for this cookie and this address; False once either is over its limit."""
        window = int(self._clock()) // limit.window_seconds
        keys = (f"{self._prefix}:{kind}:c:{user}:{window}", f"{self._prefix}:{kind}:a:{address}:{window}")
        async with self._redis.pipeline(transaction=False) as pipe:
            for key in keys:
                pipe.incr(key)
                pipe.expire(key, limit.window_seconds + 5)
            counts = await pipe.execute()
        return int(counts[0]) <= limit.per_cookie and int(counts[2]) <= limit.per_address

    async def allow_on(self, kind: str, subject: str, most: int, window_seconds: int) -> bool:
        """Count one more ``kind`` on ``subject`` (e.g. a case number), whoever asks; False past ``most``."""
        key = f"{self._prefix}:{kind}:s:{subject}:{int(self._clock()) // window_seconds}"
        async with self._redis.pipeline(transaction=False) as pipe:
            pipe.incr(key)
            pipe.expire(key, window_seconds + 5)
            count, _ = await pipe.execute()
        return int(count) <= most
