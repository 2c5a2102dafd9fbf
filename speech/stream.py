"""The web worker's side of the speech stream: enqueue recognition and synthesis jobs for
``python -m bot speech-worker`` processes (any number, any host) and await their results.

Before a job is added, the backlog is compared with the time the answer has (``Backpressure``): with no
live speech worker, or a backlog the workers would not clear in time, ``SpeechBusy`` is raised at once and
the resident is answered in text (WeChat's own recognition, or "say it again"), as when the in-process pool
is full. A job waits at most ``wait_limit`` seconds; a job whose waiter has given up is dropped by the
worker that reads it. Audio, transcripts and spoken words cross Redis only sealed with the service's key.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from redis.asyncio import Redis
from redis.exceptions import RedisError, ResponseError

from speech.pool import SpeechBusy, SpeechUnavailable
from speech.speaking import Clip
from speech.stream_jobs import (
    Job,
    JobError,
    JobUnreadable,
    RecognitionJob,
    Result,
    Sealer,
    SynthesisJob,
    open_result,
    seal_job,
)
from speech.stream_keys import ALIVE_SECONDS, GROUP, MAXLEN, SECONDS, STREAM, WORKERS, result_key
from speech.stt import Recognition

log = logging.getLogger(__name__)

_BLOCK_SECONDS = 4.0  # each BLPOP; under the client's 5 s socket timeout
_SYNTHESIS_BUDGET = 30.0  # the text has gone already; speech later than this is not worth the wait

# Heartbeats are stamped and read with the Redis server's clock, so hosts whose clocks differ agree.
_LIVE = """
local t = redis.call('TIME')
local live = redis.call('ZCOUNT', KEYS[2], t[1] + t[2] / 1000000 - tonumber(ARGV[1]), '+inf')
"""
# KEYS: stream, worker slots, job times. ARGV: seconds a heartbeat counts, budget (s), maxlen, then the
# job's id, kind, expiry and sealed payload. Returns {added, jobs waiting, live slots}; Backlog.wait in Lua.
_ADMIT = (
    _LIVE
    + """
local waiting = redis.call('XLEN', KEYS[1])
if live == 0 then return {0, waiting, 0} end
local mean = tonumber(redis.call('HGET', KEYS[3], 'any') or '0') or 0
local ahead = math.max(0, waiting - live + 1)
if ahead * mean / live > tonumber(ARGV[2]) then return {0, waiting, live} end
redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[3], '*',
  'id', ARGV[4], 'kind', ARGV[5], 'expires', ARGV[6], 'payload', ARGV[7])
return {1, waiting, live}
"""
)
# KEYS: stream, worker slots, job times. ARGV: seconds a heartbeat counts. Numbers as text (Lua would
# round them to integers).
_BACKLOG = (
    _LIVE
    + """
