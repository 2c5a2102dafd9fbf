"""Synthesis: mono WAV from pyttsx3 or the espeak-ng command line, at the resident's rate, safe from many threads.

Without espeak-ng these tests are skipped locally and fail under ``CI=true``.
"""

from __future__ import annotations

import asyncio
import io
import logging
import shutil
import threading
import wave
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

import pytest
import pyttsx3

from speech import tts
from speech.listening import chunk_for_speech, for_listening
from speech.tts import MAX_CHARS, RATES, Synthesizer, TtsError, max_chars_per_clip
from tests.fixtures.services import service_missing

SHORT = "您好。"
SENTENCE = "您好，这里是柳州残疾人办事助手。"
LONGER = "您好，这里是柳州残疾人办事助手。您可以打字，也可以发语音。我可以帮您申请补贴，也可以帮您找工作人员。"
# Real replies, as for_listening prepares every answer: prompts, a summary with numbers, options.
REPLIES = (
    "您可以直接回答问题。说“重复”，我再说一遍。说“上一步”，回到上一个问题。说“取消”，不办了。"
    "说“转人工”，请工作人员帮您，工作人员会在这里用文字回复您。\n"
    "请核对您申请生活补贴的信息。\n身份证号码：450203 19850312 123X。\n联系电话：138 1234 5678。\n"
    "您上次申请生活补贴，还没有办完，已经填了3项。您要接着填，还是重新开始，还是不办了？\n"
    "1. 接着填\n2. 重新开始\n3. 不办了\n"
    "对不起，系统出了点问题，这次没有提交成功。您填的内容都保存着。请过几分钟再说“是”，重新提交。"
)
WECHAT_VOICE_LIMIT_SECONDS = 60.0
_T = TypeVar("_T")


def seconds(wav_bytes: bytes) -> float:
    with wave.open(io.BytesIO(wav_bytes)) as wav:
        return float(wav.getnframes() / wav.getframerate())


def _synthesizer(engine: tts.EngineName) -> Synthesizer:
    if shutil.which("espeak-ng") is None:
        service_missing("espeak-ng", "the espeak-ng command is not installed (Debian package espeak-ng)")
    try:
        return Synthesizer(engine=engine)
    except TtsError as exc:
        service_missing("espeak-ng", str(exc))
        raise AssertionError("unreachable") from exc


@pytest.fixture(scope="module")
def synthesizer() -> Synthesizer:
    return _synthesizer("pyttsx3")


@pytest.fixture(scope="module")
def command_line() -> Synthesizer:
    return _synthesizer("espeak-ng")


@pytest.fixture(params=["pyttsx3", "espeak-ng"])
def each_engine(request: pytest.FixtureRequest) -> Synthesizer:
    engine: tts.EngineName = request.param
    return _synthesizer(engine)


def test_pyttsx3_speaks_with_the_mandarin_voice_that_reads_hanzi_as_mandarin(synthesizer: Synthesizer) -> None:
    assert synthesizer.engine == "pyttsx3"
    assert synthesizer.voice_id == "sit/cmn-latn-pinyin"


def test_synthesize_returns_a_mono_16_bit_wav_at_a_sane_sample_rate(each_engine: Synthesizer) -> None:
    data = each_engine.synthesize(SENTENCE)

    assert data[:4] == b"RIFF"
    assert data[8:12] == b"WAVE"
    with wave.open(io.BytesIO(data)) as wav:
        assert wav.getnchannels() == 1
        assert wav.getsampwidth() == 2
        assert 16_000 <= wav.getframerate() <= 48_000
    assert 2.0 < seconds(data) < 8.0


def test_a_longer_text_takes_longer_to_say(each_engine: Synthesizer) -> None:
    short, sentence, longer = (seconds(each_engine.synthesize(text)) for text in (SHORT, SENTENCE, LONGER))

    assert short < sentence < longer
    assert longer > 2.5 * sentence


def test_each_faster_rate_takes_less_time(each_engine: Synthesizer) -> None:
    durations = [seconds(each_engine.synthesize(LONGER, rate=rate)) for rate in sorted(RATES)]

    assert durations == sorted(durations, reverse=True)
    assert len(set(durations)) == len(durations)


