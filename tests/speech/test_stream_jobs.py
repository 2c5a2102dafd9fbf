"""Speech jobs and results as they cross Redis: sealed with the service's key, readable only with it."""

from __future__ import annotations

import pytest

from bot.security.crypto import Cipher
from speech.speaking import Clip
from speech.stream_jobs import (
    JobError,
    JobUnreadable,
    RecognitionJob,
    SynthesisJob,
    open_job,
    open_result,
    seal_job,
    seal_result,
)
from speech.stt import Recognition

KEY = Cipher("a" * 40)
OTHER_KEY = Cipher("b" * 40)
VOICE = bytes(range(256)) * 40  # stands for a resident's voice


def test_a_recognition_job_keeps_its_audio_and_phrases_sealed() -> None:
    job = RecognitionJob(VOICE, ("是", "不是"), 0.6)

    sealed = seal_job(job, KEY)

    assert VOICE[:64] not in sealed
    assert "不是".encode() not in sealed
    assert open_job(b"recognise", sealed, KEY) == job


def test_a_synthesis_job_keeps_the_words_sealed() -> None:
    job = SynthesisJob("身份证号 1 1 0 1 0 5", rate=-1, clip_seconds=55.0, max_clips=3)

    sealed = seal_job(job, KEY)

    assert "身份证".encode() not in sealed
    assert open_job("synthesise", sealed, KEY) == job


def test_a_job_sealed_with_another_key_is_unreadable_and_says_nothing_of_it() -> None:
    sealed = seal_job(RecognitionJob(VOICE, None, 0.6), OTHER_KEY)

    with pytest.raises(JobUnreadable) as raised:
        open_job("recognise", sealed, KEY)

    assert str(raised.value) == "not sealed with this key"


@pytest.mark.parametrize("payload", [b"", b"\x01", b"not a sealed job at all"])
def test_damaged_payloads_are_unreadable(payload: bytes) -> None:
    with pytest.raises(JobUnreadable):
        open_job("recognise", payload, KEY)


def test_results_round_trip_sealed() -> None:
    heard = Recognition("我要 申请", 0.83, (("我要", 0.9), ("申请", 0.76)), grammar=False)
    clips = [Clip(b"#!AMR\n" + b"\x01" * 10, "voice.amr", "audio/amr"), Clip(b"#!AMR\n", "voice.amr", "audio/amr")]

    sealed_heard = seal_result(heard, KEY)
    sealed_clips = seal_result(clips, KEY)

    assert "申请".encode() not in sealed_heard
    assert b"#!AMR" not in sealed_clips
    assert open_result("recognise", sealed_heard, KEY) == heard
    assert open_result("synthesise", sealed_clips, KEY) == clips


def test_an_error_result_names_only_a_fixed_reason() -> None:
    assert open_result("recognise", seal_result(JobError("unreadable"), KEY), KEY) == JobError("unreadable")
    assert open_result("recognise", b"Esomething else", KEY) == JobError("failed")
