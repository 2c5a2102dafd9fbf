"""The platform's error answers, worded as WeChat words them (with a request id, as it appends one)."""

from __future__ import annotations

import secrets
from typing import Any

MESSAGES = {
    -1: "system error",
    40001: "invalid credential, access_token is invalid or not latest",
    40002: "invalid grant_type",
    40003: "invalid openid",
    40004: "invalid media type",
    40005: "invalid file type",
    40006: "invalid media size",
    40007: "invalid media_id",
    40008: "invalid message type",
    40013: "invalid appid",
    40125: "invalid appsecret",
    41001: "access_token missing",
    41005: "media data missing",
    42001: "access_token expired",
    44004: "empty content",
    45002: "content size out of limit",
    45007: "voice playtime out of limit",
    45009: "reach max api daily quota limit",
    45011: "api minute-quota reach-limit mustslower retry next minute",
    45015: "response out of time limit or subscription is canceled",
    45047: "out of response count limit",
    47001: "data format error",
}


def error(code: int, message: str | None = None) -> dict[str, Any]:
    text = message if message is not None else MESSAGES.get(code, "error")
    return {"errcode": code, "errmsg": f"{text} rid: {secrets.token_hex(12)}"}


OK: dict[str, Any] = {"errcode": 0, "errmsg": "ok"}
