"""Audio fixtures for every speech test: Mandarin speech made with the espeak-ng command line once per session,
other formats made from it with PyAV, and the small real-world samples in ``tests/data/audio``.

Without espeak-ng the tests that need speech are skipped locally and fail under ``CI=true``.
"""

from __future__ import annotations

import hashlib
import io
import shutil
import subprocess
from array import array
from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import av
import pytest

from speech.audio import SAMPLE_RATE, Pcm, pcm_from_wav
from tests.fixtures.services import service_missing
from tests.paths import ROOT

AUDIO_DATA_DIR = ROOT / "tests" / "data" / "audio"
SENTENCE = "你好，我想申请困难残疾人生活补贴，请问需要带什么材料？"

Encoder = Callable[..., bytes]


@dataclass(frozen=True)
class Espeak:
    """The espeak-ng command line, writing each distinct utterance once into a session directory."""

    executable: str
    directory: Path

    def wav(self, text: str, *, voice: str = "cmn-latn-pinyin", words_per_minute: int = 175) -> bytes:
        key = hashlib.sha256(f"{voice}|{words_per_minute}|{text}".encode()).hexdigest()[:20]
        path = self.directory / f"{key}.wav"
        if not path.exists():
            partial = path.with_suffix(".partial.wav")
            command = [self.executable, "-v", voice, "-s", str(words_per_minute), "-w", str(partial), text]
            subprocess.run(command, check=True, capture_output=True, timeout=120)  # noqa: S603 (fixed command)
            partial.replace(path)
        return path.read_bytes()


@pytest.fixture(scope="session")
def espeak(tmp_path_factory: pytest.TempPathFactory) -> Espeak:
    executable = shutil.which("espeak-ng")
    if executable is None:
        service_missing("espeak-ng", "the espeak-ng command is not installed (Debian package espeak-ng)")
        raise AssertionError("unreachable")
    synth = Espeak(executable, tmp_path_factory.mktemp("espeak"))
    try:
        synth.wav("你好")
    except (OSError, subprocess.SubprocessError) as exc:
        service_missing("espeak-ng", f"it could not speak Mandarin ({type(exc).__name__})")
    return synth


@pytest.fixture(scope="session")
def speech_wav(espeak: Espeak) -> bytes:
    """A Mandarin sentence of about five seconds as espeak-ng writes it (22.05 kHz mono WAV)."""
    return espeak.wav(SENTENCE)


@pytest.fixture(scope="session")
def speech_pcm(speech_wav: bytes) -> Pcm:
    return pcm_from_wav(speech_wav)


@pytest.fixture(scope="session")
def encode_audio() -> Encoder:
    """``encode_audio(pcm, container, codec, rate=…, layout="mono", bit_rate=None)`` → a file in that format."""
    return encode_with_pyav


@pytest.fixture(scope="session")
def speech_amr(speech_pcm: Pcm) -> bytes:
    """The sentence as a WeChat voice arrives: AMR-NB, 8 kHz, with the ``#!AMR`` header."""
    return encode_with_pyav(speech_pcm, "amr", "libopencore_amrnb", rate=8_000, bit_rate=12_200)


@pytest.fixture(scope="session")
def audio_sample() -> Callable[[str], bytes]:
    """The bytes of a sample in ``tests/data/audio`` (its README says how each was made)."""

    def read(name: str) -> bytes:
        return (AUDIO_DATA_DIR / name).read_bytes()

    return read


def encode_with_pyav(
    pcm: Pcm, container: str, codec: str, *, rate: int, layout: str = "mono", bit_rate: int | None = None
) -> bytes:
    output = io.BytesIO()
    with av.open(output, mode="w", format=container) as out:
        stream = out.add_stream(codec, rate=rate)
        assert isinstance(stream, av.AudioStream)
        stream.layout = layout
        if bit_rate is not None:
            stream.bit_rate = bit_rate
        frame = av.AudioFrame(format="s16", layout=layout, samples=len(pcm.samples) // 2)
        frame.planes[0].update(_interleave(pcm.samples, frame.layout.nb_channels))
        frame.sample_rate = SAMPLE_RATE
        frame.time_base = Fraction(1, SAMPLE_RATE)
        frame.pts = 0
        for packet in [*stream.encode(frame), *stream.encode(None)]:
            out.mux(packet)
    return output.getvalue()


def _interleave(samples: bytes, channels: int) -> bytes:
    """The same signal on every channel, as a real stereo recording of one voice is (FFmpeg's upmix is -3 dB)."""
    if channels == 1:
        return samples
    mono = array("h", samples)
    return array("h", (sample for sample in mono for _ in range(channels))).tobytes()
