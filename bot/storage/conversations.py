"""Where each person's conversation state lives between messages, and for how long.

The state is read as a turn takes the person's lock and written as it lets go (``turns.py``); this
module decides the key and the time to live.
"""

from __future__ import annotations

from datetime import timedelta

from bot.storage.keys import UserKey

# An application interrupted on Friday must still be there on Monday, and then some.
MIN_TTL = timedelta(days=7)


class ConversationStore:
    """One JSON object per person, kept for ``ttl`` after their last message."""

    def __init__(self, ttl: timedelta, prefix: str = "bot") -> None:
        if ttl < MIN_TTL:
            raise ValueError(f"conversation ttl must be at least {MIN_TTL.days} days, got {ttl}")
        self._ttl = ttl
        self._prefix = prefix

    @property
    def ttl(self) -> timedelta:
        return self._ttl

    def key_for(self, key: UserKey) -> str:
        return key.redis_key("conversation", self._prefix)
