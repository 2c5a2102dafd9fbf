"""WeChat's bare Speex: "audio/x-speex-with-header-byte; rate=16000", wideband frames each led by one length byte.

No Ogg around it, so no header: the framing is checked strictly (every length byte must lead exactly to the
next, ending at the last byte) before any of it reaches the decoder.
"""

from __future__ import annotations

SPEEX_RATE = 16_000
# The largest wideband Speex frame (mode 10, 42.2 kbit/s) is 106 bytes; leave room for a lenient encoder.
_MAX_FRAME_BYTES = 160


def header_byte_frames(data: bytes) -> list[bytes] | None:
    """The Speex frames in ``data``, or None when it is not laid out as length-prefixed frames."""
    frames: list[bytes] = []
    position = 0
    while position < len(data):
        size = data[position]
        position += 1
        if not 0 < size <= _MAX_FRAME_BYTES or position + size > len(data):
            return None
        frames.append(data[position : position + size])
        position += size
    return frames or None
