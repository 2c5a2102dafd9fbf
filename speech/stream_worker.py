"""A speech worker: takes recognition and synthesis jobs from their Redis streams (a consumer group on
each), stores each result with an expiry and acknowledges the job in the same step, and takes over jobs
left pending by a worker that died (XAUTOCLAIM once they have been idle for ``claim_after`` seconds).

Each slot takes its next job in one script, in this order: a recognition left by a dead worker, a new
recognition, then the same for syntheses, then for the old single stream (jobs of web workers not yet
upgraded). A resident waiting for the reply to a voice message is never behind spoken answers, whose text
has gone already. Jobs whose waiter gave up (their expiry, stamped with the Redis server's clock, has
passed by the same clock) are dropped by that script unworked, so no host's own clock is ever compared.

A job being worked on is claimed again every third of ``claim_after``, so a long one is never taken over
while its worker lives. The first worker to finish a job stores its result; a second finish (a worker
that was only stalled) stores nothing. The job's entry, which holds the sealed audio or words, is deleted
as it is acknowledged. Nothing personal is logged: job ids, kinds and error types only.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from redis.asyncio import Redis
from redis.exceptions import RedisError

from speech.periodic import ended, every
from speech.speaking import spoken_clips
from speech.stream import ensure_groups
from speech.stream_jobs import (
    Job,
    JobError,
    JobUnreadable,
    RecognitionJob,
    Result,
    Sealer,
    SynthesisJob,
    open_job,
    seal_result,
)
from speech.stream_keys import (
    COUNTS,
    FORGET_SECONDS,
    GROUP,
    HEARTBEAT_SECONDS,
    SECONDS,
    STREAMS,
    WORKERS,
    done_key,
    result_key,
)
from speech.stt import recognise, recognise_with_fallback
from speech.tts import Synthesizer

log = logging.getLogger(__name__)

_READ_BLOCK_MS = 1000
_EXPIRED_PER_TURN = 16  # expired jobs one turn drops at most before it answers (the script stays short)
_SMOOTHING = 0.3  # weight of the newest job in the running mean of job times

# KEYS: done marker, result list, stream, counts. ARGV: group, entry id, ttl, sealed result, count field.
_FINISH = """
local stored = 0
if redis.call('SET', KEYS[1], '1', 'NX', 'EX', ARGV[3]) then
  redis.call('RPUSH', KEYS[2], ARGV[4])
  redis.call('EXPIRE', KEYS[2], ARGV[3])
  redis.call('HINCRBY', KEYS[4], ARGV[5], 1)
  stored = 1
else
  redis.call('HINCRBY', KEYS[4], 'finished-twice', 1)
