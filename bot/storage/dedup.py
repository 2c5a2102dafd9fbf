"""WeChat resends a message it got no answer to; these keys make handling it again harmless."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from redis.asyncio import Redis

from bot.storage.keys import UserKey
from bot.storage.redis import dump_json_object, load_json_object


class MessageDedup:
    """What became of each recent message, kept for ``ttl``."""

    def __init__(self, redis: Redis, *, ttl: timedelta = timedelta(hours=1), prefix: str = "bot") -> None:
        if ttl < timedelta(seconds=1):
            raise ValueError(f"dedup ttl must be at least one second, got {ttl}")
        self._redis = redis
        self._ttl = ttl
        self._prefix = prefix

    @property
    def ttl(self) -> timedelta:
        return self._ttl

    def _key(self, kind: str, key: UserKey, message_id: str) -> str:
        return f"{key.redis_key(kind, self._prefix)}:{message_id}"

    def outcome_key(self, key: UserKey, message_id: str) -> str:
        return self._key("outcome", key, message_id)

    async def recall(self, key: UserKey, message_id: str) -> dict[str, Any] | None:
        """The outcome remembered for this message, or ``None`` if it has not been handled."""
        name = self._key("outcome", key, message_id)
        raw = await self._redis.get(name)
        if raw is None:
            return None
        return load_json_object(raw, key=name)

    async def remember(self, key: UserKey, message_id: str, outcome: dict[str, Any]) -> None:
        """Store the outcome (its replies) so a resent copy gets the same answer."""
        await self._redis.set(self._key("outcome", key, message_id), dump_json_object(outcome), ex=self._ttl)

    async def claim(self, key: UserKey, message_id: str) -> bool:
        """True for the first caller only, for handlers that need at-most-once and nothing to replay."""
        claimed = await self._redis.set(self._key("claim", key, message_id), b"1", nx=True, ex=self._ttl)
        return bool(claimed)
