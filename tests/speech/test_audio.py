"""speech.audio: every voice format a resident may send decodes to 16 kHz mono; bad input fails as AudioError."""

from __future__ import annotations

import contextlib
import io
import math
import pickle
import random
import struct
import time
import zipfile
from array import array
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import av
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from speech.audio import (
    MAX_INPUT_BYTES,
    MAX_SECONDS,
    MAX_UPLOAD_BYTES,
    SAMPLE_RATE,
    SILENCE_RMS,
    AudioError,
    Pcm,
    decode,
    encode_amr,
    encode_for_wechat,
    encode_mp3,
    pcm_from_wav,
    split_pcm,
)
from tests.speech.conftest import Encoder

AMR_HEADER = b"#!AMR\n"
SPEECH_AMR_WB_SECONDS = 4.3  # tests/data/audio/README.md
SPEECH_SPEEX_SECONDS = 4.3


def tone(seconds: float, *, level: float = 0.3, hertz: float = 440.0) -> Pcm:
    count = int(seconds * SAMPLE_RATE)
    step = 2 * math.pi * hertz / SAMPLE_RATE
    samples = array("h", (int(level * 32767 * math.sin(step * i)) for i in range(count)))
    return Pcm(samples.tobytes())


def silence(seconds: float) -> Pcm:
    return Pcm(bytes(2 * int(seconds * SAMPLE_RATE)))


@pytest.fixture(scope="module")
def tone_amr() -> bytes:
    return encode_amr(tone(2.0))


def assert_close(seconds: float, expected: float, tolerance: float = 0.10) -> None:
    assert abs(seconds - expected) <= tolerance * expected, f"{seconds:.3f} s, expected {expected:.3f} s"


def _outcome(data: bytes) -> float | str:
    """The decoded length in seconds, or the kind of AudioError."""
    try:
        return decode(data).seconds
    except AudioError as error:
        return error.kind


def kind_of(data: bytes, *, hint: str | None = None, max_seconds: float = MAX_SECONDS) -> str:
    with pytest.raises(AudioError) as caught:
        decode(data, hint=hint, max_seconds=max_seconds)
    return caught.value.kind


# Round trips


def test_speech_survives_a_round_trip_through_amr(speech_pcm: Pcm) -> None:
    amr = encode_amr(speech_pcm)

    decoded = decode(amr, hint="amr")

    assert amr.startswith(AMR_HEADER)
    assert_close(decoded.seconds, speech_pcm.seconds)
    assert decoded.rms > SILENCE_RMS
    assert decoded.rms == pytest.approx(speech_pcm.rms, rel=0.5)


def test_speech_survives_a_round_trip_through_mp3(speech_pcm: Pcm) -> None:
    mp3 = encode_mp3(speech_pcm)

    decoded = decode(mp3, hint="mp3")

    assert_close(decoded.seconds, speech_pcm.seconds)
    assert decoded.rms > SILENCE_RMS
    assert decoded.rms == pytest.approx(speech_pcm.rms, rel=0.5)


def test_espeak_wav_becomes_16_khz_pcm_of_the_same_length(speech_wav: bytes, speech_pcm: Pcm) -> None:
    channels, rate, bits = struct.unpack("<HIxxxxxxH", speech_wav[22:36])
    data_bytes = len(speech_wav) - 44

    assert (channels, bits) == (1, 16)
    assert_close(speech_pcm.seconds, data_bytes / 2 / rate, tolerance=0.01)
    assert speech_pcm.rms > SILENCE_RMS
    assert 0 < speech_pcm.rms <= speech_pcm.peak <= 1


def test_encode_for_wechat_prefers_amr() -> None:
    data, filename, content_type = encode_for_wechat(tone(2.0))

    assert (filename, content_type) == ("voice.amr", "audio/amr")
    assert data.startswith(AMR_HEADER)


def test_encode_for_wechat_keeps_a_minute_of_speech_under_two_megabytes(speech_pcm: Pcm) -> None:
    repeats = math.ceil(MAX_SECONDS / speech_pcm.seconds)
    minute = Pcm((speech_pcm.samples * repeats)[: 2 * int(MAX_SECONDS * SAMPLE_RATE)])

    data, _, _ = encode_for_wechat(minute)

    assert minute.seconds == MAX_SECONDS
    assert len(data) <= MAX_UPLOAD_BYTES
    assert len(encode_mp3(minute)) <= MAX_UPLOAD_BYTES
    assert_close(decode(data).seconds, MAX_SECONDS, tolerance=0.01)


