"""The audio of voice messages just received, held in memory for the turn that handles them.

A voice message is downloaded and recognised (``bot/channels/wechat/voice.py``) inside the turn that
then decides where the words go; when they go to the staff member on the resident's case
(``bot/talk_turn.py``), the audio goes with them and is stored encrypted on the case. The two steps run
in the same process within seconds, so a small bounded map by message id is enough: nothing is written
anywhere for messages that stay with the assistant.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

MAX_CLIPS = 64  # voice messages in flight at once in one process, with room
KEEP_SECONDS = 120.0  # far longer than any turn
MAX_CLIP_BYTES = 2_000_000  # WeChat's own limit for a voice message


@dataclass(frozen=True)
class VoiceClip:
    data: bytes
    format: str  # the platform's hint (amr, speex…); the bytes themselves decide when decoding


class RecentVoices:
    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clips: OrderedDict[str, tuple[float, VoiceClip]] = OrderedDict()
        self._clock = clock

    def keep(self, message_id: str, data: bytes, format: str) -> None:
        if not data or len(data) > MAX_CLIP_BYTES:
            return
        self._drop_old()
        self._clips[message_id] = (self._clock(), VoiceClip(data, (format or "")[:16]))
        self._clips.move_to_end(message_id)
        while len(self._clips) > MAX_CLIPS:
            self._clips.popitem(last=False)

    def take(self, message_id: str) -> VoiceClip | None:
        self._drop_old()
        kept = self._clips.pop(message_id, None)
        return kept[1] if kept is not None else None

    def _drop_old(self) -> None:
        oldest = self._clock() - KEEP_SECONDS
        while self._clips:
            first = next(iter(self._clips.values()))
            if first[0] >= oldest:
                break
            self._clips.popitem(last=False)
