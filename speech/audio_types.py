"""The values the audio functions pass around: PCM at one fixed format, and the one error they raise."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Literal

from speech.audio_level import peak_of, rms_of, samples_of

SAMPLE_RATE = 16_000
MAX_INPUT_BYTES = 2_000_000  # a WeChat voice is at most 60 s; allow some headroom
MAX_SECONDS = 60.0
BYTES_PER_SAMPLE = 2

AudioErrorKind = Literal["empty", "silent", "corrupt", "too_long", "too_large", "unsupported"]


class AudioError(Exception):
    """Why some audio could not be used. ``message`` is English for logs and never holds the audio itself."""

    kind: AudioErrorKind
    message: str

    def __init__(self, kind: AudioErrorKind, message: str) -> None:
        super().__init__(f"{kind}: {message}")
        self.kind = kind
        self.message = message

    def __reduce__(self) -> tuple[type[AudioError], tuple[AudioErrorKind, str]]:
        # Callers run this in worker processes; the default reduce would rebuild it from the joined text.
        return (AudioError, (self.kind, self.message))


@dataclass(frozen=True)
class Pcm:
    """16-bit little-endian mono samples at ``SAMPLE_RATE``."""

    samples: bytes

    def __post_init__(self) -> None:
        if len(self.samples) % BYTES_PER_SAMPLE:
            raise AudioError("corrupt", "PCM must hold whole 16-bit samples")

    @property
    def sample_count(self) -> int:
        return len(self.samples) // BYTES_PER_SAMPLE

    @property
    def seconds(self) -> float:
        return self.sample_count / SAMPLE_RATE

    @cached_property
    def rms(self) -> float:
        """Root-mean-square level over the whole clip, 0 (digital silence) to 1 (full scale)."""
        return rms_of(samples_of(self.samples))

    @cached_property
    def peak(self) -> float:
        """Largest absolute sample, 0 to 1."""
        return peak_of(samples_of(self.samples))
