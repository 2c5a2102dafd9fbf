"""A resident's voice message as browsers play it: whatever the platform sent (AMR, Speex…) → MP3.

Decoded and encoded with PyAV within the limits of ``speech/audio.py`` (2 MB in, 60 s); CPU work, so the
caller runs it in a thread. MP3 plays in every browser a hospital office may still have.

A message is often played several times (staff listen again, a supervisor checks), so each worker keeps
the MP3 of the messages played lately in memory, bounded, never on disk. The stored audio is still read
(and the reading audited) on every play: only the conversion is spared.
"""

from __future__ import annotations

from collections import OrderedDict

from bot.voice_clips import VoiceClip
from speech.audio import decode, encode_mp3

CONTENT_TYPE = "audio/mpeg"
CACHE_BYTES = 16 * 1024 * 1024  # about 30 minutes of speech at 32 kbit/s
CACHE_ITEMS = 256


def playable(clip: VoiceClip) -> bytes:
    """The clip as MP3 (16 kHz mono, 32 kbit/s); raises ``AudioError`` when it cannot be decoded."""
    return encode_mp3(decode(clip.data, hint=clip.format or None))


class PlayableCache:
    """The MP3 of recently played messages, by (case id, message id); least recently played goes first."""

    def __init__(self, max_bytes: int = CACHE_BYTES, max_items: int = CACHE_ITEMS) -> None:
        self._max_bytes = max_bytes
        self._max_items = max_items
        self._held: OrderedDict[tuple[int, int], bytes] = OrderedDict()
        self._bytes = 0
        self.conversions = 0

    def get(self, case_id: int, event_id: int) -> bytes | None:
        key = (case_id, event_id)
        data = self._held.get(key)
        if data is not None:
            self._held.move_to_end(key)
        return data

    def put(self, case_id: int, event_id: int, data: bytes) -> None:
        if len(data) > self._max_bytes:
            return
        self.forget(case_id, event_id)
        self._held[(case_id, event_id)] = data
        self._bytes += len(data)
        while self._bytes > self._max_bytes or len(self._held) > self._max_items:
            _key, dropped = self._held.popitem(last=False)
            self._bytes -= len(dropped)

    def forget(self, case_id: int, event_id: int) -> None:
        dropped = self._held.pop((case_id, event_id), None)
        if dropped is not None:
            self._bytes -= len(dropped)

    @property
    def size(self) -> int:
        return self._bytes
