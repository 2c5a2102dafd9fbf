"""Voice in the web chat: recordings from the browser in, spoken answers out as files the page plays.

In: the browser's MediaRecorder recording (Opus in WebM, or Ogg) is decoded in a thread and recognised in
the same speech pool as WeChat's voice messages, under the same size and length limits. Out: the answer
prepared for listening, synthesised in a thread, encoded as MP3 and kept encrypted in Redis for an hour
under a random name only its resident's cookie can fetch. Every failure falls back to text.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
from collections.abc import Sequence

from redis.asyncio import Redis

from bot.pipeline import Heard, Transcriber
from bot.security.crypto import Cipher
from dialogs.events import Reply
from dialogs.render import render_spoken
from speech.audio import AudioError, decode, encode_mp3, pcm_from_wav
from speech.listening import for_listening
from speech.pool import SpeechBusy, SpeechUnavailable
from speech.speaking import Recogniser
from speech.tts import Synthesizer, TtsError

log = logging.getLogger(__name__)

MAX_AUDIO_BYTES = 2 * 1024 * 1024  # as for WeChat's voice messages
CLIP_TTL_SECONDS = 3600
MAX_SPOKEN_CHARS = 600  # a longer answer is better read than heard in one clip


class WebVoice:
    def __init__(self, redis: Redis, cipher: Cipher, pool: Recogniser | None, synthesizer: Synthesizer | None) -> None:
        """``pool``: the in-process speech pool or the speech stream."""
        self._redis = redis
        self._cipher = cipher
        self.pool = pool
        self.synthesizer = synthesizer

    @property
    def can_listen(self) -> bool:
        return self.pool is not None

    @property
    def can_speak(self) -> bool:
        return self.synthesizer is not None

    def transcriber(self, data: bytes) -> Transcriber:
        async def transcribe(phrases: list[str] | None) -> Heard | None:
            if self.pool is None:
                return None
            try:
                pcm = await asyncio.to_thread(decode, data)
                recognised = await self.pool.recognise(pcm.samples, phrases=phrases)
            except AudioError as error:
                log.info("web voice not usable: %s", error.kind)
                return None
            except (SpeechBusy, SpeechUnavailable) as error:
                log.warning("web voice not recognised: %s", type(error).__name__)
                return None
            return Heard(recognised.text, recognised.confidence) if recognised.text else None

        return transcribe

    def _key(self, user: str, name: str) -> str:
        return f"bot:web:audio:{user}:{name}"

    async def speak(self, user: str, replies: Sequence[Reply], rate: int) -> str | None:
        """The name of the MP3 clip of ``replies`` spoken, kept for ``user``; None when it cannot be made."""
        if self.synthesizer is None:
            return None
        spoken = for_listening("".join(render_spoken(reply) for reply in replies))[:MAX_SPOKEN_CHARS]
        if not spoken.strip():
            return None
        try:
            wav = await asyncio.to_thread(self.synthesizer.synthesize, spoken, rate=rate)
            pcm = await asyncio.to_thread(pcm_from_wav, wav)
            clip = await asyncio.to_thread(encode_mp3, pcm)
        except (TtsError, AudioError) as error:
            log.warning("web spoken answer not made: %s", type(error).__name__)
            return None
        name = secrets.token_urlsafe(16)
        await self._redis.set(self._key(user, name), self._cipher.encrypt_bytes(clip), ex=CLIP_TTL_SECONDS)
        return name

    async def clip(self, user: str, name: str) -> bytes | None:
        if not (name.isascii() and 8 <= len(name) <= 64 and name.replace("-", "").replace("_", "").isalnum()):
            return None
        sealed = await self._redis.get(self._key(user, name))
        return self._cipher.decrypt_bytes(sealed) if isinstance(sealed, bytes) else None
