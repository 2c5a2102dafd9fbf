"""A speech worker: takes recognition and synthesis jobs from the Redis stream (consumer group), stores
each result with an expiry and acknowledges the job in the same step, and takes over jobs left pending by a
worker that died (XAUTOCLAIM once they have been idle for ``claim_after`` seconds).

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
from redis.exceptions import RedisError, ResponseError

from speech.speaking import spoken_clips
from speech.stream import ensure_group
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
    STREAM,
    WORKERS,
    done_key,
    result_key,
)
from speech.stt import recognise, recognise_with_fallback
from speech.tts import Synthesizer

log = logging.getLogger(__name__)

_READ_BLOCK_MS = 1000
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
        clock: Callable[[], float] = time.time,
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
        self._clock = clock
        self._finish = redis.register_script(_FINISH)
        self._heartbeat_script = redis.register_script(_HEARTBEAT)
        self._mean_seconds: dict[str, float] = {}
        self.finished = 0  # results this worker stored

    async def run(self, stop: asyncio.Event, on_ready: Callable[[], None] | None = None) -> None:
        """Work until ``stop`` is set; the job in hand is finished first. ``on_ready`` is called once the
        worker counts as live for the web workers."""
        await ensure_group(self._redis)
        await self._beat()
        if on_ready is not None:
            on_ready()
        heartbeat = asyncio.create_task(self._heartbeat(stop))
        try:
            await asyncio.gather(*(self._work(slot, stop) for slot in self._slots))
        finally:
            heartbeat.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await heartbeat
            with contextlib.suppress(Exception):
                await self._redis.zrem(WORKERS, *self._slots)

    async def _heartbeat(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), HEARTBEAT_SECONDS)
            try:
                await self._beat()
            except Exception as error:  # Redis away for a moment: the slots look dead meanwhile
                log.warning("speech worker heartbeat failed: %s", type(error).__name__)

    async def _beat(self) -> None:
        await self._heartbeat_script(keys=[WORKERS], args=[FORGET_SECONDS, *self._slots])

    async def _work(self, slot: str, stop: asyncio.Event) -> None:
        while not stop.is_set():
            try:
                entry = await self._claim(slot) or await self._read(slot)
                if entry is not None:
                    await self._process(slot, entry)
            except (RedisError, OSError) as error:  # Redis went away: wait and try again, the job stays pending
                if isinstance(error, ResponseError) and "NOGROUP" in str(error):
                    # The stream was removed (Redis emptied): make it again and carry on.
                    log.warning("speech worker %s: the stream's group is gone; creating it again", slot)
                    with contextlib.suppress(RedisError, OSError):
                        await ensure_group(self._redis)
                    continue
                log.warning("speech worker %s: %s; retrying", slot, type(error).__name__)
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), 1.0)

    async def _claim(self, slot: str) -> Entry | None:
        """A job another worker took and left idle past ``claim_after`` (it died), if there is one."""
        answer = await self._redis.xautoclaim(STREAM, GROUP, slot, int(self._claim_after * 1000), "0-0", count=1)
        claimed = answer[1] if len(answer) > 1 else []
        for entry_id, fields in claimed:
            if fields:  # an entry deleted meanwhile comes back empty
                log.info("speech worker %s took over job entry %s", slot, _text(entry_id))
                return Entry(_text(entry_id), fields)
        return None

    async def _read(self, slot: str) -> Entry | None:
        answer: Any = await self._redis.xreadgroup(GROUP, slot, {STREAM: ">"}, count=1, block=_READ_BLOCK_MS)
        for _stream, entries in answer or []:
            for entry_id, fields in entries:
                return Entry(_text(entry_id), fields)
        return None

    async def _process(self, slot: str, entry: Entry) -> None:
        job_id = _text(entry.field("id"))
        kind = _text(entry.field("kind"))
        try:
            expires = float(entry.field("expires") or 0)
        except ValueError:
            expires = 0.0
        if not job_id or expires < self._clock() or await self._redis.exists(done_key(job_id)):
            # Nobody waits for it any more, or another worker finished it: let it go without work.
            await self._redis.xack(STREAM, GROUP, entry.entry_id)
            await self._redis.xdel(STREAM, entry.entry_id)
            await self._redis.hincrby(COUNTS, "expired", 1)
            return
        started = time.perf_counter()
        lease = asyncio.create_task(self._keep(slot, entry.entry_id))
        try:
            result, audio_seconds = await self._result(kind, entry.field("payload"))
        finally:
            lease.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await lease
        elapsed = time.perf_counter() - started
        field = kind if not isinstance(result, JobError) else f"failed-{result.reason}"
        stored = await self._finish(
            keys=[done_key(job_id), result_key(job_id), STREAM, COUNTS],
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

    async def _keep(self, slot: str, entry_id: str) -> None:
        """Claim the job in hand again now and then, so that no other worker takes it over."""
        while True:
            await asyncio.sleep(self._claim_after / 3)
            with contextlib.suppress(Exception):
                await self._redis.xclaim(STREAM, GROUP, slot, 0, [entry_id], justid=True)

    async def _record_time(self, kind: str, elapsed: float, audio_seconds: float) -> None:
        updates = {"any": self._smoothed("any", elapsed)}
        if audio_seconds > 0:
            updates["recognise-rtf"] = self._smoothed("recognise-rtf", elapsed / audio_seconds)
        if kind == "synthesise":
            updates["synthesise"] = self._smoothed("synthesise", elapsed)
        with contextlib.suppress(Exception):
            await self._redis.hset(SECONDS, mapping=updates)  # type: ignore[arg-type]

    def _smoothed(self, name: str, value: float) -> float:
        previous = self._mean_seconds.get(name)
        mean = value if previous is None else previous + _SMOOTHING * (value - previous)
        self._mean_seconds[name] = mean
        return mean


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value
