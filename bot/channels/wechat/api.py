"""The WeChat API calls the service makes: customer-service messages and temporary media."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Awaitable, Callable
from typing import Any, Literal, TypeVar

import aiohttp

from bot.channels.wechat.errors import MediaTooLarge, WeChatApiError, WeChatUnavailable, decode_reply
from bot.channels.wechat.token import AccessTokens

log = logging.getLogger(__name__)

T = TypeVar("T")

_SEND = "/cgi-bin/message/custom/send"
_UPLOAD = "/cgi-bin/media/upload"
_GET_MEDIA = "/cgi-bin/media/get"
_JSON_TYPES = frozenset({"application/json", "text/json", "text/plain"})
_CHUNK = 64 * 1024


class WeChatApi:
    """Every call raises only ``WeChatApiError`` (WeChat said no) or ``WeChatUnavailable`` (no usable answer)."""

    def __init__(
        self,
        session: aiohttp.ClientSession,
        base_url: str,
        tokens: AccessTokens,
        *,
        timeout: float = 5.0,
    ) -> None:
        if timeout <= 0:
            raise ValueError("timeout must be positive")
        self._session = session
        self._base_url = base_url.rstrip("/")
        self._tokens = tokens
        self._timeout = aiohttp.ClientTimeout(total=timeout)

    async def send_text(self, openid: str, text: str) -> None:
        await self._send({"touser": openid, "msgtype": "text", "text": {"content": text}})

    async def send_voice(self, openid: str, media_id: str) -> None:
        await self._send({"touser": openid, "msgtype": "voice", "voice": {"media_id": media_id}})

    async def send_image(self, openid: str, media_id: str) -> None:
        await self._send({"touser": openid, "msgtype": "image", "image": {"media_id": media_id}})

    async def upload_media(self, kind: Literal["voice", "image"], data: bytes, filename: str, content_type: str) -> str:
        """Upload a temporary file (valid 3 days); its ``media_id``."""

        async def upload(token: str) -> dict[str, Any]:
            form = aiohttp.FormData()
            # A file object, not bytes: aiohttp writes large bytes bodies in one blocking piece.
            form.add_field("media", io.BytesIO(data), filename=filename, content_type=content_type)
            return await self._call_json("POST", _UPLOAD, {"access_token": token, "type": kind}, data=form)

        payload = await self._with_token(_UPLOAD, upload)
        media_id = payload.get("media_id")
        if not isinstance(media_id, str) or not media_id:
            raise WeChatUnavailable(f"WeChat {_UPLOAD} answered without a media_id")
        return media_id

    async def get_media(self, media_id: str, *, max_bytes: int = 2_000_000) -> tuple[bytes, str]:
        """The file and its content type; ``MediaTooLarge`` past ``max_bytes``."""

        async def download(token: str) -> tuple[bytes, str]:
            return await self._download(token, media_id, max_bytes)

        return await self._with_token(_GET_MEDIA, download)

    async def _send(self, message: dict[str, Any]) -> None:
        body = json.dumps(message, ensure_ascii=False).encode()

        async def send(token: str) -> dict[str, Any]:
            return await self._call_json(
                "POST",
                _SEND,
                {"access_token": token},
                data=body,
                headers={"Content-Type": "application/json; charset=utf-8"},
            )

        await self._with_token(_SEND, send)

    async def _with_token(self, path: str, call: Callable[[str], Awaitable[T]]) -> T:
        """``call`` with the current token; once more with a fresh one if WeChat rejects the token."""
        token = await self._tokens.get()
        try:
            return await call(token)
        except WeChatApiError as error:
            if not error.token_invalid:
                log.info("WeChat %s: errcode %d", path, error.errcode)
                raise
            log.info("WeChat %s rejected the access token (errcode %d); fetching a fresh one", path, error.errcode)
        await self._tokens.invalidate(token)
        token = await self._tokens.get()
        try:
            return await call(token)
        except WeChatApiError as error:
            log.warning("WeChat %s: errcode %d after a token refresh", path, error.errcode)
            raise

    async def _call_json(
        self,
        method: str,
        path: str,
        query: dict[str, str],
        *,
        data: Any = None,
        headers: dict[str, str] | None = None,
    ) -> dict[str, Any]:
        try:
            async with self._session.request(
                method, self._base_url + path, params=query, data=data, headers=headers, timeout=self._timeout
            ) as response:
                status, raw = response.status, await response.read()
        except (aiohttp.ClientError, TimeoutError) as error:
            raise _unavailable(path, error) from None
        return decode_reply(path, status, raw)

    async def _download(self, token: str, media_id: str, max_bytes: int) -> tuple[bytes, str]:
        query = {"access_token": token, "media_id": media_id}
        try:
            async with self._session.get(self._base_url + _GET_MEDIA, params=query, timeout=self._timeout) as response:
                if response.content_length is not None and response.content_length > max_bytes:
                    raise MediaTooLarge(max_bytes)
                raw = await _read_at_most(response, max_bytes)
                status, content_type = response.status, response.content_type
        except (aiohttp.ClientError, TimeoutError) as error:
            raise _unavailable(_GET_MEDIA, error) from None
        # Errors come back as JSON, labelled text/plain at times; no audio or image file starts with "{".
        if content_type in _JSON_TYPES or raw.lstrip()[:1] == b"{" or status >= 400:
            decode_reply(_GET_MEDIA, status, raw)
            return raw, "application/json"
        return raw, content_type or "application/octet-stream"


async def _read_at_most(response: aiohttp.ClientResponse, limit: int) -> bytes:
    chunks: list[bytes] = []
    size = 0
    async for chunk in response.content.iter_chunked(_CHUNK):
        size += len(chunk)
        if size > limit:
            raise MediaTooLarge(limit)
        chunks.append(chunk)
    return b"".join(chunks)


def _unavailable(path: str, error: BaseException) -> WeChatUnavailable:
    # Only the path: aiohttp's messages may quote the full URL, whose query holds the access token.
    log.warning("WeChat %s unreachable: %s", path, type(error).__name__)
    return WeChatUnavailable(f"WeChat {path} unreachable ({type(error).__name__})")
