"""Speech through the Redis streams, with real ``python -m bot speech-worker`` processes and real Redis:
two workers share the jobs; a worker killed mid-job has its jobs (a recognition and a synthesis) finished
by another exactly once; recognitions are served before spoken answers, so a backlog of syntheses never
makes a resident's voice message wait or be refused; jobs left on the old single stream are still done;
expiry is judged by the Redis server's clock, whatever the hosts' clocks say; with no worker (or too long
a backlog) a recognition is refused at once so the resident gets text.

Each worker process loads the Korean model (seconds): the processes are shared by the module's tests
and only started or stopped when a test needs a different set."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio
from redis.asyncio import Redis

from bot.security.crypto import Cipher
from bot.storage.redis import create_redis
from speech.pool import SpeechBusy, SpeechUnavailable
from speech.speaking import Clip
from speech.stream import StreamSpeech, read_backlog
from speech.stream_jobs import RecognitionJob, open_result, seal_job
from speech.stream_keys import (
    COUNTS,
    GROUP,
    LEGACY_STREAM,
    RECOGNITION_STREAM,
    SECONDS,
    SYNTHESIS_STREAM,
    WORKERS,
    result_key,
)
from speech.stt import Recognition
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
    await redis.delete(COUNTS, RECOGNITION_STREAM, SYNTHESIS_STREAM, LEGACY_STREAM, SECONDS)


def client(
    redis: Redis, *, budget: float = 60.0, wait_limit: float = 60.0, synthesis_budget: float = 60.0
) -> StreamSpeech:
    return StreamSpeech(
        redis,
        Cipher(SECRET_KEY),
        recognition_budget=budget,
        wait_limit=wait_limit,
        synthesis_budget=synthesis_budget,
    )


# A long spoken answer: its synthesis takes a worker seconds (several clips' worth of espeak-ng and AMR).
LONG_ANSWER = "请到户口所在地的乡镇政府或者街道办事处受理窗口申请，请带上身份证、户口簿和残疾人证。" * 6


async def counts(redis: Redis) -> dict[str, int]:
    return {_text(key): int(value) for key, value in (await redis.hgetall(COUNTS)).items()}


def _text(value: bytes | str | int) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


async def test_jobs_left_by_a_killed_worker_are_finished_by_another_exactly_once_on_both_streams(
    redis: Redis, workers: Workers, fresh: None
) -> None:
    await workers.none()
    doomed = await SpeechWorkerProcess.start(workers.redis_url, "doomed", workers.folder, concurrency=2)
    await doomed.ready()
    speech = client(redis)
    await speech.start()
    long_voice = speak(SENTENCE) * 2  # seconds of work: it is surely still going when the worker dies

    hearing = asyncio.create_task(speech.recognise(long_voice))
    speaking = asyncio.create_task(speech.clips(LONG_ANSWER, rate=0, clip_seconds=5.0, max_clips=3))
    await _until_taken_by(redis, RECOGNITION_STREAM, "doomed/")
    await _until_taken_by(redis, SYNTHESIS_STREAM, "doomed/")
    await doomed.kill()
    (rescuer,) = await workers.start(1)
    heard, clips = await asyncio.wait_for(asyncio.gather(hearing, speaking), 90)

    assert has_hangul(heard.text)
    assert clips
    assert all(clip.data.startswith(b"#!AMR") for clip in clips)
    assert await counts(redis) == {"recognise": 1, "synthesise": 1}  # stored once; never "finished-twice"
    assert rescuer.log().count("took over") == 2
    assert await _logged([rescuer], [0], 2) == [2]
    assert doomed.jobs_done() == 0
    for stream in (RECOGNITION_STREAM, SYNTHESIS_STREAM):
        assert (await redis.xpending(stream, GROUP))["pending"] == 0
        assert await redis.xlen(stream) == 0  # the sealed voice and words are deleted with the acknowledgement


async def _until_taken_by(redis: Redis, stream: str, worker: str) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        pending = await redis.xpending_range(stream, GROUP, min="-", max="+", count=10)
        if any(_text(entry["consumer"]).startswith(worker) for entry in pending):
            return
        await asyncio.sleep(0.02)
    raise AssertionError(f"{worker} never took a job from {stream}")


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
    assert await redis.xlen(RECOGNITION_STREAM) == 0  # nothing was queued that nobody would take
    assert await redis.xlen(SYNTHESIS_STREAM) == 0


async def test_a_backlog_that_would_miss_the_deadline_is_refused_and_a_short_one_waits(
    redis: Redis, workers: Workers, fresh: None
) -> None:
    """One live worker slot (a heartbeat without a process), five recognitions ahead, two seconds each."""
    await workers.none()
    speech = client(redis, budget=2.3, wait_limit=0.3)
    await speech.start()
    await _stalled_slot(redis)
    await redis.hset(SECONDS, "recognise", 2.0)
    for _ in range(5):
        await redis.xadd(RECOGNITION_STREAM, {"id": "x", "kind": "recognise", "expires": "0", "payload": b""})

    with pytest.raises(SpeechBusy, match="5 jobs waiting"):
        await speech.recognise(speak("예"), phrases=PHRASES)
    backlog = await read_backlog(redis)
    assert (backlog.recognitions, backlog.waiting, backlog.workers) == (5, 5, 1)
    assert backlog.recognition_wait == pytest.approx(10.0)

    await redis.hset(SECONDS, "recognise", 0.1)  # the same queue, quickly worked: the job goes in, and is awaited
    with pytest.raises(SpeechUnavailable, match=r"within 0\.3 s"):
        await speech.recognise(speak("예"), phrases=PHRASES)
    assert await redis.xlen(RECOGNITION_STREAM) == 6
    await redis.zrem(WORKERS, "stalled/1")


async def test_a_recognition_is_admitted_by_the_recognitions_own_mean_time_not_the_spoken_answers(
    redis: Redis, workers: Workers, fresh: None
) -> None:
    """One live slot, five recognitions ahead. Quick recognitions and slow spoken answers: admitted (a
    mean over both kinds, or the answers' time, would refuse it). Slow recognitions and quick answers:
    refused (the answers' time would admit it)."""
    await workers.none()
    speech = client(redis, budget=2.3, wait_limit=0.3)
    await speech.start()
    await _stalled_slot(redis)
    for _ in range(5):
        await redis.xadd(RECOGNITION_STREAM, {"id": "x", "kind": "recognise", "expires": "0", "payload": b""})

    await redis.hset(SECONDS, mapping={"recognise": 0.1, "synthesise": 10.0})
    assert (await read_backlog(redis)).recognition_wait == pytest.approx(0.5)
    with pytest.raises(SpeechUnavailable, match=r"within 0\.3 s"):  # admitted: nobody works it here
        await speech.recognise(speak("예"), phrases=PHRASES)
    assert await redis.xlen(RECOGNITION_STREAM) == 6

    await redis.hset(SECONDS, mapping={"recognise": 1.0, "synthesise": 0.01})
    with pytest.raises(SpeechBusy, match=r"6 jobs waiting, about 6\.0 s"):
        await speech.recognise(speak("예"), phrases=PHRASES)
    assert await redis.xlen(RECOGNITION_STREAM) == 6
    await redis.zrem(WORKERS, "stalled/1")


async def test_queued_syntheses_do_not_count_against_a_recognition_but_syntheses_in_hand_do(
    redis: Redis, workers: Workers, fresh: None
) -> None:
    """One live slot; eight long spoken answers queued, three seconds each: a recognition is still admitted
    (workers take it first), a ninth answer is not. Once the slot holds a synthesis, a recognition waits for
    it, and is refused when that is longer than its budget."""
    await workers.none()
    speech = client(redis, budget=2.3, wait_limit=0.3, synthesis_budget=20.0)
    await speech.start()
    await _stalled_slot(redis)
    await redis.hset(SECONDS, mapping={"recognise": 0.5, "synthesise": 3.0})
    for _ in range(8):
        await redis.xadd(SYNTHESIS_STREAM, {"id": "x", "kind": "synthesise", "expires": "0", "payload": b""})

    with pytest.raises(SpeechUnavailable, match=r"within 0\.3 s"):  # admitted: nobody works it here
        await speech.recognise(speak("예"), phrases=PHRASES)
    with pytest.raises(SpeechBusy, match="8 jobs waiting"):
        await speech.clips("你好", rate=0, clip_seconds=55.0, max_clips=3)
    assert await redis.xlen(RECOGNITION_STREAM) == 1
    await redis.delete(RECOGNITION_STREAM)
    await speech.start()

    await redis.xreadgroup(GROUP, "stalled/1", {SYNTHESIS_STREAM: ">"}, count=1)  # a synthesis in hand
    backlog = await read_backlog(redis)
    assert backlog.synthesising == 1
    assert backlog.recognition_wait == pytest.approx(3.0)
    with pytest.raises(SpeechBusy, match=r"0 jobs waiting, about 3\.0 s"):
        await speech.recognise(speak("예"), phrases=PHRASES)
    await redis.zrem(WORKERS, "stalled/1")


async def _stalled_slot(redis: Redis) -> None:
    """A worker slot that looks live to the web workers (a heartbeat by the Redis server's clock)."""
    seconds, microseconds = await redis.time()
    await redis.zadd(WORKERS, {"stalled/1": seconds + microseconds / 1e6})


async def test_a_recognition_is_done_before_a_backlog_of_spoken_answers(
    redis: Redis, workers: Workers, fresh: None
) -> None:
    """One real worker, working one job at a time, with six long spoken answers queued before the voice
    message arrives: the voice message is admitted within the reply budget and heard after at most the
    answer already in the worker's hands, while most of the answers still wait."""
    (worker,) = await workers.exactly(1)
    speech = client(redis, budget=4.3)
    await speech.start()
    done_before = worker.jobs_done("synthesise")
    speaking = [asyncio.create_task(speech.clips(LONG_ANSWER, rate=0, clip_seconds=5.0, max_clips=3)) for _ in range(6)]
    await _until_taken_by(redis, SYNTHESIS_STREAM, worker.name)

    started = time.perf_counter()
    heard = await speech.recognise(speak("병원"), phrases=PHRASES)
    waited = time.perf_counter() - started
    spoken_meanwhile = worker.jobs_done("synthesise") - done_before
    clips = await asyncio.wait_for(asyncio.gather(*speaking), 120)

    assert heard.text == "병원"
    assert spoken_meanwhile <= 2, spoken_meanwhile  # the one in hand (and its log line may lag)
    assert all(clip for clip in clips)
    counted = await counts(redis)
    assert (counted["recognise"], counted["synthesise"]) == (1, 6)
    print(f"recognition behind six long syntheses: {waited:.2f} s")


async def test_jobs_left_on_the_old_single_stream_are_still_done(redis: Redis, workers: Workers, fresh: None) -> None:
    """A web worker not yet upgraded adds its jobs to ``bot:speech:jobs`` as before: they are done."""
    await workers.exactly(1)
    await redis.xgroup_create(LEGACY_STREAM, GROUP, id="0", mkstream=True)
    job_id = uuid.uuid4().hex
    sealed = seal_job(RecognitionJob(speak("전화"), PHRASES, 0.6), Cipher(SECRET_KEY))
    expires = f"{time.time() + 60:.3f}"  # the old web worker's own clock, as it stamped them
    await redis.xadd(LEGACY_STREAM, {"id": job_id, "kind": "recognise", "expires": expires, "payload": sealed})

    popped = await redis.blpop([result_key(job_id)], timeout=30)

    assert popped is not None
    raw = popped[1]
    heard = open_result("recognise", raw if isinstance(raw, bytes) else raw.encode(), Cipher(SECRET_KEY))
    assert isinstance(heard, Recognition)
    assert heard.text == "전화"
    assert await redis.xlen(LEGACY_STREAM) == 0
    assert (await read_backlog(redis)).legacy == 0


async def test_a_worker_carries_on_when_redis_is_emptied_under_it(redis: Redis, workers: Workers) -> None:
    """The streams and their groups are gone; the next job makes its stream again (without a group), and
    the worker gives it its group and takes the job."""
    (worker,) = await workers.exactly(1)
    await redis.flushdb()
    await _until_live(redis)
    speech = client(redis)  # not started: nothing prepares the streams again

    heard = await speech.recognise(speak("예"), phrases=PHRASES)

    assert heard.text == "예"
    assert worker.running


async def _until_live(redis: Redis) -> None:
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        if (await read_backlog(redis)).workers:
            return
        await asyncio.sleep(0.05)
    raise AssertionError("no worker heartbeat")


async def test_a_worker_whose_clock_is_an_hour_ahead_still_does_the_jobs(
    redis: Redis, workers: Workers, fresh: None
) -> None:
    """The web worker's clock and the speech worker's differ by an hour: the job's expiry is stamped and
    checked with the Redis server's clock, so the job is neither dropped nor late."""
    await workers.none()
    ahead = await SpeechWorkerProcess.start(workers.redis_url, "ahead", workers.folder, clock_skew=3600.0)
    try:
        await ahead.ready()
        speech = client(redis, wait_limit=30.0)
        await speech.start()

        heard = await speech.recognise(speak("취소"), phrases=PHRASES)
        clips = await speech.clips("你好", rate=0, clip_seconds=55.0, max_clips=3)

        assert heard.text == "취소"
        assert isinstance(clips[0], Clip)
        assert await counts(redis) == {"recognise": 1, "synthesise": 1}
    finally:
        await ahead.stop()


async def test_a_worker_whose_clock_is_an_hour_behind_drops_a_job_nobody_waits_for(
    redis: Redis, workers: Workers, fresh: None
) -> None:
    """The waiter gave up after 0.3 s, by the Redis server's clock; a worker starting later, its own clock
    an hour behind, drops the job unworked."""
    await workers.none()
    speech = client(redis, wait_limit=0.3)
    await speech.start()
    await _stalled_slot(redis)
    with pytest.raises(SpeechUnavailable, match=r"within 0\.3 s"):
        await speech.clips("你好", rate=0, clip_seconds=55.0, max_clips=3)
    await redis.zrem(WORKERS, "stalled/1")

    behind = await SpeechWorkerProcess.start(workers.redis_url, "behind", workers.folder, clock_skew=-3600.0)
    try:
        await behind.ready()
        await _until_empty(redis, SYNTHESIS_STREAM)

        assert await counts(redis) == {"expired": 1}
        assert behind.jobs_done() == 0
    finally:
        await behind.stop()


async def _until_empty(redis: Redis, stream: str) -> None:
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        if not await redis.xlen(stream):
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"{stream} still holds jobs")
