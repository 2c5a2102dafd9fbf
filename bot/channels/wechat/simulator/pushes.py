"""Plays the platform's side of the message push: builds, signs, encrypts and posts pushes to the bot."""

from __future__ import annotations

import hashlib
import itertools
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from xml.parsers.expat import ExpatError

import aiohttp
import xmltodict
from wechatpy.crypto import WeChatCrypto
from wechatpy.exceptions import InvalidAppIdException, InvalidSignatureException

from bot.channels.wechat.simulator.push_xml import Field, cdata, push_xml
from bot.channels.wechat.simulator.server import WeChatSimulator

# Events that grant the 3-message customer-service budget (besides subscribe).
_GRANTING_EVENTS = frozenset({"click", "scan", "scancode_push", "scancode_waitmsg"})
_NO_REPLY = frozenset({"", "success"})


def sign(token: str, timestamp: str | int, nonce: str | int) -> str:
    """The platform's ``signature``: SHA-1 of token, timestamp and nonce, sorted and joined."""
    joined = "".join(sorted([token, str(timestamp), str(nonce)]))
    return hashlib.sha1(joined.encode()).hexdigest()  # noqa: S324 - the platform's algorithm, not our choice


@dataclass(frozen=True)
class PushResult:
    """What the bot answered. ``status`` 0: no answer within the timeout on any delivery."""

    status: int
    body: str
    reply: dict[str, Any] | None
    deliveries: int
    elapsed: float
    reply_error: str | None = None  # why a non-empty answer could not be read as a passive reply

    @property
    def answered(self) -> bool:
        return self.status != 0