def test_rate_minus_two_is_much_slower_than_rate_two(synthesizer: Synthesizer) -> None:
    slow = seconds(synthesizer.synthesize(LONGER, rate=-2))
    fast = seconds(synthesizer.synthesize(LONGER, rate=2))

    assert slow > 1.8 * fast


def test_the_normal_rate_reads_about_four_characters_a_second(synthesizer: Synthesizer) -> None:
    text = for_listening(LONGER)

    assert 3.5 < len(text) / seconds(synthesizer.synthesize(text)) < 5.0


def test_rates_beyond_the_steps_are_clamped_to_the_nearest_step(synthesizer: Synthesizer) -> None:
    assert seconds(synthesizer.synthesize(SENTENCE, rate=9)) == pytest.approx(
        seconds(synthesizer.synthesize(SENTENCE, rate=2)), rel=0.05
    )
    assert seconds(synthesizer.synthesize(SENTENCE, rate=-9)) == pytest.approx(
        seconds(synthesizer.synthesize(SENTENCE, rate=-2)), rel=0.05
    )


def test_pyttsx3_and_the_command_line_sound_alike(synthesizer: Synthesizer, command_line: Synthesizer) -> None:
    for rate in (-2, 0, 2):
        assert seconds(synthesizer.synthesize(LONGER, rate=rate)) == pytest.approx(
            seconds(command_line.synthesize(LONGER, rate=rate)), rel=0.05
        )


def test_every_clip_of_max_chars_per_clip_stays_under_wechats_sixty_seconds(synthesizer: Synthesizer) -> None:
    text = for_listening(REPLIES * 4)
    for rate in sorted(RATES):
        chunks = chunk_for_speech(text, max_chars_per_clip(rate))
        longest = max(seconds(synthesizer.synthesize(chunk, rate=rate)) for chunk in chunks)

        assert longest < WECHAT_VOICE_LIMIT_SECONDS, rate


def test_the_normal_rate_fits_about_two_hundred_characters_in_a_clip() -> None:
    assert 180 <= max_chars_per_clip(0) <= 220
    assert [max_chars_per_clip(rate) for rate in sorted(RATES)] == sorted(max_chars_per_clip(r) for r in RATES)


def test_four_threads_synthesising_at_once_all_get_valid_wav(each_engine: Synthesizer) -> None:
    texts = [SHORT, SENTENCE, LONGER, SENTENCE + SHORT]
    alone = [seconds(each_engine.synthesize(text)) for text in texts]
    start = threading.Barrier(len(texts))

    def speak(text: str) -> bytes:
        start.wait()
        return each_engine.synthesize(text)

    with ThreadPoolExecutor(max_workers=len(texts)) as pool:
        together = list(pool.map(speak, texts * 3))

    # Each thread got its own text at the default rate: about as long as when spoken alone (libespeak-ng's
    # prosody carries over a little from the text before, a few hundredths of a second).
    assert [seconds(data) for data in together] == pytest.approx(alone * 3, rel=0.08)


async def test_calls_through_asyncio_to_thread_at_different_rates_each_get_their_own(
    synthesizer: Synthesizer,
) -> None:
    rates = [-2, -1, 0, 1, 2, 0, -2, 2]
    alone = {rate: seconds(synthesizer.synthesize(SENTENCE, rate=rate)) for rate in set(rates)}

    results = await asyncio.gather(*(asyncio.to_thread(synthesizer.synthesize, SENTENCE, rate=r) for r in rates))

    assert [seconds(data) for data in results] == pytest.approx([alone[rate] for rate in rates], rel=0.08)


