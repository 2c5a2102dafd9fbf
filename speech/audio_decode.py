"""Any voice a resident may send → 16 kHz mono PCM, in memory, with hard limits on size and length."""

from __future__ import annotations

import io
from collections.abc import Iterable, Iterator

import av

from speech.audio_level import is_silent, samples_of
from speech.audio_sniff import Source, source_of
from speech.audio_types import BYTES_PER_SAMPLE, MAX_INPUT_BYTES, MAX_SECONDS, SAMPLE_RATE, AudioError, Pcm
from speech.audio_wechat_speex import SPEEX_RATE, header_byte_frames

# A recording of exactly the limit decodes a few milliseconds longer (frame padding, resampler tail).
_LIMIT_SLACK_SECONDS = 0.5
# Outside these a header is lying; a rate of 1 Hz would make the resampler write hours of samples per frame.
_MIN_RATE = 4_000
_MAX_RATE = 384_000
_MAX_CHANNELS = 8


def decode(
    data: bytes, *, hint: str | None = None, max_seconds: float = MAX_SECONDS, max_bytes: int = MAX_INPUT_BYTES
) -> Pcm:
    """Decode AMR-NB/WB, Ogg (Speex, Opus, Vorbis), MP3, WAV or WeChat's bare Speex to 16 kHz mono PCM.

    The format comes from the bytes; ``hint`` (WeChat's ``Format``, often wrong) only decides between MP3 and
    bare Speex when the bytes carry no signature. A damaged tail is dropped and the audio before it kept.

    Raises only ``AudioError``: ``too_large`` before decoding, ``too_long`` as soon as the decoded audio passes
    ``max_seconds`` (by more than half a second of frame padding), ``empty`` when nothing decodes, ``silent``
    when no 100 ms is louder than ``SILENCE_RMS``, ``unsupported`` or ``corrupt`` for anything else.
    """
    if not data:
        raise AudioError("empty", "no bytes")
    if len(data) > max_bytes:
        raise AudioError("too_large", f"{len(data)} bytes is more than the {max_bytes} allowed")
    source = source_of(data, hint)
    collector = _Collector(int((max_seconds + _LIMIT_SLACK_SECONDS) * SAMPLE_RATE), max_seconds)
    try:
        if source == "wechat_speex":
            _decode_wechat_speex(data, collector)
        else:
            _decode_container(data, source, collector)
        samples = collector.finish()
    except AudioError:
        raise
    except Exception as exc:  # the public boundary: PyAV raises many kinds (FFmpegError, ValueError, …)
        raise AudioError("corrupt", f"{source} data could not be decoded ({type(exc).__name__})") from exc
    if not samples:
        raise AudioError("empty", f"no audio in the {source} data")
    if is_silent(samples_of(samples)):
        raise AudioError("silent", "nothing louder than the silence threshold")
    return Pcm(samples)


class _Collector:
    """Resamples decoded frames to the target format and stops as soon as the length limit is passed."""

    def __init__(self, max_samples: int, max_seconds: float) -> None:
        self._max_samples = max_samples
        self._max_seconds = max_seconds
        self._chunks: list[bytes] = []
        self.count = 0
        self._resampler: av.AudioResampler | None = None
        self._source_format: tuple[str, str, int] | None = None

    def add(self, frame: av.AudioFrame) -> None:
        rate = frame.sample_rate
        if not _MIN_RATE <= rate <= _MAX_RATE:
            raise AudioError("unsupported", f"sample rate {rate} Hz")
        if not 0 < frame.layout.nb_channels <= _MAX_CHANNELS:
            raise AudioError("unsupported", f"{frame.layout.nb_channels} channels")
        # Checked before resampling, so one enormous frame is refused without being converted.
        self._check_length(self.count + frame.samples * SAMPLE_RATE // rate)
        source_format = (frame.format.name, frame.layout.name, rate)
        if source_format != self._source_format:
            # PyAV's resampler refuses frames unlike its first; a stream may change rate or layout midway.
            self._drain()
            self._resampler = av.AudioResampler(format="s16", layout="mono", rate=SAMPLE_RATE)
            self._source_format = source_format
        assert self._resampler is not None
        self._take(self._resampler.resample(frame))

    def finish(self) -> bytes:
        self._drain()
        return b"".join(self._chunks)

    def _drain(self) -> None:
        if self._resampler is not None:
            self._take(self._resampler.resample(None))
            self._resampler = None

    def _take(self, frames: Iterable[av.AudioFrame]) -> None:
        for frame in frames:
            self._chunks.append(bytes(frame.planes[0])[: frame.samples * BYTES_PER_SAMPLE])
            self.count += frame.samples
            self._check_length(self.count)

    def _check_length(self, samples: int) -> None:
        if samples > self._max_samples:
            raise AudioError("too_long", f"longer than {self._max_seconds:g} s")


def _decode_container(data: bytes, source: Source, collector: _Collector) -> None:
    try:
        container = av.open(io.BytesIO(data), mode="r", format=source)
    except Exception as exc:
        raise AudioError("corrupt", f"cannot open the data as {source} ({type(exc).__name__})") from exc
    with container:
        if not container.streams.audio:
            raise AudioError("unsupported", f"no audio stream in the {source} data")
        packets = container.demux(container.streams.audio[0])
        _collect((packet.decode() for packet in packets), collector)


def _decode_wechat_speex(data: bytes, collector: _Collector) -> None:
    frames = header_byte_frames(data)
    if frames is None:
        raise AudioError("unsupported", "neither Ogg nor length-prefixed Speex frames")
    decoder = av.CodecContext.create("speex", "r")
    decoder.sample_rate = SPEEX_RATE
    decoder.layout = "mono"
    _collect(_speex_batches(decoder, frames), collector)


def _speex_batches(decoder: av.AudioCodecContext, frames: list[bytes]) -> Iterator[list[av.AudioFrame]]:
    for frame in frames:
        yield decoder.decode(av.Packet(frame))
    yield decoder.decode(None)


def _collect(batches: Iterator[list[av.AudioFrame]], collector: _Collector) -> None:
    """Feed decoded frames to ``collector`` until the input ends or stops decoding."""
    while True:
        try:
            frames = next(batches, None)
        except Exception as exc:
            if collector.count:
                return  # a truncated or damaged tail: keep the audio before it
            raise AudioError("corrupt", f"undecodable audio ({type(exc).__name__})") from exc
        if frames is None:
            return
        for frame in frames:
            collector.add(frame)
