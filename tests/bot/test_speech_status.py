"""``/healthz`` and ``/metrics`` with speech workers: each stream (recognitions, spoken answers, the old
single stream) is shown under its Redis key, with its jobs, those in a worker's hands, the wait a job added
now would have (as admission estimates it) and the recent time per job; read from real Redis."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from redis.asyncio import Redis

from bot.observability import metrics
from bot.security.crypto import Cipher
from bot.speech_status import speech_backlog_reader, speech_health
from speech.stream import StreamSpeech
from speech.stream_keys import GROUP, LEGACY_STREAM, RECOGNITION_STREAM, SECONDS, SYNTHESIS_STREAM, WORKERS
from tests.bot.observability.scrape import Scrape

SECRET_KEY = "speech-status-test-key-" + "s" * 24


@pytest.fixture
async def speech(real_redis: Redis) -> AsyncIterator[StreamSpeech]:
    stream = StreamSpeech(real_redis, Cipher(SECRET_KEY), recognition_budget=2.3)
    await stream.start()
    yield stream
    await stream.close()


async def _jobs(redis: Redis, stream: str, count: int) -> None:
    for _ in range(count):
        await redis.xadd(stream, {"id": "x", "kind": "k", "expires": "0", "payload": b""})


async def _live_slot(redis: Redis) -> None:
    """A worker slot with a heartbeat by the Redis server's clock, and no process behind it."""
    seconds, microseconds = await redis.time()
    await redis.zadd(WORKERS, {"stalled/1": seconds + microseconds / 1e6})


@pytest.fixture
async def busy(real_redis: Redis) -> None:
    """One live slot holding one of two recognitions; four spoken answers queued; one job left on the old
    stream; recognitions took 0.5 s and spoken answers 3 s lately."""
    await _live_slot(real_redis)
    await real_redis.hset(SECONDS, mapping={"recognise": 0.5, "synthesise": 3.0})
    await _jobs(real_redis, RECOGNITION_STREAM, 2)
    await real_redis.xreadgroup(GROUP, "stalled/1", {RECOGNITION_STREAM: ">"}, count=1)
    await _jobs(real_redis, SYNTHESIS_STREAM, 4)
    await _jobs(real_redis, LEGACY_STREAM, 1)


async def test_health_names_each_stream_with_its_jobs_and_the_wait_of_a_new_one(
    speech: StreamSpeech, busy: None
) -> None:
    health = await speech_health(speech)

    assert health["state"] == "ok"
    assert health["detail"] == "1 speech worker slots live, 7 jobs waiting"
    # A recognition waits for the two ahead of it (one in hand), 0.5 s each; queued answers do not count.
    assert health[RECOGNITION_STREAM] == "2 jobs, 1 in hand, a new one starts in about 1.0 s"
    # A spoken answer waits for everything: 2 × 0.5 s + 4 × 3 s.
    assert health[SYNTHESIS_STREAM] == "4 jobs, 0 in hand, a new one starts in about 13.0 s"
    assert health[LEGACY_STREAM] == "1 jobs left by web workers of an earlier version"


async def test_with_no_live_worker_health_says_no_new_job_would_start(speech: StreamSpeech, real_redis: Redis) -> None:
    await _jobs(real_redis, SYNTHESIS_STREAM, 1)

    health = await speech_health(speech)

    assert health["state"] == "no-workers"
    assert health[RECOGNITION_STREAM] == "0 jobs, 0 in hand, a new one would not be started"
    assert health[SYNTHESIS_STREAM] == "1 jobs, 0 in hand, a new one would not be started"
    assert LEGACY_STREAM not in health  # empty: nothing to say about it


async def test_metrics_carry_one_series_per_stream_labelled_with_its_redis_key(
    speech: StreamSpeech, busy: None
) -> None:
    metrics.set_enabled(True)
    reader = speech_backlog_reader(speech)
    assert reader is not None
    streams, workers = await reader()
    metrics.set_speech_streams(streams, workers)

    scrape = Scrape(metrics.exposition().decode())

    assert scrape.value("bot_speech_stream_workers") == 1
    expected = {
        RECOGNITION_STREAM: {"backlog": 2, "in_hand": 1, "wait_seconds": 1.0, "job_seconds": 0.5},
        SYNTHESIS_STREAM: {"backlog": 4, "in_hand": 0, "wait_seconds": 13.0, "job_seconds": 3.0},
    }
    for stream, values in expected.items():
        for gauge, value in values.items():
            assert scrape.value(f"bot_speech_stream_{gauge}", stream=stream) == pytest.approx(value), (stream, gauge)
    assert scrape.value("bot_speech_stream_backlog", stream=LEGACY_STREAM) == 1
    assert 'bot_speech_stream_wait_seconds{stream="bot:speech:jobs"}' not in scrape.text
