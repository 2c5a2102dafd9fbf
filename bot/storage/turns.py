"""The Redis reads and writes of one turn, batched: one round trip to read, one to write.

Reading a person's state and what became of this message (a retry?) together, and writing the new
state and the remembered outcome together, halves the round trips on the per-message path.
"""

from __future__ import annotations

from typing import Any

from redis.exceptions import ResponseError

from bot.storage.conversations import ConversationStore
from bot.storage.dedup import MessageDedup
from bot.storage.keys import UserKey
from bot.storage.redis import dump_json_object, load_json_object


class TurnStore:
    def __init__(self, conversations: ConversationStore, dedup: MessageDedup) -> None:
        self.conversations = conversations
        self.dedup = dedup
        self._redis = conversations.redis

    async def begin(self, key: UserKey, message_id: str) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
        """``(remembered outcome of this message, saved state)``; either may be ``None``."""
        outcome_name = self.dedup.outcome_key(key, message_id)
        state_name = self.conversations.key_for(key)
        async with self._redis.pipeline(transaction=False) as pipe:
            pipe.get(outcome_name)
            pipe.get(state_name)
            raw_outcome, raw_state = await pipe.execute(raise_on_error=False)
        outcome = _decode(raw_outcome, outcome_name)
        state = _decode(raw_state, state_name)
        return outcome, state

    async def finish(self, key: UserKey, message_id: str, state: dict[str, Any], outcome: dict[str, Any]) -> None:
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.set(self.conversations.key_for(key), dump_json_object(state), ex=self.conversations.ttl)
            pipe.set(self.dedup.outcome_key(key, message_id), dump_json_object(outcome), ex=self.dedup.ttl)
            await pipe.execute()


def _decode(raw: Any, name: str) -> dict[str, Any] | None:
    if raw is None:
        return None
    if isinstance(raw, ResponseError):
        if str(raw).startswith("WRONGTYPE"):
            return None  # someone else's data or an old layout; the next write replaces it
        raise raw
    if isinstance(raw, Exception):
        raise raw
    return load_json_object(raw, key=name)
