"""Where each person's conversation state lives between messages."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from redis.asyncio import Redis
from redis.exceptions import ResponseError

from bot.storage.keys import UserKey, loggable
from bot.storage.redis import dump_json_object, load_json_object

log = logging.getLogger(__name__)

# An application interrupted on Friday must still be there on Monday, and then some.
MIN_TTL = timedelta(days=7)


class ConversationStore:
    """One JSON object per person, kept for ``ttl`` after their last message."""

    def __init__(self, redis: Redis, ttl: timedelta, prefix: str = "bot") -> None:
        if ttl < MIN_TTL:
            raise ValueError(f"conversation ttl must be at least {MIN_TTL.days} days, got {ttl}")
        self._redis = redis
        self._ttl = ttl
        self._prefix = prefix

    @property
    def redis(self) -> Redis:
        return self._redis

    @property
    def ttl(self) -> timedelta:
        return self._ttl

    def _key(self, key: UserKey) -> str:
        return key.redis_key("conversation", self._prefix)

    def key_for(self, key: UserKey) -> str:
        return self._key(key)

    async def load(self, key: UserKey) -> dict[str, Any] | None:
        """The saved state, or ``None`` if there is none or it cannot be read."""
        name = self._key(key)
        try:
            raw = await self._redis.get(name)
        except ResponseError as error:
            if not str(error).startswith("WRONGTYPE"):
                raise
            # Not a string: someone else's data or an old layout; the next save replaces it.
            log.warning("ignoring %s: not a string value", loggable(name))
            return None
        if raw is None:
            return None
        return load_json_object(raw, key=name)

    async def save(self, key: UserKey, state: dict[str, Any]) -> None:
        """Replace the state and restart its time to live."""
        await self._redis.set(self._key(key), dump_json_object(state), ex=self._ttl)

    async def delete(self, key: UserKey) -> None:
        await self._redis.delete(self._key(key))
