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


def loggable(name: str) -> str:
    """A Redis key as it may appear in logs: its kind and channel, not whose it is."""
    parts = name.split(":")
    return ":".join([*parts[:3], "***"]) if len(parts) > 3 else name
