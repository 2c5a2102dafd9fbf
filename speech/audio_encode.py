"""PCM → the voice formats WeChat's media upload takes: AMR (preferred) or MP3, at most 2 MB and 60 s."""

from __future__ import annotations

import io
from fractions import Fraction

import av

from speech.audio_types import BYTES_PER_SAMPLE, MAX_SECONDS, SAMPLE_RATE, AudioError, Pcm

MAX_UPLOAD_BYTES = 2_000_000  # "语音（voice）：2M"; the smaller reading of 2M
# Split outgoing speech at this length: AMR pads the last 20 ms frame and WeChat refuses anything over 60 s.
UPLOAD_SECONDS = 59.0

AMR_ENCODER = "libopencore_amrnb"
MP3_ENCODER = "libmp3lame"
_AMR_RATE = 8_000
_AMR_BIT_RATE = 12_200  # MR122, the best AMR-NB mode; a minute is about 92 kB
_MP3_BIT_RATE = 32_000  # clear speech at 16 kHz mono; a minute is about 240 kB


def has_encoder(name: str) -> bool:
    try:
        av.Codec(name, "w")
    except Exception:
        return False
    return True


def encode_amr(pcm: Pcm) -> bytes:
    """AMR-NB (8 kHz mono, 12.2 kbit/s) as a ``.amr`` file starting with ``#!AMR\\n``."""
    return _encode(pcm, container_format="amr", codec=AMR_ENCODER, rate=_AMR_RATE, bit_rate=_AMR_BIT_RATE)


def encode_mp3(pcm: Pcm) -> bytes:
    """MP3 (16 kHz mono, 32 kbit/s), for builds without an AMR-NB encoder."""
    return _encode(pcm, container_format="mp3", codec=MP3_ENCODER, rate=SAMPLE_RATE, bit_rate=_MP3_BIT_RATE)


def encode_for_wechat(pcm: Pcm) -> tuple[bytes, str, str]:
    """(data, filename, content type) for WeChat's voice upload; split longer speech first with ``split_pcm``."""
    if pcm.seconds > MAX_SECONDS:
        raise AudioError("too_long", f"{pcm.seconds:.1f} s is more than WeChat's {MAX_SECONDS:g} s")
    if has_encoder(AMR_ENCODER):
        data, filename, content_type = encode_amr(pcm), "voice.amr", "audio/amr"
    else:
        data, filename, content_type = encode_mp3(pcm), "voice.mp3", "audio/mpeg"
    if len(data) > MAX_UPLOAD_BYTES:
        raise AudioError("too_large", f"{len(data)} bytes is more than WeChat's {MAX_UPLOAD_BYTES}")
    return data, filename, content_type


def _encode(pcm: Pcm, *, container_format: str, codec: str, rate: int, bit_rate: int) -> bytes:
    if not pcm.samples:
        raise AudioError("empty", "no samples to encode")
    if not has_encoder(codec):
        raise AudioError("unsupported", f"this FFmpeg build has no {codec} encoder")
    output = io.BytesIO()
    try:
        with av.open(output, mode="w", format=container_format) as container:
            stream = container.add_stream(codec, rate=rate)
            assert isinstance(stream, av.AudioStream)
            stream.bit_rate = bit_rate
            stream.layout = "mono"
            frame = av.AudioFrame(format="s16", layout="mono", samples=len(pcm.samples) // BYTES_PER_SAMPLE)
            frame.planes[0].update(pcm.samples)
            frame.sample_rate = SAMPLE_RATE
            frame.time_base = Fraction(1, SAMPLE_RATE)
            frame.pts = 0
            # The stream resamples to its own rate and cuts the codec's frame size itself.
            for packet in stream.encode(frame):
                container.mux(packet)
            for packet in stream.encode(None):
                container.mux(packet)
    except Exception as exc:  # the public boundary: nothing but AudioError leaves this module
        raise AudioError("unsupported", f"{codec} encoding failed ({type(exc).__name__})") from exc
    return output.getvalue()
