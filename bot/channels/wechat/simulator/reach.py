"""Whom the platform lets the account message, and how many more times (the customer-service window).

The simulator plays the rule ``bot.channels.wechat.window`` expects: a user message grants 5 messages for
48 hours (replacing what was left); a follow, menu click or QR scan grants 3 for 60 s; grants do not add up,
the larger count and the later end are kept. Unfollowing closes the window.
"""

from __future__ import annotations

from dataclasses import dataclass

MESSAGE_GRANT = 5
MESSAGE_VALID = 48 * 3600.0
EVENT_GRANT = 3
EVENT_VALID = 60.0


@dataclass
class _Grant:
    left: int
    until: float


class PlatformWindows:
    def __init__(self) -> None:
        self._grants: dict[str, _Grant] = {}
        self._following: set[str] = set()

    def user_message(self, openid: str, at: float) -> None:
        self._following.add(openid)
        self._grants[openid] = _Grant(MESSAGE_GRANT, at + MESSAGE_VALID)

    def followed(self, openid: str, at: float) -> None:
        self._following.add(openid)
        self.interaction(openid, at)

    def interaction(self, openid: str, at: float) -> None:
        """A menu click or QR scan (and the follow itself)."""
        grant = self._grants.get(openid)
        if grant is None or grant.until <= at:
            self._grants[openid] = _Grant(EVENT_GRANT, at + EVENT_VALID)
            return
        grant.left = max(grant.left, EVENT_GRANT)
        grant.until = max(grant.until, at + EVENT_VALID)

    def unfollowed(self, openid: str) -> None:
        self._following.discard(openid)
        self._grants.pop(openid, None)

    def take(self, openid: str, now: float) -> int:
        """Use one message: 0, or the errcode the platform answers (45015 window closed, 45047 used up)."""
        grant = self._grants.get(openid)
        if openid not in self._following or grant is None or grant.until <= now:
            return 45015
        if grant.left <= 0:
            return 45047
        grant.left -= 1
        return 0