def test_encode_for_wechat_refuses_more_than_a_minute() -> None:
    with pytest.raises(AudioError) as caught:
        encode_for_wechat(silence(MAX_SECONDS + 1))
    assert caught.value.kind == "too_long"


@pytest.mark.parametrize("encode", [encode_amr, encode_mp3, encode_for_wechat])
def test_encoding_nothing_is_empty(encode: Callable[[Pcm], object]) -> None:
    with pytest.raises(AudioError) as caught:
        encode(Pcm(b""))
    assert caught.value.kind == "empty"


def test_pcm_from_wav_accepts_tts_longer_than_a_voice_message(encode_audio: Encoder) -> None:
    wav = encode_audio(tone(MAX_SECONDS + 30), "wav", "pcm_s16le", rate=22_050)

    assert_close(pcm_from_wav(wav).seconds, MAX_SECONDS + 30, tolerance=0.01)


# Every input format


def test_wechat_amr_nb_decodes_to_16_khz(speech_amr: bytes, speech_pcm: Pcm) -> None:
    decoded = decode(speech_amr, hint="amr")

    assert_close(decoded.seconds, speech_pcm.seconds)
    assert decoded.rms > SILENCE_RMS


def test_amr_wb_from_media_id_16k_decodes(audio_sample: Callable[[str], bytes]) -> None:
    decoded = decode(audio_sample("speech-amr-wb.amr"), hint="amr")

    assert_close(decoded.seconds, SPEECH_AMR_WB_SECONDS)
    assert decoded.rms > SILENCE_RMS


def test_ogg_speex_decodes(audio_sample: Callable[[str], bytes]) -> None:
    decoded = decode(audio_sample("speech-speex-wb.spx"), hint="speex")

    assert_close(decoded.seconds, SPEECH_SPEEX_SECONDS)
    assert decoded.rms > SILENCE_RMS


def test_wechat_bare_speex_with_a_length_byte_per_frame_decodes(audio_sample: Callable[[str], bytes]) -> None:
    with av.open(io.BytesIO(audio_sample("speech-speex-wb.spx")), mode="r", format="ogg") as ogg:
        frames = [bytes(packet) for packet in ogg.demux(ogg.streams.audio[0]) if packet.size]
    bare = b"".join(bytes([len(frame)]) + frame for frame in frames)

    decoded = decode(bare, hint="speex")

    assert_close(decoded.seconds, SPEECH_SPEEX_SECONDS)
    assert decoded.rms > SILENCE_RMS


def test_ogg_opus_decodes(speech_pcm: Pcm, encode_audio: Encoder) -> None:
    opus = encode_audio(speech_pcm, "ogg", "libopus", rate=48_000, bit_rate=24_000)

    decoded = decode(opus)

    assert_close(decoded.seconds, speech_pcm.seconds)
    assert decoded.rms > SILENCE_RMS


def test_mp3_without_an_id3_tag_is_recognised_by_its_frame_header(speech_pcm: Pcm) -> None:
    mp3 = encode_mp3(speech_pcm)
    assert mp3.startswith(b"ID3")
    tag_size = 10 + sum(byte << (7 * (3 - i)) for i, byte in enumerate(mp3[6:10]))

    decoded = decode(mp3[tag_size:])

    assert_close(decoded.seconds, speech_pcm.seconds)


@pytest.mark.parametrize(("rate", "layout"), [(8_000, "mono"), (22_050, "stereo"), (44_100, "stereo")])
def test_wav_at_any_rate_and_layout_decodes_to_16_khz_mono(
    speech_pcm: Pcm, encode_audio: Encoder, rate: int, layout: str
) -> None:
    wav = encode_audio(speech_pcm, "wav", "pcm_s16le", rate=rate, layout=layout)

    decoded = decode(wav)

    assert_close(decoded.seconds, speech_pcm.seconds, tolerance=0.01)
    assert decoded.rms == pytest.approx(speech_pcm.rms, rel=0.2)


def test_the_bytes_win_over_a_wrong_format_hint(speech_amr: bytes) -> None:
    assert decode(speech_amr, hint="speex").seconds == decode(speech_amr, hint="mp3").seconds


# Bad input


def test_no_bytes_is_empty() -> None:
    assert kind_of(b"") == "empty"


def test_an_amr_header_without_frames_is_empty() -> None:
    assert kind_of(AMR_HEADER, hint="amr") == "empty"


