"""The web worker's side of the speech streams: enqueue recognition and synthesis jobs (each kind on a
stream of its own) for ``python -m bot speech-worker`` processes (any number, any host) and await their
results.

Before a job is added, its wait is estimated and compared with the time the answer has: with no live
speech worker, or a wait the workers would not clear in time, ``SpeechBusy`` is raised at once and the
resident is answered in text (WeChat's own recognition, or "say it again"), as when the in-process pool is
full. Workers take recognitions first, so queued spoken answers do not count against a recognition; those
in a worker's hands do. A job waits at most ``wait_limit`` seconds (by the Redis server's clock); a job
whose waiter has given up is dropped by the worker that would take it. Audio, transcripts and spoken words
cross Redis only sealed with the service's key.
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
from speech.stream_keys import (
    ALIVE_SECONDS,
    GROUP,
    LEGACY_STREAM,
    MAXLEN,
    RECOGNITION_STREAM,
    SECONDS,
    SYNTHESIS_STREAM,
    WORKERS,
    result_key,
)
from speech.stt import Recognition

log = logging.getLogger(__name__)

_BLOCK_SECONDS = 4.0  # each BLPOP; under the client's 5 s socket timeout
_SYNTHESIS_BUDGET = 30.0  # the text has gone already; speech later than this is not worth the wait

# Everything time-based is read from the Redis server's clock (heartbeats, and a job's expiry, which the
# worker checks against the same clock), so hosts whose clocks differ agree. A stream's jobs in a worker's
# hands are its pending entries (none if its group is missing: Redis was emptied).
_COUNT = """
local t = redis.call('TIME')
local now = t[1] + t[2] / 1000000
local live = redis.call('ZCOUNT', KEYS[3], now - tonumber(ARGV[1]), '+inf')
local recognitions = redis.call('XLEN', KEYS[1])
local syntheses = redis.call('XLEN', KEYS[2])
local function in_hand(stream)
  local pending = redis.pcall('XPENDING', stream, ARGV[2])
  if type(pending) == 'table' and pending.err == nil then return tonumber(pending[1]) or 0 end
  return 0
end
local synthesising = in_hand(KEYS[2])
local times = redis.call('HMGET', KEYS[4], 'recognise', 'synthesise')
local per_recognition = tonumber(times[1] or '0') or 0
local per_synthesis = tonumber(times[2] or '0') or 0
"""
# Seconds before a job added now is started. Workers take recognitions first, so a recognition waits only
# for the recognitions added before it and for the syntheses already in a worker's hands; a synthesis
# waits for everything. With fewer such jobs than live slots, nothing: its own length is not counted (a
# long voice message is late because of itself, as with the pool).
_WAIT = """
local function wait(kind)
  if live == 0 then return math.huge end
  local jobs, work
  if kind == 'recognise' then
    jobs = recognitions + synthesising
    work = recognitions * per_recognition + synthesising * per_synthesis
  else
    jobs = recognitions + syntheses
    work = recognitions * per_recognition + syntheses * per_synthesis
  end
  local ahead = jobs - live + 1
  if ahead <= 0 then return 0 end
  return ahead * (work / jobs) / live
end
"""
# KEYS: recognition stream, synthesis stream, worker slots, job times. ARGV: seconds a heartbeat counts,
# group, budget (s), maxlen, seconds the job is awaited, then the job's id, kind and sealed payload.
# Returns {added, jobs of its kind waiting, live slots, estimated wait in seconds as text}.
_ADMIT = (
    _COUNT
    + _WAIT
    + """
local kind = ARGV[7]
local waiting = recognitions
local stream = KEYS[1]
if kind ~= 'recognise' then waiting, stream = syntheses, KEYS[2] end
local seconds = wait(kind)
if live == 0 or seconds > tonumber(ARGV[3]) then return {0, waiting, live, tostring(seconds)} end
redis.call('XADD', stream, 'MAXLEN', '~', ARGV[4], '*',
  'id', ARGV[6], 'kind', kind, 'expires', string.format('%.3f', now + tonumber(ARGV[5])), 'payload', ARGV[8])
return {1, waiting, live, tostring(seconds)}
"""
)
# KEYS: recognition stream, synthesis stream, worker slots, job times, old single stream. ARGV: seconds a
# heartbeat counts, group. Numbers as text (Lua would round them to integers).
_BACKLOG = (
    _COUNT
    + _WAIT
    + """
return {recognitions, in_hand(KEYS[1]), syntheses, synthesising, redis.call('XLEN', KEYS[5]), live,
  tostring(per_recognition), tostring(per_synthesis), tostring(wait('recognise')), tostring(wait('synthesise'))}
"""
)


@dataclass(frozen=True)
class Backlog:
    """Jobs added but not finished (read or not) per stream, live worker slots, recent mean seconds per
    job of each kind, and the estimated wait of a job of each kind added now (as admission sees it)."""

    recognitions: int
    recognising: int  # recognitions in a worker's hands (counted in ``recognitions``)
    syntheses: int
    synthesising: int  # syntheses in a worker's hands (counted in ``syntheses``)
    legacy: int  # jobs on the old single stream, left by web workers not yet upgraded
    workers: int
    seconds_per_recognition: float
    seconds_per_synthesis: float
    recognition_wait: float
    synthesis_wait: float

    @property
    def waiting(self) -> int:
        return self.recognitions + self.syntheses + self.legacy


async def read_backlog(redis: Redis) -> Backlog:
    """One round trip: the unfinished jobs (workers delete each job as they finish it, so the streams'
    lengths), the live worker slots, the timings."""
    keys = (RECOGNITION_STREAM, SYNTHESIS_STREAM, WORKERS, SECONDS, LEGACY_STREAM)
    answer = await redis.eval(_BACKLOG, len(keys), *keys, ALIVE_SECONDS, GROUP)
    recognitions, recognising, syntheses, synthesising, legacy, workers = (int(value) for value in answer[:6])
    per_recognition, per_synthesis, recognition_wait, synthesis_wait = (_number(value) for value in answer[6:])
    return Backlog(
        recognitions,
        recognising,
        syntheses,
        synthesising,
        legacy,
        workers,
        per_recognition,
        per_synthesis,
        recognition_wait,
        synthesis_wait,
    )


def _number(value: bytes | str) -> float:
    """A number the script sent as text (Lua's ``tostring(math.huge)`` is ``inf``, which ``float`` reads)."""
    return float(value.decode() if isinstance(value, bytes) else value)


async def ensure_groups(redis: Redis) -> None:
    """The streams and their groups, created from the start: jobs added before any worker ran are not lost."""
    for stream in (RECOGNITION_STREAM, SYNTHESIS_STREAM):
        try:
            await redis.xgroup_create(stream, GROUP, id="0", mkstream=True)
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
            await ensure_groups(self._redis)
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
        added, waiting, workers, seconds = await self._admit(
            keys=[RECOGNITION_STREAM, SYNTHESIS_STREAM, WORKERS, SECONDS],
            args=[
                ALIVE_SECONDS,
                GROUP,
                budget,
                self._maxlen,
                self._wait_limit,
                job_id,
                job.kind,
                seal_job(job, self._sealer),
            ],
        )
        if not added:
            if not workers:
                raise SpeechBusy(f"no speech worker is running: more than {budget:.1f} s to wait")
            wait = _number(seconds)
            raise SpeechBusy(f"{waiting} jobs waiting, about {wait:.1f} s: more than {budget:.1f} s to wait")
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
