"""Who a web chat resident is: an anonymous id in a signed cookie, and the CSRF token derived from it.

The cookie holds a random id and its HMAC, so it cannot be made up or changed; nothing personal is in
it. A form's CSRF token is another HMAC of the same id: a page of another site knows neither.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

COOKIE = "bot_chat"
MAX_AGE_SECONDS = 365 * 24 * 3600
_ID_BYTES = 18
_TAG_BYTES = 18


def _tag(key: bytes, purpose: bytes, user: str) -> str:
    digest = hmac.new(key, purpose + b":" + user.encode("ascii"), hashlib.sha256).digest()[:_TAG_BYTES]
    return base64.urlsafe_b64encode(digest).decode("ascii").rstrip("=")


class Identity:
    def __init__(self, key: bytes) -> None:
        self._key = hashlib.sha256(b"web-chat-identity:" + key).digest()

    @staticmethod
    def new_user() -> str:
        return "w" + secrets.token_urlsafe(_ID_BYTES)

    def cookie_value(self, user: str) -> str:
        return f"{user}.{_tag(self._key, b'cookie', user)}"

    def read(self, value: str | None) -> str | None:
        """The id a cookie carries, or None when it is missing, malformed or not signed by us."""
        if not value or len(value) > 200 or not value.isascii():
            return None
        user, _dot, tag = value.rpartition(".")
        if not user or not hmac.compare_digest(tag, _tag(self._key, b"cookie", user)):
            return None
        return user

    def csrf(self, user: str) -> str:
        return _tag(self._key, b"csrf", user)

    def csrf_matches(self, user: str, sent: str) -> bool:
        return sent.isascii() and hmac.compare_digest(sent, self.csrf(user))
