"""The web chat as a channel of the port: answers are written into the resident's page transcript."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from bot.channels.base import ChannelLimits
from bot.channels.web.transcript import Transcript
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
    name: str = CHANNEL
    can_speak: bool = False  # spoken answers in the page are not built yet: every answer is text

    def pack(self, texts: list[str]) -> list[str]:
        return texts  # a page has no message size limit

    async def send_texts(self, user: str, texts: Sequence[str]) -> bool:
        await self.transcript.add(user, "bot", list(texts), self.clock())
        return True

    async def send_speech(self, user: str, replies: Sequence[Reply], rate: int) -> bool:
        return False
