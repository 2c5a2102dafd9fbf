"""What can go wrong when calling the WeChat API, as two exceptions a caller can act on."""

from __future__ import annotations

import json
from typing import Any

_TOKEN_INVALID = frozenset({40001, 40014, 42001})
_RATE_LIMITED = frozenset({45009, 45011})
_ERRMSG_LIMIT = 200


class WeChatApiError(Exception):
    """WeChat answered with a non-zero ``errcode``."""

    def __init__(self, errcode: int, errmsg: str = "") -> None:
        self.errcode = errcode
        self.errmsg = errmsg[:_ERRMSG_LIMIT]
        super().__init__(errcode, self.errmsg)

    def __str__(self) -> str:
        text = f"WeChat API error {self.errcode}"
        return f"{text}: {self.errmsg}" if self.errmsg else text

    @property
    def token_invalid(self) -> bool:
        """The access token is wrong, superseded or expired: fetch a new one and try again."""
        return self.errcode in _TOKEN_INVALID

    @property
    def window_closed(self) -> bool:
        """45015: no interaction in the last 48 hours, or the user unfollowed."""
        return self.errcode == 45015

    @property
    def quota_exceeded(self) -> bool:
        """45047: the messages granted by the user's last interaction are used up."""
        return self.errcode == 45047

    @property
    def rate_limited(self) -> bool:
        return self.errcode in _RATE_LIMITED

    @property
    def invalid_media(self) -> bool:
        return self.errcode == 40007

    @property
    def too_long_voice(self) -> bool:
        return self.errcode == 45007

    @property
    def system_busy(self) -> bool:
        """-1: WeChat asks to try again a little later."""
        return self.errcode == -1


class MediaTooLarge(WeChatApiError):
    """A downloaded file is larger than the caller accepts; 40006 is WeChat's own code for a bad media size."""

    def __init__(self, limit: int) -> None:
        super().__init__(40006, f"media larger than {limit} bytes")
        self.limit = limit


class WeChatUnavailable(Exception):
    """WeChat could not be reached, did not answer in time, or answered with something that is not its JSON."""


def raise_for_errcode(payload: dict[str, Any]) -> None:
    """Raise the error a decoded WeChat reply reports; return if it reports success (no or zero ``errcode``)."""
    raw = payload.get("errcode")
    if raw is None:
        return
    try:
        code = int(raw)
    except (TypeError, ValueError):
        raise WeChatUnavailable("WeChat answered with a malformed errcode") from None
    if code == 0:
        return
    message = payload.get("errmsg")
    raise WeChatApiError(code, message if isinstance(message, str) else "")


def decode_reply(path: str, status: int, body: bytes) -> dict[str, Any]:
    """The JSON object WeChat answered with, after raising any error it reports.

    ``path`` is the API path without its query, which holds the access token or the app secret.
    """
    try:
        payload = json.loads(body)
    except (ValueError, RecursionError):
        raise WeChatUnavailable(f"WeChat {path} answered HTTP {status} without JSON") from None
    if not isinstance(payload, dict):
        raise WeChatUnavailable(f"WeChat {path} answered HTTP {status} with JSON that is not an object")
    raise_for_errcode(payload)
    if status >= 400:
        raise WeChatUnavailable(f"WeChat {path} answered HTTP {status}")
    return payload