def test_truncated_amr_decodes_its_first_half_or_is_corrupt(speech_amr: bytes, speech_pcm: Pcm) -> None:
    for cut in (len(speech_amr) // 2, len(speech_amr) // 2 + 5, len(AMR_HEADER) + 3):
        outcome = _outcome(speech_amr[:cut])
        if isinstance(outcome, str):
            assert outcome in {"corrupt", "empty", "silent"}
        else:
            assert outcome <= speech_pcm.seconds * 0.6


def test_random_bytes_are_refused() -> None:
    noise = random.Random(7).randbytes(50_000)

    assert kind_of(noise) in {"unsupported", "corrupt"}
    assert kind_of(noise, hint="amr") in {"unsupported", "corrupt"}


def test_a_zip_file_sent_as_voice_is_unsupported(speech_amr: bytes) -> None:
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as zipped:
        zipped.writestr("voice.amr", speech_amr)

    assert kind_of(archive.getvalue(), hint="amr") == "unsupported"


def test_a_wechat_error_body_instead_of_voice_is_unsupported() -> None:
    assert kind_of(b'{"errcode":40007,"errmsg":"invalid media_id"}', hint="amr") == "unsupported"


def test_random_bytes_behind_an_amr_header_are_corrupt_or_silent() -> None:
    data = AMR_HEADER + random.Random(3).randbytes(5_000)

    outcome = _outcome(data)

    assert outcome in {"corrupt", "silent"} or (isinstance(outcome, float) and outcome < 5)


def test_a_wav_header_claiming_more_data_than_it_holds_decodes_what_is_there(encode_audio: Encoder) -> None:
    # Streaming writers (espeak-ng --stdout among them) put a placeholder length there.
    wav = bytearray(encode_audio(tone(1.0), "wav", "pcm_s16le", rate=16_000))
    data_at = wav.index(b"data")
    wav[data_at + 4 : data_at + 8] = struct.pack("<I", 0x7FFFFFFF)

    assert_close(decode(bytes(wav)).seconds, 1.0, tolerance=0.01)


def test_a_wav_header_whose_format_chunk_runs_past_the_end_is_corrupt(encode_audio: Encoder) -> None:
    wav = bytearray(encode_audio(tone(1.0), "wav", "pcm_s16le", rate=16_000))
    wav[16:20] = struct.pack("<I", 0xFFFFFF)

    assert kind_of(bytes(wav)) == "corrupt"


@pytest.mark.parametrize(
    ("offset", "field", "value"),
    [
        pytest.param(24, "<I", 1, id="1 Hz"),
        pytest.param(24, "<I", 0, id="0 Hz"),
        pytest.param(22, "<H", 0, id="no channels"),
        pytest.param(34, "<H", 0, id="0 bits"),
    ],
)
def test_a_wav_header_with_impossible_parameters_is_refused(
    encode_audio: Encoder, offset: int, field: str, value: int
) -> None:
    wav = bytearray(encode_audio(tone(1.0), "wav", "pcm_s16le", rate=16_000))
    struct.pack_into(field, wav, offset, value)

    assert kind_of(bytes(wav)) in {"corrupt", "unsupported"}


def test_a_wav_header_with_no_samples_is_empty(encode_audio: Encoder) -> None:
    wav = encode_audio(tone(1.0), "wav", "pcm_s16le", rate=16_000)

    assert kind_of(wav[: wav.index(b"data") + 8]) == "empty"


@pytest.mark.parametrize("encode", [encode_amr, encode_mp3])
def test_pure_silence_is_silent(encode: Callable[[Pcm], bytes]) -> None:
    assert kind_of(encode(silence(3.0))) == "silent"


def test_one_soft_word_in_a_long_quiet_recording_is_not_silent(encode_audio: Encoder) -> None:
    # Whole-clip RMS would call this silent; the loudest 100 ms decides.
    quiet = Pcm(silence(20.0).samples + tone(0.3, level=0.02).samples + silence(20.0).samples)
    assert quiet.rms < SILENCE_RMS

    decoded = decode(encode_audio(quiet, "wav", "pcm_s16le", rate=16_000))

    assert_close(decoded.seconds, quiet.seconds, tolerance=0.01)


def test_ten_minutes_of_amr_fail_fast_as_too_long() -> None:
    ten_seconds = encode_amr(tone(10.0))
    ten_minutes = AMR_HEADER + ten_seconds[len(AMR_HEADER) :] * 60
    assert len(ten_minutes) < MAX_INPUT_BYTES

    started = time.perf_counter()
    kind = kind_of(ten_minutes)
    elapsed = time.perf_counter() - started

    assert kind == "too_long"
    assert elapsed < 2.0


def test_a_wav_longer_than_the_limit_is_too_long(encode_audio: Encoder) -> None:
    wav = encode_audio(tone(12.0), "wav", "pcm_s16le", rate=8_000)

    assert kind_of(wav, max_seconds=10.0) == "too_long"
    assert_close(decode(wav, max_seconds=12.0).seconds, 12.0, tolerance=0.01)


def test_a_recording_of_exactly_the_limit_is_accepted() -> None:
    assert_close(decode(encode_amr(tone(MAX_SECONDS))).seconds, MAX_SECONDS, tolerance=0.01)


def test_more_than_two_megabytes_is_too_large_before_decoding(monkeypatch: pytest.MonkeyPatch) -> None:
    opened: list[object] = []
    real_open = av.open
    monkeypatch.setattr(av, "open", lambda *args, **kwargs: opened.append(args) or real_open(*args, **kwargs))

    kind = kind_of(AMR_HEADER + bytes(MAX_INPUT_BYTES))

    assert kind == "too_large"
    assert opened == []  # refused on its size: the decoder never saw it


def test_audio_error_survives_pickling_for_worker_processes() -> None:
    error = pickle.loads(pickle.dumps(AudioError("silent", "nothing louder than the threshold")))  # noqa: S301

    assert (error.kind, error.message) == ("silent", "nothing louder than the threshold")


def test_pcm_refuses_half_a_sample() -> None:
    with pytest.raises(AudioError):
        Pcm(b"\x00\x01\x02")


def test_decoding_in_parallel_threads_gives_the_same_samples(speech_amr: bytes) -> None:
    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(lambda _: decode(speech_amr).samples, range(8)))

    assert len(set(results)) == 1