local times = redis.call('HMGET', KEYS[3], 'any', 'recognise-rtf')
return {redis.call('XLEN', KEYS[1]), live, times[1] or '0', times[2] or '0'}
"""
)


@dataclass(frozen=True)
class Backlog:
    """Jobs added but not finished (read or not), live worker slots, and recent mean seconds per job."""

    waiting: int
    workers: int
    seconds_per_job: float
    recognition_rtf: float

    def wait(self) -> float:
        """Estimated seconds before a job added now is started; infinite with no live worker. Its own
        length is not counted: a long voice message is late because of itself, as with the pool."""
        if self.workers <= 0:
            return float("inf")
        ahead = max(0, self.waiting - self.workers + 1)
        return ahead * self.seconds_per_job / self.workers


async def read_backlog(redis: Redis) -> Backlog:
    """One round trip: the unfinished jobs (workers delete each job as they finish it, so the stream's
    length), the live worker slots, the timings."""
    waiting, workers, any_seconds, rtf = await redis.eval(_BACKLOG, 3, STREAM, WORKERS, SECONDS, ALIVE_SECONDS)
    return Backlog(int(waiting), int(workers), float(any_seconds), float(rtf))


async def ensure_group(redis: Redis) -> None:
    """The stream and its group, created from the start: jobs added before any worker ran are not lost."""
    try:
        await redis.xgroup_create(STREAM, GROUP, id="0", mkstream=True)
    except ResponseError as error:
        if "BUSYGROUP" not in str(error):
            raise


class StreamSpeech:
    """Recognition and spoken clips through speech workers; a ``Recogniser`` and a ``ClipMaker``."""

    def __init__(
        self,
        redis: Redis,
        sealer: Sealer,
        *,
        recognition_budget: float,
        wait_limit: float = 30.0,
        maxlen: int = MAXLEN,
        synthesis_budget: float = _SYNTHESIS_BUDGET,
    ) -> None:
        """``recognition_budget``: seconds a recognition may take before the answer would miss the reply
        deadline; ``wait_limit``: how long any job is awaited at most (then it expires)."""
        self._redis = redis
        self._sealer = sealer
        self._recognition_budget = recognition_budget
        self._synthesis_budget = synthesis_budget
        self._wait_limit = wait_limit
        self._maxlen = maxlen
        self._admit = redis.register_script(_ADMIT)

    async def start(self) -> None:
        """Create the group if it is missing; Redis being away now is no reason not to start (the first
        speech worker creates it too, and until then every job is answered in text)."""
        try:
            await ensure_group(self._redis)
        except (RedisError, OSError) as error:
            log.warning("speech stream not prepared: Redis unavailable (%s)", type(error).__name__)

    async def close(self) -> None:
        """Nothing to stop: the workers are other processes."""

    async def backlog(self) -> Backlog:
        return await read_backlog(self._redis)

    async def recognise(
        self, pcm: bytes, *, phrases: Sequence[str] | None = None, min_confidence: float = 0.6
    ) -> Recognition:
        job = RecognitionJob(pcm, tuple(phrases) if phrases else None, min_confidence)
        result = await self._run(job)
        if not isinstance(result, Recognition):
            raise SpeechUnavailable("the speech worker answered with something else")
        return result

    async def clips(self, text: str, *, rate: int, clip_seconds: float, max_clips: int) -> list[Clip]:
        result = await self._run(SynthesisJob(text, rate, clip_seconds, max_clips))
        if not isinstance(result, list):
            raise SpeechUnavailable("the speech worker answered with something else")
        return result

    async def _run(self, job: Job) -> Result:
        try:
            job_id = await self._add(job)
            raw = await self._await(job_id)
        except (RedisError, OSError) as error:
            raise SpeechUnavailable(f"the speech stream is unreachable ({type(error).__name__})") from None
        if raw is None:
            raise SpeechUnavailable(f"no speech worker finished the job within {self._wait_limit:g} s")
        try:
            result = open_result(job.kind, raw, self._sealer)
        except JobUnreadable as error:
            raise SpeechUnavailable(f"the speech worker's result is unreadable ({error})") from None
        if isinstance(result, JobError):
            raise SpeechUnavailable(f"the speech worker could not do the job ({result.reason})")
        return result

    async def _add(self, job: Job) -> str:
        """Add ``job`` unless the backlog says it would wait past its budget (``SpeechBusy``). Checked and
        added in one script, so that a burst of messages arriving together see each other's jobs."""
        budget = self._recognition_budget if isinstance(job, RecognitionJob) else self._synthesis_budget
        job_id = uuid.uuid4().hex
        now = time.time()
        added, waiting, workers = await self._admit(
            keys=[STREAM, WORKERS, SECONDS],
            args=[
                ALIVE_SECONDS,
                budget,
                self._maxlen,
                job_id,
                job.kind,
                f"{now + self._wait_limit:.3f}",
                seal_job(job, self._sealer),
            ],
        )
        if not added:
            what = "no speech worker is running" if not workers else f"{waiting} jobs waiting"
            raise SpeechBusy(f"{what}: more than {budget:.1f} s to wait")
        return job_id

    async def _await(self, job_id: str) -> bytes | None:
        key = result_key(job_id)
        deadline = time.monotonic() + self._wait_limit
        while (left := deadline - time.monotonic()) > 0:
            popped = await self._redis.blpop([key], timeout=min(_BLOCK_SECONDS, max(left, 0.01)))
            if popped is not None:
                _key, value = popped
                return value.encode() if isinstance(value, str) else bytes(value)
        return None


def recognition_budget(reply_deadline: float) -> float:
    """The seconds recognition may take: the reply deadline less room for the download and the dialog."""
    return max(0.2, reply_deadline - 0.7)
