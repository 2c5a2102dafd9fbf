"""Redis key naming: one place decides how a person's keys are spelled."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class UserKey:
    """Who a conversation belongs to: a channel (``wechat``, ``cli``…) and that channel's user id."""

    channel: str
    user_id: str

    def redis_key(self, kind: str, prefix: str = "bot") -> str:
        return f"{prefix}:{kind}:{self.channel}:{self.user_id}"
