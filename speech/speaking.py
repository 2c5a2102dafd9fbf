"""What the voice channel needs from speech, whoever does the work: a recogniser and a clip maker.

The in-process pool (``speech.pool``) and the local synthesizer do it in this process; the stream client
(``speech.stream``) hands it to ``python -m bot speech-worker`` processes through Redis. Both raise
``SpeechBusy`` when the work would come too late and ``SpeechUnavailable`` when it failed.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from speech.audio import encode_for_wechat, pcm_from_wav, split_pcm
from speech.stt import Recognition
from speech.tts import Synthesizer


@dataclass(frozen=True)
class Clip:
    """One voice message ready to upload: its bytes, a file name and a content type."""

    data: bytes
    filename: str
    content_type: str


class Recogniser(Protocol):
    async def recognise(
        self, pcm: bytes, *, phrases: Sequence[str] | None = None, min_confidence: float = 0.6
    ) -> Recognition: ...


class ClipMaker(Protocol):
    async def clips(self, text: str, *, rate: int, clip_seconds: float, max_clips: int) -> list[Clip]:
        """``text`` (prepared for listening) spoken at ``rate``, cut into at most ``max_clips`` clips."""
        ...


def spoken_clips(synthesizer: Synthesizer, text: str, *, rate: int, clip_seconds: float, max_clips: int) -> list[Clip]:
    """Synthesise, cut at quiet points and encode for WeChat (CPU work: run it in a thread)."""
    pcm = pcm_from_wav(synthesizer.synthesize(text, rate=rate))
    clips: list[Clip] = []
    for piece in split_pcm(pcm, clip_seconds)[: max(0, max_clips)]:
        data, filename, content_type = encode_for_wechat(piece)
        clips.append(Clip(data, filename, content_type))
    return clips


class LocalClips:
    """Clips made in this process's threads (the embedded default)."""

    def __init__(self, synthesizer: Synthesizer) -> None:
        self.synthesizer = synthesizer

    async def clips(self, text: str, *, rate: int, clip_seconds: float, max_clips: int) -> list[Clip]:
        return await asyncio.to_thread(
            spoken_clips, self.synthesizer, text, rate=rate, clip_seconds=clip_seconds, max_clips=max_clips
        )