end
redis.call('XACK', KEYS[3], ARGV[1], ARGV[2])
redis.call('XDEL', KEYS[3], ARGV[2])
return stored
"""

# KEYS: the streams in the order they are served, then the counts. ARGV: group, consumer, idle ms after
# which another worker's job is taken over, how many expired jobs to drop before giving up for this turn.
# A stream without its group is given one (Redis was emptied), except the old stream, which is only read
# while it exists. Returns {stream, entry id, fields, taken over} or {'', expired jobs dropped, seconds,
# microseconds} (the Redis server's clock).
_TAKE = """
local t = redis.call('TIME')
local now = t[1] + t[2] / 1000000
local group, consumer = ARGV[1], ARGV[2]
local skipped = 0
local function expired(stream, id, fields)
  local expires = 0
  for i = 1, #fields, 2 do
    if fields[i] == 'expires' then expires = tonumber(fields[i + 1]) or 0 end
  end
  if expires >= now then return false end
  redis.call('XACK', stream, group, id)
  redis.call('XDEL', stream, id)
  redis.call('HINCRBY', KEYS[#KEYS], 'expired', 1)
  skipped = skipped + 1
  return true
end
local function next_entry(stream)
  local claimed = redis.pcall('XAUTOCLAIM', stream, group, consumer, ARGV[3], '0-0', 'COUNT', 1)
  if type(claimed) == 'table' and claimed.err == nil then
    for _, entry in ipairs(claimed[2]) do
      if entry[2] then return entry, true end  -- an entry deleted meanwhile comes back empty
    end
  end
  local read = redis.pcall('XREADGROUP', 'GROUP', group, consumer, 'COUNT', 1, 'STREAMS', stream, '>')
  if type(read) == 'table' and read.err ~= nil then
    if stream == KEYS[#KEYS - 1] then return nil end
    redis.call('XGROUP', 'CREATE', stream, group, '0', 'MKSTREAM')
    read = redis.call('XREADGROUP', 'GROUP', group, consumer, 'COUNT', 1, 'STREAMS', stream, '>')
  end
  if read then return read[1][2][1], false end
  return nil
end
for i = 1, #KEYS - 1 do
  local stream = KEYS[i]
  if i < #KEYS - 1 or redis.call('EXISTS', stream) == 1 then
    while skipped < tonumber(ARGV[4]) do
      local entry, taken_over = next_entry(stream)
      if not entry then break end
      if not expired(stream, entry[1], entry[2]) then
        return {stream, entry[1], entry[2], taken_over and 1 or 0}
      end
    end
  end
end
return {'', skipped, t[1], t[2]}
"""

# KEYS: worker slots. ARGV: seconds after which a silent slot is forgotten, then this worker's slots.
# Stamped with the Redis server's clock, which the web workers read too.
_HEARTBEAT = """
local t = redis.call('TIME')
local now = t[1] + t[2] / 1000000
for i = 2, #ARGV do redis.call('ZADD', KEYS[1], now, ARGV[i]) end
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - tonumber(ARGV[1]))
return 1
"""


@dataclass(frozen=True)
class Entry:
    stream: str
    entry_id: str
    fields: dict[bytes, bytes]

    def field(self, name: str) -> bytes:
        return self.fields.get(name.encode(), b"")


class StreamWorker:
    def __init__(
        self,
        redis: Redis,
        sealer: Sealer,
        *,
        name: str,
        model: Any | None,
        synthesizer: Synthesizer | None,
        concurrency: int = 1,
        claim_after: float = 10.0,
        result_ttl: float = 120.0,
    ) -> None:
        """``model``: a loaded Vosk model (None: recognition jobs fail); ``concurrency``: jobs at once, in
        threads sharing the one model."""
        self._redis = redis
        self._sealer = sealer
        self.name = name
        self._model = model
        self._synthesizer = synthesizer
        self._slots = [f"{name}/{n}" for n in range(1, max(1, concurrency) + 1)]
        self._claim_after = claim_after
        self._result_ttl = max(1, int(result_ttl))
        self._finish = redis.register_script(_FINISH)
        self._heartbeat_script = redis.register_script(_HEARTBEAT)
        self._take = redis.register_script(_TAKE)
        self._mean_seconds: dict[str, float] = {}
        self.finished = 0  # results this worker stored

    async def run(self, stop: asyncio.Event, on_ready: Callable[[], None] | None = None) -> None:
        """Work until ``stop`` is set; the job in hand is finished first. ``on_ready`` is called once the
        worker counts as live for the web workers."""
        await ensure_groups(self._redis)
        await self._beat()
        if on_ready is not None:
            on_ready()
        leaving = asyncio.Event()
        heartbeat = asyncio.create_task(every(HEARTBEAT_SECONDS, (stop, leaving), self._heartbeat))
        try:
            await asyncio.gather(*(self._work(slot, stop) for slot in self._slots))
        finally:
            leaving.set()
            await ended(heartbeat)
            with contextlib.suppress(Exception):
                await self._redis.zrem(WORKERS, *self._slots)

    async def _heartbeat(self) -> None:
        try:
            await self._beat()
        except Exception as error:  # Redis away for a moment: the slots look dead meanwhile
            log.warning("speech worker heartbeat failed: %s", type(error).__name__)

    async def _beat(self) -> None:
        await self._heartbeat_script(keys=[WORKERS], args=[FORGET_SECONDS, *self._slots])

    async def _work(self, slot: str, stop: asyncio.Event) -> None:
        while not stop.is_set():
            try:
                entry, since = await self._next(slot)
                if entry is not None:
                    await self._process(slot, entry)
                elif since is not None:
                    await self._until_added(since)
            except (RedisError, OSError) as error:  # Redis went away: wait and try again, the job stays pending
                log.warning("speech worker %s: %s; retrying", slot, type(error).__name__)
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(1.0):
                        await stop.wait()

    async def _next(self, slot: str) -> tuple[Entry | None, str | None]:
        """The next job for ``slot``, recognitions first; or, with none, the stream id from which a job
        added now would be newer (None: expired jobs were dropped and there may be more, look again)."""
        answer = await self._take(
            keys=[*STREAMS, COUNTS], args=[GROUP, slot, int(self._claim_after * 1000), _EXPIRED_PER_TURN]
        )
        stream = _text(answer[0])
        if not stream:
            return None, (None if int(answer[1]) >= _EXPIRED_PER_TURN else _newest_id(int(answer[2]), int(answer[3])))
        entry_id, flat = _text(answer[1]), answer[2]
        fields = {_bytes(flat[i]): _bytes(flat[i + 1]) for i in range(0, len(flat) - 1, 2)}
        if int(answer[3]):
            log.info("speech worker %s took over job entry %s", slot, entry_id)
        return Entry(stream, entry_id, fields), None

    async def _until_added(self, since: str) -> None:
        """Wait (at most a second) until a job is added to any stream; the job is taken by the next turn,
        in priority order, by whichever slot comes first."""
        await self._redis.xread({stream: since for stream in STREAMS}, count=1, block=_READ_BLOCK_MS)

    async def _process(self, slot: str, entry: Entry) -> None:
        job_id = _text(entry.field("id"))
        kind = _text(entry.field("kind"))
        if not job_id or await self._redis.exists(done_key(job_id)):
            # Another worker finished it (this one was only stalled): let it go without work.
            await self._redis.xack(entry.stream, GROUP, entry.entry_id)
            await self._redis.xdel(entry.stream, entry.entry_id)
            await self._redis.hincrby(COUNTS, "expired", 1)
            return
        started = time.perf_counter()
        finished = asyncio.Event()
        lease = asyncio.create_task(every(self._claim_after / 3, (finished,), lambda: self._keep(slot, entry)))
        try:
            result, audio_seconds = await self._result(kind, entry.field("payload"))
        finally:
            finished.set()
            await ended(lease)
        elapsed = time.perf_counter() - started
        field = kind if not isinstance(result, JobError) else f"failed-{result.reason}"
        stored = await self._finish(
            keys=[done_key(job_id), result_key(job_id), entry.stream, COUNTS],
            args=[GROUP, entry.entry_id, self._result_ttl, seal_result(result, self._sealer), field],
        )
        if stored:
            self.finished += 1
            await self._record_time(kind, elapsed, audio_seconds)
        log.info("speech job %s (%s) %s in %.2f s", job_id, kind, "done" if stored else "already done", elapsed)

    async def _result(self, kind: str, payload: bytes) -> tuple[Result, float]:
        """The result, and the seconds of audio recognised (0 for synthesis)."""
        try:
            job = open_job(kind, payload, self._sealer)
        except JobUnreadable as error:
            log.warning("speech job unreadable (%s): is BOT_SECRET_KEY the same as the web workers'?", error)
            return JobError("unreadable"), 0.0
        audio_seconds = job.audio_seconds if isinstance(job, RecognitionJob) else 0.0
        try:
            return await asyncio.to_thread(self._do, job), audio_seconds
        except Exception as error:  # the engine's own errors; never their text, which may quote the words
            log.warning("speech job failed: %s", type(error).__name__)
            return JobError("failed"), audio_seconds

    def _do(self, job: Job) -> Result:
        if isinstance(job, RecognitionJob):
            if self._model is None:
                raise RuntimeError("no speech model")
            if not job.phrases:
                return recognise(self._model, job.pcm)
            return recognise_with_fallback(self._model, job.pcm, phrases=job.phrases, min_confidence=job.min_confidence)
        assert isinstance(job, SynthesisJob)
        if self._synthesizer is None:
            raise RuntimeError("no synthesizer")
        return spoken_clips(
            self._synthesizer, job.text, rate=job.rate, clip_seconds=job.clip_seconds, max_clips=job.max_clips
        )

    async def _keep(self, slot: str, entry: Entry) -> None:
        """Claim the job in hand again (now and then), so that no other worker takes it over."""
        with contextlib.suppress(Exception):
            await self._redis.xclaim(entry.stream, GROUP, slot, 0, [entry.entry_id], justid=True)

    async def _record_time(self, kind: str, elapsed: float, audio_seconds: float) -> None:
        if kind not in ("recognise", "synthesise"):
            return
        updates = {kind: self._smoothed(kind, elapsed)}
        if audio_seconds > 0:
            updates["recognise-rtf"] = self._smoothed("recognise-rtf", elapsed / audio_seconds)
        with contextlib.suppress(Exception):
            await self._redis.hset(SECONDS, mapping=updates)  # type: ignore[arg-type]

    def _smoothed(self, name: str, value: float) -> float:
        previous = self._mean_seconds.get(name)
        mean = value if previous is None else previous + _SMOOTHING * (value - previous)
        self._mean_seconds[name] = mean
        return mean


def _newest_id(seconds: int, microseconds: int) -> str:
    """A stream id just below the Redis server's present millisecond: any job added from now on is newer
    (its id is at least the present millisecond), whichever host adds it."""
    return f"{seconds * 1000 + microseconds // 1000 - 1}-{2**64 - 1}"


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value


def _bytes(value: bytes | str) -> bytes:
    return value.encode() if isinstance(value, str) else value