class PushClient:
    """Sends pushes to the bot's ``/wechat`` URL like the platform does; safe mode when ``aes_key`` is given."""

    def __init__(
        self,
        http: aiohttp.ClientSession,
        url: str,
        token: str,
        *,
        app_id: str | None = None,
        aes_key: str | None = None,
        account: str = "gh_simulator",
        simulator: WeChatSimulator | None = None,
        timeout: float = 5.0,
        retries: int = 3,
        clock: Callable[[], float] = time.time,
    ) -> None:
        if aes_key is not None and app_id is None:
            raise ValueError("safe mode needs the app_id as well as the aes_key")
        if timeout <= 0 or retries < 0:
            raise ValueError("timeout must be positive and retries not negative")
        self._http = http
        self._url = url
        self._token = token
        self._crypto = WeChatCrypto(token, aes_key, app_id) if aes_key is not None else None
        self._account = account
        self._simulator = simulator
        self._timeout = aiohttp.ClientTimeout(total=timeout)
        self._retries = retries
        self._clock = clock
        self._msg_ids = itertools.count(10**18 + secrets.randbelow(10**17))

    def text(self, openid: str, content: str, msg_id: int | None = None) -> str:
        return self._xml(openid, "text", [("Content", content)], msg_id)

    def voice(
        self,
        openid: str,
        media_id: str,
        fmt: str = "amr",
        msg_id: int | None = None,
        recognition: str | None = None,
        media_id_16k: str | None = None,
    ) -> str:
        fields: list[Field] = [
            ("MediaId", media_id),
            ("Format", fmt),
            ("MediaId16K", media_id_16k),
            ("Recognition", recognition),
        ]
        return self._xml(openid, "voice", fields, msg_id)

    def image(self, openid: str, media_id: str, pic_url: str = "", msg_id: int | None = None) -> str:
        url = pic_url or f"http://mmbiz.qpic.cn/mmbiz_jpg/{media_id}/0"
        return self._xml(openid, "image", [("PicUrl", url), ("MediaId", media_id)], msg_id)

    def location(
        self,
        openid: str,
        latitude: float,
        longitude: float,
        label: str = "",
        scale: int = 15,
        msg_id: int | None = None,
    ) -> str:
        fields: list[Field] = [("Location_X", latitude), ("Location_Y", longitude), ("Scale", scale), ("Label", label)]
        return self._xml(openid, "location", fields, msg_id)

    def link(self, openid: str, title: str, description: str, url: str, msg_id: int | None = None) -> str:
        return self._xml(openid, "link", [("Title", title), ("Description", description), ("Url", url)], msg_id)

    def video(self, openid: str, media_id: str, thumb_media_id: str, msg_id: int | None = None) -> str:
        return self._xml(openid, "video", [("MediaId", media_id), ("ThumbMediaId", thumb_media_id)], msg_id)

    def event(self, openid: str, event: str, key: str | None = None, ticket: str | None = None) -> str:
        """``subscribe``, ``unsubscribe``, ``CLICK``, ``VIEW``, ``SCAN``…; events carry no MsgId."""
        fields: list[Field] = [("Event", event), ("EventKey", key), ("Ticket", ticket)]
        return push_xml(self._account, openid, int(self._clock()), "event", fields, None)

    @staticmethod
    def raw(xml: str) -> str:
        return xml

    async def push(self, xml: str, *, encrypted: bool | None = None) -> PushResult:
        """Deliver ``xml``; resend the same request while no answer comes within the timeout."""
        crypto = self._crypto if encrypted is not False else None
        if encrypted and crypto is None:
            raise ValueError("an encrypted push needs aes_key and app_id")
        fields = _fields(xml)
        self._tell_simulator(fields)
        timestamp, nonce = str(int(self._clock())), str(secrets.randbelow(10**10))
        query = {"signature": sign(self._token, timestamp, nonce), "timestamp": timestamp, "nonce": nonce}
        if isinstance(fields.get("FromUserName"), str):
            query["openid"] = fields["FromUserName"]
        body = xml
        if crypto is not None:
            body, query["msg_signature"] = self._envelope(crypto, xml, timestamp, nonce)
            query["encrypt_type"] = "aes"
        started = time.monotonic()
        status, text, deliveries = await self._deliver(query, body)
        reply, problem = _read_reply(text, crypto) if status == 200 else (None, None)
        return PushResult(status, text, reply, deliveries, time.monotonic() - started, problem)

    async def verify_url(self, echostr: str) -> PushResult:
        """The GET the platform sends when the URL is configured; the bot must answer ``echostr``."""
        timestamp, nonce = str(int(self._clock())), str(secrets.randbelow(10**10))
        query = {"signature": sign(self._token, timestamp, nonce), "timestamp": timestamp, "nonce": nonce}
        query["echostr"] = echostr
        started = time.monotonic()
        try:
            async with self._http.get(self._url, params=query, timeout=self._timeout) as response:
                status, text = response.status, (await response.read()).decode("utf-8", "replace")
        except (aiohttp.ClientError, TimeoutError):
            status, text = 0, ""
        return PushResult(status, text, None, 1, time.monotonic() - started)

    def _xml(self, openid: str, msgtype: str, fields: list[Field], msg_id: int | None) -> str:
        number = next(self._msg_ids) if msg_id is None else msg_id
        return push_xml(self._account, openid, int(self._clock()), msgtype, fields, number)

    def _envelope(self, crypto: WeChatCrypto, xml: str, timestamp: str, nonce: str) -> tuple[str, str]:
        sealed = xmltodict.parse(crypto.encrypt_message(xml, nonce, timestamp))["xml"]
        lines = [f"<ToUserName>{cdata(self._account)}</ToUserName>", f"<Encrypt>{cdata(sealed['Encrypt'])}</Encrypt>"]
        body = "<xml>\n" + "\n".join(lines) + "\n</xml>"
        return body, str(sealed["MsgSignature"])

    async def _deliver(self, query: dict[str, str], body: str) -> tuple[int, str, int]:
        payload = body.encode()
        for delivery in range(1, self._retries + 2):
            try:
                async with self._http.post(
                    self._url, params=query, data=payload, headers={"Content-Type": "text/xml"}, timeout=self._timeout
                ) as response:
                    return response.status, (await response.read()).decode("utf-8", "replace"), delivery
            except (aiohttp.ClientError, TimeoutError):
                continue
        return 0, "", self._retries + 1

    def _tell_simulator(self, fields: dict[str, Any]) -> None:
        openid = fields.get("FromUserName")
        if self._simulator is None or not isinstance(openid, str):
            return
        if fields.get("MsgType") != "event":
            self._simulator.user_sent_message(openid)
            return
        event = str(fields.get("Event", "")).lower()
        if event == "subscribe":
            self._simulator.user_followed(openid)
        elif event == "unsubscribe":
            self._simulator.user_unsubscribed(openid)
        elif event in _GRANTING_EVENTS:
            self._simulator.user_clicked(openid)


def _fields(xml: str) -> dict[str, Any]:
    try:
        parsed = xmltodict.parse(xml)
    except (ExpatError, ValueError):
        return {}
    inner = parsed.get("xml") if isinstance(parsed, dict) else None
    return inner if isinstance(inner, dict) else {}


def _read_reply(text: str, crypto: WeChatCrypto | None) -> tuple[dict[str, Any] | None, str | None]:
    """The passive reply as a dict, or why the answer is not one (``None, None`` for "success" or nothing)."""
    answer = text.strip()
    if answer in _NO_REPLY:
        return None, None
    fields = _fields(answer)
    if not fields:
        return None, "not an <xml> document"
    if crypto is None:
        return fields, None
    if "Encrypt" not in fields:
        return None, "plaintext reply to a safe-mode push"
    try:
        plain = crypto.decrypt_message(answer, fields.get("MsgSignature"), fields.get("TimeStamp"), fields.get("Nonce"))
    except InvalidSignatureException:
        return None, "reply MsgSignature does not match"
    except InvalidAppIdException:
        return None, "reply encrypted for another app id"
    except (ValueError, KeyError, TypeError):
        return None, "reply does not decrypt"
    inner = _fields(plain)
    return (inner, None) if inner else (None, "decrypted reply is not an <xml> document")
