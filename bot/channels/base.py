"""The channel port: what every way of reaching residents (WeChat, the web chat, the terminal) provides.

A channel turns its platform's request into an ``Incoming`` message, sends text and speech back, and says
what its platform allows (``ChannelLimits``). It holds no response policy: what a resident receives, and
when, is decided once for every channel by ``bot.channels.runner``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from bot.pipeline import Transcriber
from bot.storage.keys import UserKey
from dialogs.events import InboundKind, Reply


@dataclass(frozen=True)
class ChannelLimits:
    """What the platform allows.

    ``deadline``: seconds an answer may take to go back with the request (None: the client waits for it);
    past it the answer goes through ``send_texts``. ``window_hours`` and ``quota``: how long after a
    resident's message, and how many messages per message, the channel may send (None: no limit).
    ``media_types``: the audio the channel takes in.
    """

    deadline: float | None
    window_hours: float | None = None
    quota: int | None = None
    media_types: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Incoming:
    """One resident message, parsed by its channel: words (or an event), or a voice message to recognise."""

    key: UserKey
    message_id: str
    kind: InboundKind
    text: str = ""
    transcriber: Transcriber | None = None  # set for voice the channel can have recognised


class Channel(Protocol):
    """An adapter between one platform and the turn runner."""

    @property
    def name(self) -> str: ...

    @property
    def limits(self) -> ChannelLimits: ...

    @property
    def can_speak(self) -> bool:
        """Whether spoken answers can be made and sent here."""
        ...

    def pack(self, texts: list[str]) -> list[str]:
        """Fit rendered replies into as few of the platform's messages as its size limits allow."""
        ...

    async def send_texts(self, user: str, texts: Sequence[str]) -> bool:
        """Send texts outside a request's answer; whether all went out. May raise on a store outage."""
        ...

    async def send_speech(self, user: str, replies: Sequence[Reply], rate: int) -> bool:
        """Send the spoken form of ``replies``; whether all of it went out. May raise on a store outage."""
        ...
