"""Parse a (decrypted) WeChat push into one typed value.

xmltodict (≥ 1.0.1) refuses any entity declaration, so XXE and billion-laughs payloads fail to parse
instead of being expanded; every parse failure becomes :class:`MalformedPush`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from xml.parsers.expat import ExpatError

import xmltodict

MESSAGE_KINDS = ("text", "voice", "image", "video", "shortvideo", "location", "link", "file")


class MalformedPush(Exception):
    """The body is not a WeChat push we can read; the message says why, without its contents."""


@dataclass(frozen=True)
class Push:
    kind: str  # a MsgType (text, voice, image…), "event", or what an unknown push said
    openid: str  # FromUserName: the resident
    account: str  # ToUserName: our account
    create_time: int
    msg_id: str | None = None
    content: str = ""
    event: str = ""  # subscribe, unsubscribe, CLICK, VIEW, SCAN…
    event_key: str = ""
    media_id: str = ""
    media_id_16k: str = ""
    voice_format: str = ""
    recognition: str = ""

    @property
    def dedup_id(self) -> str:
        """MsgId for messages; FromUserName + CreateTime for events, as the platform recommends."""
        if self.msg_id:
            return self.msg_id
        return f"{self.openid}:{self.create_time}:{self.event or self.kind}"


def parse_xml(body: str) -> dict[str, Any]:
    """The ``<xml>`` element as a dict of strings; raises :class:`MalformedPush`."""
    try:
        document = xmltodict.parse(body)
    except (ExpatError, ValueError) as error:
        raise MalformedPush(f"not readable XML ({type(error).__name__})") from None
    root = document.get("xml") if isinstance(document, dict) else None
    if not isinstance(root, dict):
        raise MalformedPush("the root element is not <xml>")
    return root


def parse_push(body: str) -> Push:
    root = parse_xml(body)
    kind = _text(root, "MsgType")
    openid = _text(root, "FromUserName")
    if not kind or not openid:
        raise MalformedPush("MsgType or FromUserName is missing")
    try:
        create_time = int(_text(root, "CreateTime") or "0")
    except ValueError:
        raise MalformedPush("CreateTime is not a number") from None
    return Push(
        kind=kind.lower(),
        openid=openid,
        account=_text(root, "ToUserName"),
        create_time=create_time,
        msg_id=_text(root, "MsgId") or None,
        content=_text(root, "Content"),
        event=_text(root, "Event"),
        event_key=_text(root, "EventKey"),
        media_id=_text(root, "MediaId"),
        media_id_16k=_text(root, "MediaId16K"),
        voice_format=_text(root, "Format"),
        recognition=_text(root, "Recognition"),
    )


def _text(root: dict[str, Any], name: str) -> str:
    value = root.get(name)
    if value is None:
        return ""
    if not isinstance(value, str):
        raise MalformedPush(f"{name} is not plain text")
    return value.strip()
