"""Speech through the Redis stream, with real ``python -m bot speech-worker`` processes and real Redis:
two workers share the jobs, a worker killed mid-job has its job finished by another exactly once, and
with no worker (or too long a backlog) a recognition is refused at once so the resident gets text.

Each worker process loads the Korean model (seconds): the processes are shared by the module's tests
and only started or stopped when a test needs a different set (in this order, three loads in all)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio
from redis.asyncio import Redis

from bot.security.crypto import Cipher
from bot.storage.redis import create_redis
from speech.pool import SpeechBusy, SpeechUnavailable
from speech.stream import StreamSpeech, read_backlog
from speech.stream_keys import COUNTS, GROUP, SECONDS, STREAM, WORKERS
from tests.speech.speech_workers import SECRET_KEY, SpeechWorkerProcess
from tests.speech.test_stt import PHRASES, SENTENCE, has_hangul, needs_espeak, speak

pytestmark = [pytest.mark.asyncio(loop_scope="module"), needs_espeak]


class Workers:
    """The module's worker processes, started and stopped as each test needs."""

    def __init__(self, redis_url: str, folder: Path) -> None:
        self.redis_url = redis_url
        self.folder = folder
        self.running: list[SpeechWorkerProcess] = []
        self._started = 0

    async def start(self, count: int = 1) -> list[SpeechWorkerProcess]:
        new = []
        for _ in range(count):
            self._started += 1
            new.append(await SpeechWorkerProcess.start(self.redis_url, f"worker-{self._started}", self.folder))
        await asyncio.gather(*(worker.ready() for worker in new))
        self.running += new
        return new

    async def exactly(self, count: int) -> list[SpeechWorkerProcess]:
        leaving, self.running = self.running[count:], self.running[:count]
        await asyncio.gather(*(worker.stop() for worker in leaving))
        if len(self.running) < count:
            await self.start(count - len(self.running))
        return list(self.running)

    async def none(self) -> None:
        await self.exactly(0)


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def redis(redis_url: str) -> AsyncIterator[Redis]:
    client = create_redis(redis_url)
    await client.flushdb()
    yield client
    await client.flushdb()
    await client.aclose()


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def workers(redis_url: str, redis: Redis, tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Workers]:
    started = Workers(redis_url, tmp_path_factory.mktemp("speech-workers"))
    try:
        yield started
    finally:
        for worker in started.running:
            await worker.kill()


@pytest_asyncio.fixture(loop_scope="module")
async def fresh(redis: Redis) -> None:
    """Counts and left-over jobs of earlier tests gone (workers keep their heartbeats)."""
    await redis.delete(COUNTS, STREAM, SECONDS)


def client(redis: Redis, *, budget: float = 60.0, wait_limit: float = 60.0) -> StreamSpeech:
    return StreamSpeech(redis, Cipher(SECRET_KEY), recognition_budget=budget, wait_limit=wait_limit)


async def counts(redis: Redis) -> dict[str, int]:
    return {key.decode(): int(value) for key, value in (await redis.hgetall(COUNTS)).items()}


async def test_a_job_left_by_a_killed_worker_is_finished_by_another_exactly_once(
    redis: Redis, workers: Workers, fresh: None
) -> None:
    await workers.none()
    doomed = await SpeechWorkerProcess.start(workers.redis_url, "doomed", workers.folder)
    await doomed.ready()
    speech = client(redis)
    await speech.start()
    long_voice = speak(SENTENCE) * 2  # seconds of work: it is surely still going when the worker dies

    waiting = asyncio.create_task(speech.recognise(long_voice))
    await _until_taken_by(redis, "doomed/1")
    await doomed.kill()
    (rescuer,) = await workers.start(1)
    heard = await asyncio.wait_for(waiting, 60)

    assert has_hangul(heard.text)
    assert await counts(redis) == {"recognise": 1}  # stored once; "finished-twice" never counted
    assert "took over" in rescuer.log()
    assert await _logged([rescuer], [0], 1) == [1]
    assert doomed.jobs_done() == 0
    assert (await redis.xpending(STREAM, GROUP))["pending"] == 0
    assert await redis.xlen(STREAM) == 0  # the sealed voice is deleted with the acknowledgement


async def _until_taken_by(redis: Redis, slot: str) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        pending = await redis.xpending_range(STREAM, GROUP, min="-", max="+", count=10)
        if any(entry["consumer"] == slot.encode() for entry in pending):
            return
        await asyncio.sleep(0.02)
    raise AssertionError(f"{slot} never took the job")


async def test_two_workers_share_the_jobs(redis: Redis, workers: Workers, fresh: None) -> None:
    both = await workers.exactly(2)
    done_before = [worker.jobs_done() for worker in both]
    speech = client(redis)
    await speech.start()

    heard = await asyncio.gather(*(speech.recognise(speak(word), phrases=PHRASES) for word in PHRASES * 2))

    assert [result.text for result in heard] == list(PHRASES * 2)
    assert await counts(redis) == {"recognise": 10}
    done = await _logged(both, done_before, 10)
    assert min(done) >= 1, done


async def _logged(workers: list[SpeechWorkerProcess], before: list[int], total: int) -> list[int]:
    """Jobs each worker logged since ``before`` (a worker logs just after it stores the result)."""
    deadline = time.monotonic() + 5
    while True:
        done = [worker.jobs_done() - count for worker, count in zip(workers, before, strict=True)]
        if sum(done) >= total or time.monotonic() > deadline:
            return done
        await asyncio.sleep(0.05)


async def test_with_no_speech_worker_a_recognition_is_refused_at_once(
    redis: Redis, workers: Workers, fresh: None
) -> None:
    await workers.none()
    speech = client(redis)
    await speech.start()

    started = time.perf_counter()
    with pytest.raises(SpeechBusy, match="no speech worker is running"):
        await speech.recognise(speak("예"), phrases=PHRASES)
    with pytest.raises(SpeechBusy):
        await speech.clips("你好", rate=0, clip_seconds=55.0, max_clips=3)

    assert time.perf_counter() - started < 0.5
    assert await redis.xlen(STREAM) == 0  # nothing was queued that nobody would take


async def test_a_backlog_that_would_miss_the_deadline_is_refused_and_a_short_one_waits(
    redis: Redis, workers: Workers, fresh: None
) -> None:
    """One live worker slot (a heartbeat without a process), five jobs ahead, two seconds each."""
    await workers.none()
    speech = client(redis, budget=2.3, wait_limit=0.3)
    await speech.start()
    await redis.zadd(WORKERS, {"stalled/1": time.time()})
    await redis.hset(SECONDS, "any", 2.0)
    for _ in range(5):
        await redis.xadd(STREAM, {"id": "x", "kind": "recognise", "expires": "0", "payload": b""})

    with pytest.raises(SpeechBusy, match="5 jobs waiting"):
        await speech.recognise(speak("예"), phrases=PHRASES)
    backlog = await read_backlog(redis)
    assert (backlog.waiting, backlog.workers) == (5, 1)

    await redis.hset(SECONDS, "any", 0.1)  # the same queue, quickly worked: the job goes in, and is awaited
    with pytest.raises(SpeechUnavailable, match=r"within 0\.3 s"):
        await speech.recognise(speak("예"), phrases=PHRASES)
    assert await redis.xlen(STREAM) == 6
    await redis.zrem(WORKERS, "stalled/1")
