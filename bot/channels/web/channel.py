"""The web chat as a channel of the port: answers are written into the resident's page transcript."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from bot.channels.base import ChannelLimits
from bot.channels.web.transcript import Transcript
from bot.channels.web.voice import WebVoice
from dialogs.events import Reply

CHANNEL = "web"
MAX_TEXT_CHARS = 500
# A browser waits longer than WeChat's platform, but a page must not hang: past this the page says the
# answer is coming, and it appears through the live stream (or at the next load without JavaScript).
DEADLINE_SECONDS = 8.0


@dataclass
class WebChannel:
    transcript: Transcript
    clock: Callable[[], float] = time.time
    limits: ChannelLimits = field(
        default_factory=lambda: ChannelLimits(deadline=DEADLINE_SECONDS, media_types=frozenset({"webm", "ogg"}))
    )
    voice: WebVoice | None = None
    spoken_label: str = "语音回答"
    name: str = CHANNEL

    @property
    def can_speak(self) -> bool:
        return self.voice is not None and self.voice.can_speak

    def pack(self, texts: list[str]) -> list[str]:
        return texts  # a page has no message size limit

    async def send_texts(self, user: str, texts: Sequence[str]) -> bool:
        await self.transcript.add(user, "bot", list(texts), self.clock())
        return True

    async def send_speech(self, user: str, replies: Sequence[Reply], rate: int) -> bool:
        """A playable clip in the page, after the words it speaks."""
        if self.voice is None:
            return False
        name = await self.voice.speak(user, replies, rate)
        if name is None:
            return False
        await self.transcript.add(user, "bot", [self.spoken_label], self.clock(), audio=name)
        return True
