"""Parse a (decrypted) WeChat push into one typed value.

A push is a flat ``<xml>`` element of text fields. Any markup declaration (``<!DOCTYPE``, ``<!ENTITY``,
comments; only ``<![CDATA[`` is allowed) is refused before parsing, so XXE and billion-laughs payloads
are never expanded; the C ElementTree parser then reads the rest, several times faster than building
dicts in Python. Every parse failure becomes :class:`MalformedPush`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any
from xml.etree import ElementTree

MESSAGE_KINDS = ("text", "voice", "image", "video", "shortvideo", "location", "link", "file")


# "<!" opens a declaration, a comment or a CDATA section; only CDATA belongs in a push.
_DECLARATION = re.compile(r"<!(?!\[CDATA\[)")


class NotText:
    """A field that holds elements or attributes instead of plain text."""


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
    """The ``<xml>`` element's fields: text, or ``NotText`` for a field with elements or attributes
    inside; a field given twice is a list. Raises :class:`MalformedPush`."""
    if _DECLARATION.search(body):
        raise MalformedPush("markup declarations are not accepted")
    try:
        # Safe without defusedxml: with no DOCTYPE (refused above) there can be no entity to expand.
        root = ElementTree.fromstring(body)  # noqa: S314
    except (ElementTree.ParseError, ValueError) as error:
        raise MalformedPush(f"not readable XML ({type(error).__name__})") from None
    if root.tag != "xml":
        raise MalformedPush("the root element is not <xml>")
    fields: dict[str, Any] = {}
    for child in root:
        value: Any = NotText() if len(child) or child.attrib else (child.text or "")
        if child.tag in fields:
            earlier = fields[child.tag]
            value = [*earlier, value] if isinstance(earlier, list) else [earlier, value]
        fields[child.tag] = value
    return fields


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
