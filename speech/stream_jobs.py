"""Speech jobs and their results as bytes for the Redis stream, sealed with the service's key.

A job carries a resident's voice or the words to be spoken to them, and a result carries what was heard
or the clips: all of it is personal, so everything but the job's kind goes through ``Sealer`` (the
service's AES-GCM cipher, ``bot.security.crypto.Cipher``). An error result names only a fixed reason.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from typing import Any, Literal, Protocol

import orjson

from speech.speaking import Clip
from speech.stt import Recognition

JobKind = Literal["recognise", "synthesise"]
ErrorReason = Literal["failed", "unreadable", "expired"]

_LENGTH = struct.Struct(">I")
_RESULT = b"R"
_ERROR = b"E"
_REASONS: frozenset[str] = frozenset({"failed", "unreadable", "expired"})


class Sealer(Protocol):
    def encrypt_bytes(self, plain: bytes) -> bytes: ...
    def decrypt_bytes(self, data: bytes) -> bytes: ...


class JobUnreadable(Exception):
    """The payload was not sealed with this key, or is damaged; says nothing of its content."""


@dataclass(frozen=True)
class RecognitionJob:
    pcm: bytes  # s16le mono 16 kHz
    phrases: tuple[str, ...] | None
    min_confidence: float

    kind: JobKind = "recognise"

    @property
    def audio_seconds(self) -> float:
        return len(self.pcm) / 32_000


@dataclass(frozen=True)
class SynthesisJob:
    text: str  # prepared for listening
    rate: int
    clip_seconds: float
    max_clips: int

    kind: JobKind = "synthesise"


Job = RecognitionJob | SynthesisJob


@dataclass(frozen=True)
class JobError:
    """What a worker could not do, as a fixed reason (``failed``, ``unreadable``, ``expired``)."""

    reason: ErrorReason


Result = Recognition | list[Clip] | JobError


def _frame(header: dict[str, Any], body: bytes = b"") -> bytes:
    head = orjson.dumps(header)
    return _LENGTH.pack(len(head)) + head + body


def _unframe(data: bytes) -> tuple[dict[str, Any], bytes]:
    if len(data) < _LENGTH.size:
        raise JobUnreadable("too short")
    (size,) = _LENGTH.unpack_from(data)
    try:
        header = orjson.loads(data[_LENGTH.size : _LENGTH.size + size])
    except orjson.JSONDecodeError:
        raise JobUnreadable("damaged header") from None
    if not isinstance(header, dict):
        raise JobUnreadable("damaged header")
    return header, data[_LENGTH.size + size :]


def _open(sealer: Sealer, data: bytes) -> tuple[dict[str, Any], bytes]:
    try:
        plain = sealer.decrypt_bytes(data)
    except Exception:  # DecryptionError, or anything a damaged value makes the cipher raise
        raise JobUnreadable("not sealed with this key") from None
    return _unframe(plain)


def seal_job(job: Job, sealer: Sealer) -> bytes:
    if isinstance(job, RecognitionJob):
        header: dict[str, Any] = {"phrases": list(job.phrases) if job.phrases else None, "min": job.min_confidence}
        return sealer.encrypt_bytes(_frame(header, job.pcm))
    header = {"text": job.text, "rate": job.rate, "clip": job.clip_seconds, "max": job.max_clips}
    return sealer.encrypt_bytes(_frame(header))


def open_job(kind: bytes | str, data: bytes, sealer: Sealer) -> Job:
    name = kind.decode() if isinstance(kind, bytes) else kind
    header, body = _open(sealer, data)
    try:
        if name == "recognise":
            phrases = header["phrases"]
            return RecognitionJob(body, tuple(str(p) for p in phrases) if phrases else None, float(header["min"]))
        if name == "synthesise":
            return SynthesisJob(str(header["text"]), int(header["rate"]), float(header["clip"]), int(header["max"]))
    except (KeyError, TypeError, ValueError):
        raise JobUnreadable("damaged job") from None
    raise JobUnreadable("unknown kind of job")


def seal_result(result: Result, sealer: Sealer) -> bytes:
    if isinstance(result, JobError):
        return _ERROR + result.reason.encode()
    if isinstance(result, Recognition):
        header: dict[str, Any] = {
            "text": result.text,
            "confidence": result.confidence,
            "words": [list(word) for word in result.words],
            "grammar": result.grammar,
        }
        return _RESULT + sealer.encrypt_bytes(_frame(header))
    clips = [{"filename": c.filename, "type": c.content_type, "size": len(c.data)} for c in result]
    return _RESULT + sealer.encrypt_bytes(_frame({"clips": clips}, b"".join(c.data for c in result)))


def open_result(kind: JobKind, data: bytes, sealer: Sealer) -> Result:
    if data[:1] == _ERROR:
        reason = data[1:].decode("ascii", "replace")
        return JobError(reason if reason in _REASONS else "failed")  # type: ignore[arg-type]
    if data[:1] != _RESULT:
        raise JobUnreadable("unknown result")
    header, body = _open(sealer, data[1:])
    try:
        if kind == "recognise":
            words = tuple((str(word), float(conf)) for word, conf in header["words"])
            return Recognition(str(header["text"]), float(header["confidence"]), words, bool(header["grammar"]))
        clips: list[Clip] = []
        offset = 0
        for item in header["clips"]:
            size = int(item["size"])
            clips.append(Clip(body[offset : offset + size], str(item["filename"]), str(item["type"])))
            offset += size
    except (KeyError, TypeError, ValueError):
        raise JobUnreadable("damaged result") from None
    return clips