def test_the_command_line_takes_over_when_pyttsx3_cannot_start(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    _synthesizer("espeak-ng")

    def broken_init(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError("This means you probably do not have eSpeak or eSpeak-ng installed!")

    monkeypatch.setattr(pyttsx3, "init", broken_init)
    monkeypatch.setattr(tts._Pyttsx3, "_shared", None)
    monkeypatch.setattr(tts, "_warned", set())

    with caplog.at_level(logging.WARNING, logger="speech.tts"):
        first, second = Synthesizer(), Synthesizer()

    assert first.engine == second.engine == "espeak-ng"
    assert first.voice_id.lower() == "sit/cmn-latn-pinyin"
    assert seconds(first.synthesize(SENTENCE)) > 2.0
    assert [record.getMessage() for record in caplog.records] == [
        "pyttsx3 could not start (This means you probably do not have eSpeak or eSpeak-ng installed!); "
        "using the espeak-ng command line"
    ]


def test_the_command_line_answers_when_pyttsx3_fails_while_speaking(
    synthesizer: Synthesizer, monkeypatch: pytest.MonkeyPatch
) -> None:
    shared = tts._Pyttsx3.shared()

    def failing(*_args: object) -> bytes:
        raise RuntimeError("run loop already started")

    monkeypatch.setattr(shared, "broken", False)
    monkeypatch.setattr(shared, "_synthesize", failing)
    monkeypatch.setattr(tts, "_warned", set())

    assert seconds(synthesizer.synthesize(SENTENCE)) > 2.0
    assert synthesizer.engine == "espeak-ng"


class _NeverEndingEngine:
    """A pyttsx3 engine whose run never returns, as when libespeak-ng never signals the end of an utterance."""

    def __init__(self) -> None:
        self.running = threading.Event()
        self.release = threading.Event()

    def setProperty(self, _name: str, _value: object) -> None:
        pass

    def save_to_file(self, _text: str, _name: str) -> None:
        pass

    def runAndWait(self) -> None:
        self.running.set()
        self.release.wait()


@pytest.fixture
def stuck_pyttsx3(synthesizer: Synthesizer, monkeypatch: pytest.MonkeyPatch) -> Iterator[_NeverEndingEngine]:
    """The process's pyttsx3 engine stuck in its run, with a one-second time limit; afterwards the run ends and
    the engine is back in use."""
    shared = tts._Pyttsx3.shared()
    engine = _NeverEndingEngine()
    monkeypatch.setattr(tts, "_TIMEOUT_SECONDS", 1.0)
    monkeypatch.setattr(tts, "_warned", set())
    monkeypatch.setattr(shared, "broken", False)
    monkeypatch.setattr(shared, "_engine", engine)
    monkeypatch.setattr(shared, "_voice", synthesizer.voice_id)
    yield engine
    engine.release.set()
    assert tts._Pyttsx3._lock.acquire(timeout=5.0), "the stuck synthesis kept the lock after its run ended"
    tts._Pyttsx3._lock.release()


def _within(seconds_allowed: float, work: Callable[[], _T]) -> _T:
    """``work``'s result, failing the test (rather than hanging it) if it takes longer than ``seconds_allowed``."""
    results: list[_T | BaseException] = []

    def run() -> None:
        try:
            results.append(work())
        except BaseException as exc:  # raised again in the test's thread
            results.append(exc)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(seconds_allowed)
    assert results, f"the call did not return within {seconds_allowed} s"
    found = results[0]
    if isinstance(found, BaseException):
        raise found
    return found


def test_a_synthesis_that_never_ends_is_abandoned_and_the_command_line_speaks_instead(
    synthesizer: Synthesizer, stuck_pyttsx3: _NeverEndingEngine, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="speech.tts"):
        wav = _within(6.0, lambda: synthesizer.synthesize(SENTENCE))

    assert stuck_pyttsx3.running.is_set()
    assert seconds(wav) > 2.0
    assert synthesizer.engine == "espeak-ng"
    assert [record.getMessage() for record in caplog.records] == [
        "pyttsx3 failed to synthesise: pyttsx3 did not finish within 1 s"
    ]


def test_after_a_stuck_synthesis_the_next_one_does_not_wait_behind_it(
    synthesizer: Synthesizer, stuck_pyttsx3: _NeverEndingEngine
) -> None:
    _within(6.0, lambda: synthesizer.synthesize(SHORT))

    later = Synthesizer()
    assert later.engine == "espeak-ng"
    wav = _within(6.0, lambda: later.synthesize(SENTENCE))

    assert seconds(wav) > 2.0
    assert not stuck_pyttsx3.release.is_set(), "the first synthesis is still stuck"


def test_calls_queued_behind_a_stuck_synthesis_all_get_speech_within_the_limit(
    synthesizer: Synthesizer, stuck_pyttsx3: _NeverEndingEngine
) -> None:
    pool = ThreadPoolExecutor(max_workers=3)
    futures = [pool.submit(synthesizer.synthesize, text) for text in (SHORT, SENTENCE, LONGER)]
    pool.shutdown(wait=False)  # without the time limit they would wait forever: the test must not
    wavs = [future.result(timeout=8.0) for future in futures]

    assert all(seconds(wav) > 0.5 for wav in wavs)


def test_an_event_loop_with_a_stuck_synthesis_still_shuts_down(
    synthesizer: Synthesizer, stuck_pyttsx3: _NeverEndingEngine
) -> None:
    async def answer() -> bytes:
        return await asyncio.to_thread(synthesizer.synthesize, SENTENCE)

    # asyncio.run waits for the default executor's threads before it returns.
    wav = _within(8.0, lambda: asyncio.run(answer()))

    assert seconds(wav) > 2.0


def test_a_pyttsx3_that_never_starts_is_given_up_and_the_command_line_speaks(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    _synthesizer("espeak-ng")
    release = threading.Event()

    def never_starting(*_args: object, **_kwargs: object) -> None:
        release.wait()
        raise RuntimeError("gave up")

    monkeypatch.setattr(pyttsx3, "init", never_starting)
    monkeypatch.setattr(tts._Pyttsx3, "_shared", None)
    monkeypatch.setattr(tts._Pyttsx3, "_start_stuck", False)
    monkeypatch.setattr(tts, "_TIMEOUT_SECONDS", 1.0)
    monkeypatch.setattr(tts, "_warned", set())
    try:
        with caplog.at_level(logging.WARNING, logger="speech.tts"):
            first = _within(6.0, Synthesizer)
            second = _within(0.9, Synthesizer)  # does not wait for the stuck start again

        assert first.engine == second.engine == "espeak-ng"
        assert seconds(second.synthesize(SENTENCE)) > 2.0
        assert [record.getMessage() for record in caplog.records] == [
            "pyttsx3 could not start (pyttsx3 did not start within 1 s); using the espeak-ng command line"
        ]
    finally:
        release.set()


@pytest.mark.parametrize("text", ["", " ", "\n\t　"])
def test_empty_text_is_refused(each_engine: Synthesizer, text: str) -> None:
    with pytest.raises(TtsError, match="nothing to say"):
        each_engine.synthesize(text)


def test_text_over_the_hard_cap_is_refused(synthesizer: Synthesizer) -> None:
    with pytest.raises(TtsError, match="over the limit"):
        synthesizer.synthesize("好" * (MAX_CHARS + 1))


def test_text_that_cannot_be_encoded_is_refused_and_pyttsx3_stays_in_use(synthesizer: Synthesizer) -> None:
    with pytest.raises(TtsError, match="surrogates"):
        synthesizer.synthesize("您好\ud800")

    assert synthesizer.engine == "pyttsx3"


def test_an_unknown_voice_is_refused_when_the_synthesizer_is_made() -> None:
    _synthesizer("espeak-ng")

    with pytest.raises(TtsError, match="no voice"):
        Synthesizer(voice="klingon")


@pytest.mark.parametrize("voice", ["sit/cmn-latn-pinyin", "cmn-latn-pinyin", "CMN-Latn-Pinyin"])
def test_a_voice_is_found_by_its_id_or_its_file_name(voice: str) -> None:
    _synthesizer("espeak-ng")

    assert Synthesizer(voice=voice).voice_id.lower() == "sit/cmn-latn-pinyin"


def test_synthesis_neither_prints_nor_logs_what_is_said(
    each_engine: Synthesizer, capfd: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    private = "张三的身份证号码"

    with caplog.at_level(logging.DEBUG):
        each_engine.synthesize(private)

    out, err = capfd.readouterr()
    assert out == ""
    assert private not in err
    assert all(private not in record.getMessage() for record in caplog.records)