_HINTS = [None, "amr", "speex", "mp3"]
_VALID_STARTS = [b"", AMR_HEADER, b"#!AMR-WB\n", b"OggS", b"ID3", b"\xff\xfb\x90\x00", b"RIFF\x00\x00\x00\x00WAVE"]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(start=st.sampled_from(_VALID_STARTS), rest=st.binary(max_size=2_000), hint=st.sampled_from(_HINTS))
def test_arbitrary_bytes_raise_nothing_but_audio_error(start: bytes, rest: bytes, hint: str | None) -> None:
    with contextlib.suppress(AudioError):
        decode(start + rest, hint=hint, max_seconds=5.0)


@settings(max_examples=60, deadline=None)
@given(data=st.data())
def test_damaged_amr_raises_nothing_but_audio_error(tone_amr: bytes, data: st.DataObject) -> None:
    amr = bytearray(tone_amr)
    for _ in range(data.draw(st.integers(1, 20))):
        amr[data.draw(st.integers(len(AMR_HEADER), len(amr) - 1))] = data.draw(st.integers(0, 255))
    cut = data.draw(st.integers(len(AMR_HEADER), len(amr)))
    with contextlib.suppress(AudioError):
        decode(bytes(amr[:cut]))


# Splitting


def test_split_pieces_are_within_the_limit_and_join_to_the_whole(speech_pcm: Pcm) -> None:
    long_speech = Pcm(speech_pcm.samples * 30)

    pieces = split_pcm(long_speech, 59.0)

    assert len(pieces) >= math.ceil(long_speech.seconds / 59.0)
    assert all(0 < piece.seconds <= 59.0 for piece in pieces)
    assert b"".join(piece.samples for piece in pieces) == long_speech.samples


def test_split_cuts_in_the_pause_nearest_the_limit() -> None:
    speech = Pcm(tone(3.0).samples + silence(0.3).samples + tone(3.0).samples)

    first, second = split_pcm(speech, 4.0)

    assert 3.0 <= first.seconds <= 3.3
    assert first.samples + second.samples == speech.samples


def test_split_leaves_short_speech_whole_and_nothing_as_nothing() -> None:
    clip = tone(2.0)

    assert split_pcm(clip, 59.0) == [clip]
    assert split_pcm(Pcm(b""), 59.0) == []


def test_split_pieces_of_unbroken_sound_are_still_within_the_limit() -> None:
    pieces = split_pcm(tone(10.0), 3.0)

    assert all(piece.seconds <= 3.0 for piece in pieces)
    assert sum(piece.sample_count for piece in pieces) == 10 * SAMPLE_RATE
