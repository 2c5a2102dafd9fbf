"""What the service keeps in Redis for a person, read back the way a support engineer would."""

from __future__ import annotations

from typing import Any

from redis.asyncio import Redis

from bot.pipeline import Pipeline
from bot.storage.keys import UserKey


async def stored_conversation(redis: Redis, pipeline: Pipeline, key: UserKey) -> dict[str, Any] | None:
    """The person's saved conversation, or None when there is none."""
    name = pipeline.conversations.key_for(key)
    return pipeline.turns.unseal(await redis.get(name), name)
