"""Which FFmpeg demuxer to use for some bytes, decided from the bytes themselves.

FFmpeg is never asked to guess: its probing would try any of hundreds of demuxers (playlists among them,
which open further URLs) on data that a stranger sent. Only the formats below are ever opened.
"""

from __future__ import annotations

from typing import Literal

from speech.audio_types import AudioError

Source = Literal["amr", "ogg", "mp3", "wav", "wechat_speex", "webm"]

_MAGIC: tuple[tuple[bytes, Source], ...] = (
    (b"#!AMR-WB\n", "amr"),
    (b"#!AMR\n", "amr"),
    (b"OggS", "ogg"),
    (b"ID3", "mp3"),
    (b"\x1a\x45\xdf\xa3", "webm"),  # EBML: what browsers' MediaRecorder writes (Opus in WebM)
)
_RIFF_WAVE = ((b"RIFF", b"WAVE"), (b"RF64", b"WAVE"), (b"BW64", b"WAVE"))
# Formats people send by mistake, named so the log says what arrived.
_KNOWN_OTHERS: tuple[tuple[bytes, str], ...] = (
    (b"PK\x03\x04", "a zip archive"),
    (b"#!SILK", "SILK voice"),
    (b"\x02#!SILK", "SILK voice"),
    (b"%PDF", "a PDF document"),
    (b"\x89PNG", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF8", "a GIF image"),
    (b"{", "JSON (an API error body?)"),
    (b"<", "markup"),
    (b"fLaC", "FLAC"),
)
_HINTS: dict[str, Source] = {"mp3": "mp3", "mpeg": "mp3", "speex": "wechat_speex", "spx": "wechat_speex"}


def source_of(data: bytes, hint: str | None) -> Source:
    """The demuxer for ``data``. ``hint`` (WeChat's ``Format`` field) is used only when the bytes say nothing."""
    for magic, source in _MAGIC:
        if data.startswith(magic):
            return source
    for riff, wave in _RIFF_WAVE:
        if data.startswith(riff) and data[8:12] == wave:
            return "wav"
    if _looks_like_mpeg_audio(data):
        return "mp3"
    for magic, what in _KNOWN_OTHERS:
        if data.startswith(magic):
            raise AudioError("unsupported", f"the data is {what}, not voice")
    hinted = _HINTS.get((hint or "").strip().lower())
    if hinted is not None:
        return hinted
    raise AudioError("unsupported", "unrecognised audio format")


def _looks_like_mpeg_audio(data: bytes) -> bool:
    # An MPEG audio frame header: 11 sync bits, then a layer other than the reserved 00 (which is ADTS AAC).
    return len(data) >= 4 and data[0] == 0xFF and data[1] & 0xE0 == 0xE0 and data[1] & 0x06 != 0
