"""Temporary media as the platform keeps it: format and size checks on upload, three days of life."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from bot.channels.wechat.simulator.codes import error

MEDIA_LIFETIME = 3 * 24 * 3600.0
VOICE_MAX_BYTES = 2 * 1024 * 1024
VOICE_MAX_SECONDS = 60.0
IMAGE_MAX_BYTES = 10 * 1024 * 1024

# Speech bytes per frame after the one-byte frame header, by frame type (RFC 4867 storage format).
_AMR_NB_SIZES = (12, 13, 15, 17, 19, 20, 26, 31, 5, 6, 5, 5, 0, 0, 0, 0)
_AMR_WB_SIZES = (17, 23, 32, 36, 40, 46, 50, 58, 60, 5, 0, 0, 0, 0, 0, 0)
_AMR_FRAME_SECONDS = 0.02
_AMR_NB_MAGIC = b"#!AMR\n"
_AMR_WB_MAGIC = b"#!AMR-WB\n"


@dataclass(frozen=True)
class StoredMedia:
    kind: str
    data: bytes
    content_type: str
    created_at: float


class MediaStore:
    def __init__(self, clock: Callable[[], float], *, lifetime: float = MEDIA_LIFETIME) -> None:
        self._clock = clock
        self._lifetime = lifetime
        self._media: dict[str, StoredMedia] = {}

    def upload(self, kind: str, data: bytes | None) -> dict[str, Any]:
        """The answer to ``media/upload``: the new media_id, or the platform's error."""
        if kind not in ("voice", "image"):
            return error(40004)
        if not data:
            return error(41005)
        content_type = voice_type(data) if kind == "voice" else image_type(data)
        if content_type is None:
            return error(40005)
        if len(data) > (VOICE_MAX_BYTES if kind == "voice" else IMAGE_MAX_BYTES):
            return error(40006)
        seconds = amr_seconds(data)
        if kind == "voice" and seconds is not None and seconds > VOICE_MAX_SECONDS:
            return error(45007)
        media_id = self.add(data, content_type, kind=kind)
        return {"type": kind, "media_id": media_id, "created_at": int(self._media[media_id].created_at)}

    def add(self, data: bytes, content_type: str, *, kind: str = "voice") -> str:
        media_id = secrets.token_urlsafe(48)
        self._media[media_id] = StoredMedia(kind, data, content_type, self._clock())
        return media_id

    def get(self, media_id: str | None) -> StoredMedia | None:
        """The file, unless unknown or older than three days."""
        stored = self._media.get(media_id or "")
        if stored is None or self._clock() - stored.created_at >= self._lifetime:
            return None
        return stored


def voice_type(data: bytes) -> str | None:
    """AMR or MP3 (ID3 tag or an MPEG audio frame sync), the formats the platform takes for voice."""
    if data.startswith(_AMR_WB_MAGIC):
        return "audio/amr-wb"
    if data.startswith(_AMR_NB_MAGIC):
        return "audio/amr"
    if data.startswith(b"ID3") or (len(data) > 1 and data[0] == 0xFF and data[1] & 0xE0 == 0xE0):
        return "audio/mpeg"
    return None


def image_type(data: bytes) -> str | None:
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if data.startswith((b"GIF87a", b"GIF89a")):
        return "image/gif"
    return None


def amr_seconds(data: bytes) -> float | None:
    """Playing time of an AMR file (20 ms per frame), or ``None`` for anything else."""
    if data.startswith(_AMR_WB_MAGIC):
        sizes, position = _AMR_WB_SIZES, len(_AMR_WB_MAGIC)
    elif data.startswith(_AMR_NB_MAGIC):
        sizes, position = _AMR_NB_SIZES, len(_AMR_NB_MAGIC)
    else:
        return None
    frames = 0
    while position < len(data):
        position += 1 + sizes[(data[position] >> 3) & 0x0F]
        frames += 1
    return frames * _AMR_FRAME_SECONDS
