"""Voice audio for the WeChat channel: decode what residents send, encode what the service says back.

Everything here is synchronous CPU work without shared state, safe to run in worker threads or processes.
The implementation lives in the ``speech.audio_*`` modules; import from here.
"""

from __future__ import annotations

from speech.audio_decode import decode
from speech.audio_encode import (
    MAX_UPLOAD_BYTES,
    UPLOAD_SECONDS,
    encode_amr,
    encode_for_wechat,
    encode_mp3,
    has_encoder,
)
from speech.audio_level import SILENCE_RMS
from speech.audio_split import split_pcm
from speech.audio_types import MAX_INPUT_BYTES, MAX_SECONDS, SAMPLE_RATE, AudioError, AudioErrorKind, Pcm

__all__ = [
    "MAX_INPUT_BYTES",
    "MAX_SECONDS",
    "MAX_UPLOAD_BYTES",
    "SAMPLE_RATE",
    "SILENCE_RMS",
    "TTS_MAX_SECONDS",
    "UPLOAD_SECONDS",
    "AudioError",
    "AudioErrorKind",
    "Pcm",
    "decode",
    "encode_amr",
    "encode_for_wechat",
    "encode_mp3",
    "has_encoder",
    "pcm_from_wav",
    "split_pcm",
]

TTS_MAX_SECONDS = 600.0
_WAV_BYTES_PER_SECOND = 48_000 * 2 * 2  # 48 kHz stereo 16-bit, more than any TTS engine writes


def pcm_from_wav(data: bytes, *, max_seconds: float = TTS_MAX_SECONDS) -> Pcm:
    """TTS output (a WAV from espeak-ng or pyttsx3) as PCM; longer than a voice message, to be split afterwards."""
    max_bytes = int(max_seconds * _WAV_BYTES_PER_SECOND) + 1_000_000
    return decode(data, hint="wav", max_seconds=max_seconds, max_bytes=max_bytes)
