"""WeChat's error codes, named for what the caller has to do about them."""

from __future__ import annotations

import pytest

from bot.channels.wechat.errors import MediaTooLarge, WeChatApiError, WeChatUnavailable, decode_reply


@pytest.mark.parametrize(
    ("code", "flag"),
    [
        (40001, "token_invalid"),
        (40014, "token_invalid"),
        (42001, "token_invalid"),
        (45015, "window_closed"),
        (45047, "quota_exceeded"),
        (45009, "rate_limited"),
        (45011, "rate_limited"),
        (40007, "invalid_media"),
        (45007, "too_long_voice"),
        (-1, "system_busy"),
    ],
)
def test_each_code_sets_exactly_its_flag(code: int, flag: str) -> None:
    error = WeChatApiError(code, "whatever")
    flags = ["token_invalid", "window_closed", "quota_exceeded", "rate_limited", "invalid_media", "too_long_voice"]
    flags.append("system_busy")
    assert [name for name in flags if getattr(error, name)] == [flag]


def test_message_names_the_code_and_a_truncated_errmsg() -> None:
    error = WeChatApiError(45015, "x" * 500)
    assert str(error) == "WeChat API error 45015: " + "x" * 200
    assert str(WeChatApiError(45009)) == "WeChat API error 45009"


def test_media_too_large_is_an_api_error() -> None:
    error = MediaTooLarge(2_000_000)
    assert isinstance(error, WeChatApiError)
    assert error.limit == 2_000_000


def test_decode_reply_passes_success_through() -> None:
    assert decode_reply("/p", 200, b'{"errcode":0,"errmsg":"ok"}') == {"errcode": 0, "errmsg": "ok"}


def test_decode_reply_raises_the_reported_error() -> None:
    with pytest.raises(WeChatApiError, match="40001"):
        decode_reply("/p", 200, b'{"errcode":40001,"errmsg":"invalid credential"}')


@pytest.mark.parametrize("body", [b"<html>busy</html>", b"[1, 2]", b'{"errcode": "abc"}'])
def test_decode_reply_calls_anything_else_unavailable(body: bytes) -> None:
    with pytest.raises(WeChatUnavailable):
        decode_reply("/p", 503, body)
