"""Access tokens as the platform issues them: classic ``/cgi-bin/token`` and ``/cgi-bin/stable_token``."""

from __future__ import annotations

import secrets
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from bot.channels.wechat.simulator.codes import error

# stable_token in normal mode hands out a new token once the current one has less than this left.
_RENEW_EARLY = 300.0
_FORCE_INTERVAL = 30.0


@dataclass
class _Token:
    kind: str
    expires_at: float
    superseded_at: float | None = None  # end of the grace after a newer token replaced this one


class TokenIssuer:
    """Issues and checks tokens; ``fetches`` counts requests per endpoint (``token``, ``stable_token``)."""

    def __init__(
        self, app_id: str, app_secret: str, *, lifetime: float, grace: float, clock: Callable[[], float]
    ) -> None:
        self.app_id = app_id
        self.app_secret = app_secret
        self.lifetime = lifetime
        self.grace = grace
        self.fetches: Counter[str] = Counter()
        self._clock = clock
        self._tokens: dict[str, _Token] = {}
        self._latest: dict[str, str] = {}
        self._last_forced: float | None = None

    def classic(self, grant_type: str | None, appid: str | None, secret: str | None) -> dict[str, Any]:
        """``GET /cgi-bin/token``: always a new token; the previous classic one works for the grace only."""
        self.fetches["token"] += 1
        refused = self._refuse(grant_type, appid, secret)
        if refused is not None:
            return refused
        token = self._issue("token")
        return {"access_token": token, "expires_in": int(self.lifetime)}

    def stable(self, grant_type: Any, appid: Any, secret: Any, force: bool) -> dict[str, Any]:
        """``POST /cgi-bin/stable_token``: the same token while it has time left, unless forced."""
        self.fetches["stable_token"] += 1
        refused = self._refuse(grant_type, appid, secret)
        if refused is not None:
            return refused
        now = self._clock()
        if force:
            if self._last_forced is not None and now - self._last_forced < _FORCE_INTERVAL:
                return error(45011)
            self._last_forced = now
        current = self._latest.get("stable_token")
        if not force and current is not None and self.check(current) == 0:
            left = self._tokens[current].expires_at - now
            if left > _RENEW_EARLY:
                return {"access_token": current, "expires_in": int(left)}
        token = self._issue("stable_token")
        return {"access_token": token, "expires_in": int(self.lifetime)}

    def check(self, token: str | None) -> int:
        """0 for a token that works now, else the errcode the platform answers."""
        if not token:
            return 41001
        issued = self._tokens.get(token)
        if issued is None:
            return 40001
        now = self._clock()
        if issued.superseded_at is not None and now >= issued.superseded_at:
            return 40001
        if now >= issued.expires_at:
            return 42001
        return 0

    def expire_all(self) -> None:
        now = self._clock()
        for issued in self._tokens.values():
            issued.expires_at = min(issued.expires_at, now)

    def _refuse(self, grant_type: Any, appid: Any, secret: Any) -> dict[str, Any] | None:
        if grant_type != "client_credential":
            return error(40002)
        if appid != self.app_id:
            return error(40013)
        if secret != self.app_secret:
            return error(40125)
        return None

    def _issue(self, kind: str) -> str:
        now = self._clock()
        previous = self._latest.get(kind)
        if previous is not None:
            old = self._tokens[previous]
            grace_end = now + self.grace
            old.superseded_at = grace_end if old.superseded_at is None else min(old.superseded_at, grace_end)
        # Real tokens are long opaque strings; at least 512 characters must be storable.
        token = secrets.token_urlsafe(96)
        self._tokens[token] = _Token(kind, expires_at=now + self.lifetime)
        self._latest[kind] = token
        return token
