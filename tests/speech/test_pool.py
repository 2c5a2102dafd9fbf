"""The speech worker pool: real worker processes with the Korean model. Most tests share one pool of
two workers (starting one costs seconds); the crash test and the bad-model tests start their own."""

from __future__ import annotations

import asyncio
import os
import re
import time
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio

import speech.pool
from speech.pool import SpeechBusy, SpeechPool, SpeechUnavailable
from speech.stt import ModelError
from tests.speech.test_stt import KOREAN_MODEL, PHRASES, SENTENCE, damaged_model, has_hangul, needs_espeak, speak

pytestmark = pytest.mark.asyncio(loop_scope="module")

MAX_QUEUE = 3
IN_FLIGHT_HEARD: list[int] = []  # what the shared pool told its ``on_in_flight`` listener, in order


def pid_and_loads(delay: float) -> tuple[int, int]:
    """Runs in a worker: which process it is and how many times it loaded the model."""
    time.sleep(delay)
    return os.getpid(), speech.pool._loads


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def pool() -> AsyncIterator[SpeechPool]:
    async with SpeechPool(KOREAN_MODEL, workers=2, max_queue=MAX_QUEUE, on_in_flight=IN_FLIGHT_HEARD.append) as started:
        yield started


@needs_espeak
async def test_the_pool_recognises_phrases_and_free_speech(pool: SpeechPool) -> None:
    answer = await pool.recognise(speak("예"), phrases=PHRASES)
    sentence = await pool.recognise(speak(SENTENCE), phrases=PHRASES)
    free = await pool.recognise(speak(SENTENCE))

    assert (answer.text, answer.grammar) == ("예", True)
    assert sentence.grammar is False
    assert has_hangul(sentence.text)
    assert has_hangul(free.text)


def meet(folder: str, parties: int, patience: float) -> bool:
    """Runs in a worker: leave a mark in ``folder`` and wait for ``parties`` marks; False if they never came."""
    Path(folder, str(os.getpid())).touch()
    deadline = time.monotonic() + patience
    while time.monotonic() < deadline:
        if len(os.listdir(folder)) >= parties:
            return True
        time.sleep(0.01)
    return False


async def test_requests_run_concurrently_on_two_workers(pool: SpeechPool, tmp_path: Path) -> None:
    # Each request waits for the other to have started: run one after the other, both would give up.
    met = await asyncio.gather(pool._run(meet, str(tmp_path), 2, 10.0), pool._run(meet, str(tmp_path), 2, 10.0))

    assert met == [True, True]
    assert len(os.listdir(tmp_path)) == 2  # two different worker processes left their marks


@needs_espeak
async def test_each_worker_loads_the_model_once(pool: SpeechPool) -> None:
    for _ in range(3):
        await asyncio.gather(pool.recognise(speak("전화"), phrases=PHRASES), pool.recognise(speak("취소")))

    # Both workers busy at once, so both answer.
    results = await asyncio.gather(pool._run(pid_and_loads, 0.3), pool._run(pid_and_loads, 0.3))

    assert len({pid for pid, _ in results}) == 2
    assert [loads for _, loads in results] == [1, 1]


@needs_espeak
async def test_requests_beyond_max_queue_are_refused_at_once(pool: SpeechPool) -> None:
    # Two running and one waiting fill the queue of three.
    held = [asyncio.ensure_future(pool._run(time.sleep, 0.6)) for _ in range(MAX_QUEUE)]
    await asyncio.sleep(0)
    assert pool.in_flight == MAX_QUEUE

    with pytest.raises(SpeechBusy):
        await pool.recognise(speak("예"), phrases=PHRASES)
    # Refused without waiting for a place: the three before it are all still running.
    assert not any(task.done() for task in held)

    await asyncio.gather(*held)
    await asyncio.sleep(0.05)
    assert pool.in_flight == 0
    assert (await pool.recognise(speak("예"), phrases=PHRASES)).text == "예"


async def test_the_listener_hears_the_count_rise_and_fall_with_each_request(pool: SpeechPool) -> None:
    heard_before = len(IN_FLIGHT_HEARD)

    await asyncio.gather(pool._run(time.sleep, 0.2), pool._run(time.sleep, 0.2))
    await asyncio.sleep(0.05)  # the last "done" reaches the event loop just after the result

    assert IN_FLIGHT_HEARD[heard_before:] == [1, 2, 1, 0]


async def test_a_request_whose_caller_gave_up_counts_until_its_worker_is_done(pool: SpeechPool) -> None:
    with pytest.raises(TimeoutError):
        await asyncio.wait_for(pool._run(time.sleep, 0.5), timeout=0.1)

    # The worker is still sleeping: it still takes a place in the queue.
    assert pool.in_flight == 1
    await asyncio.sleep(0.6)
    assert pool.in_flight == 0


@needs_espeak
async def test_recognition_does_not_block_the_event_loop(pool: SpeechPool) -> None:
    ticks = 0

    async def ticker() -> None:
        nonlocal ticks
        while True:
            await asyncio.sleep(0.01)
            ticks += 1

    clip = speak(SENTENCE + " " + SENTENCE)
    ticking = asyncio.create_task(ticker())
    started = time.perf_counter()
    heard = await pool.recognise(clip)
    elapsed = time.perf_counter() - started
    ticking.cancel()

    assert heard.text
    # A blocked loop would not tick at all during recognition; allow for a slow, busy machine.
    assert ticks >= 0.3 * elapsed / 0.01, (ticks, elapsed)


@needs_espeak
async def test_a_crashed_worker_fails_only_its_request_and_the_pool_keeps_recognising() -> None:
    # One worker keeps this test quick; a crash takes every worker of the pool down anyway.
    async with SpeechPool(KOREAN_MODEL, workers=1) as pool:
        before, _ = await pool._run(pid_and_loads, 0)

        with pytest.raises(SpeechUnavailable):
            await pool._run(os._exit, 1)

        heard = await pool.recognise(speak("아니요"), phrases=PHRASES)
        after, loads = await pool._run(pid_and_loads, 0)

    assert heard.text == "아니요"
    assert after != before
    assert loads == 1
    assert pool.in_flight == 0


async def test_starting_with_a_missing_model_folder_is_a_model_error_naming_it(tmp_path: Path) -> None:
    missing = tmp_path / "no-such-model"
    pool = SpeechPool(missing, workers=2)

    with pytest.raises(ModelError, match=re.escape(str(missing))):
        await pool.start()


async def test_starting_with_a_damaged_model_is_a_model_error_from_the_workers(tmp_path: Path) -> None:
    folder = damaged_model(tmp_path / "broken-model")
    pool = SpeechPool(folder, workers=1)

    with pytest.raises(ModelError, match=re.escape(str(folder))):
        await pool.start()


async def test_a_pool_that_is_not_running_answers_unavailable() -> None:
    pool = SpeechPool(KOREAN_MODEL, workers=1)

    with pytest.raises(SpeechUnavailable):
        await pool.recognise(b"")
