"""WeChat resends a message it got no answer to: what became of each message is kept for a while.

A turn reads the remembered outcome as it takes the person's lock and writes it as it lets go
(``turns.py``), so a resent copy gets the same answer and repeats no action; this module decides the
key and the time to live.
"""

from __future__ import annotations

from datetime import timedelta

from bot.storage.keys import UserKey


class MessageDedup:
    """What became of each recent message, kept for ``ttl``."""

    def __init__(self, *, ttl: timedelta = timedelta(hours=1), prefix: str = "bot") -> None:
        if ttl < timedelta(seconds=1):
            raise ValueError(f"dedup ttl must be at least one second, got {ttl}")
        self._ttl = ttl
        self._prefix = prefix

    @property
    def ttl(self) -> timedelta:
        return self._ttl

    def outcome_key(self, key: UserKey, message_id: str) -> str:
        return f"{key.redis_key('outcome', self._prefix)}:{message_id}"
