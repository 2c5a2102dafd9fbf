"""One message at a time per person, across every worker that shares the Redis.

Taking the lock can read keys in the same round trip, and letting go can write keys in the same
round trip: the per-message path reads the person's state when it takes their lock and saves it
when it lets go, so locking costs no extra trips to Redis. Writes are made only while the lock is
still ours; a holder that outlived the lock's timeout must not overwrite its successor's state.

The lock lives only a few seconds and its holder renews it while the turn runs (a heartbeat), so a
turn may take as long as it needs, yet a worker killed mid-turn blocks its resident only briefly:
the platform's retry of the dropped message then finds the lock free and is processed.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
import time
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

from redis.asyncio import Redis
from redis.exceptions import RedisError

from bot.observability import metrics
from bot.storage.keys import UserKey, loggable

log = logging.getLogger(__name__)

# How often a waiting message asks again; short, since a person is waiting for the reply.
_RETRY_INTERVAL = 0.05
# A queued waiter that has not asked again for this long has stopped waiting: it loses its place.
_WAITER_SILENCE = 1.0

# KEYS: the lock, its queue, when each waiter last asked, then the keys to read. ARGV: token, lock
# lifetime (ms), how long a waiter that stopped asking keeps its place (ms), how long the queue is kept (ms).
# Waiters queue in the order they first found the lock taken (by Redis's clock, shared by every worker),
# and only the first in line may take it: a resident's quick messages are handled in the order sent.
# A waiter asks again every few tens of milliseconds; one that stopped (it gave up, or its worker died)
# loses its place. A read key holding another type (someone else's data, an old layout) reads as
# nothing, and the release's SET replaces it: with redis.call the script would fail after taking the lock.
_ACQUIRE = """
local lock, queue, asked, token = KEYS[1], KEYS[2], KEYS[3], ARGV[1]
local function milliseconds()
  local clock = redis.call('TIME')
  return tonumber(clock[1]) * 1000 + math.floor(tonumber(clock[2]) / 1000)
end
local now = nil
local first = nil
if redis.call('EXISTS', queue) == 1 then
  now = milliseconds()
  for _ = 1, 64 do
    first = redis.call('ZRANGE', queue, 0, 0)[1]
    if not first or first == token then break end
    local last = tonumber(redis.call('HGET', asked, first))
    if last and last >= now - tonumber(ARGV[3]) then break end
    redis.call('ZREM', queue, first)
    redis.call('HDEL', asked, first)
    first = nil
  end
end
if (first and first ~= token) or redis.call('EXISTS', lock) == 1 then
  now = now or milliseconds()
  redis.call('ZADD', queue, 'NX', now, token)
  redis.call('HSET', asked, token, now)
  redis.call('PEXPIRE', queue, ARGV[4])
  redis.call('PEXPIRE', asked, ARGV[4])
  return false
end
redis.call('SET', lock, token, 'PX', ARGV[2])
if first then
  redis.call('ZREM', queue, token)
  redis.call('HDEL', asked, token)
end
local values = {}
for i = 4, #KEYS do
  local value = redis.pcall('GET', KEYS[i])
  if type(value) == 'table' then value = false end
  values[i - 3] = value
end
return {1, unpack(values)}
"""

# ARGV: token, lifetime (ms). Renews only a lock that is still ours: an expired one stays expired.
_RENEW = """
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
return redis.call('PEXPIRE', KEYS[1], ARGV[2])
"""

# ARGV: token, then (value, seconds to live) for each key after the lock.
_RELEASE = """
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
for i = 2, #KEYS do redis.call('SET', KEYS[i], ARGV[2 * i - 2], 'EX', ARGV[2 * i - 1]) end
redis.call('DEL', KEYS[1])
return 1
"""


class LockTimeout(Exception):
    """Another message of the same person held the lock for longer than the wait."""

    def __init__(self, key: UserKey, wait: float) -> None:
        super().__init__(f"{key.channel} user busy for more than {wait:g} s")
        self.key = key
        self.wait = wait


class LockLost(Exception):
    """The lock expired before its holder let go; what it meant to write was not written."""


@dataclass
class Held:
    """The lock as held: what was read when it was taken, and what to write when letting go."""

    values: list[bytes | None]
    writes: list[tuple[str, bytes, int]] = field(default_factory=list)

    def write(self, name: str, value: bytes, seconds: int) -> None:
        self.writes.append((name, value, max(1, seconds)))


LOCK_LIFETIME = 6.0  # seconds a lock outlives its last renewal: how long a killed worker blocks its resident
RENEWALS_PER_LIFETIME = 3  # a renewal or two may be slow or lost without the lock lapsing


class UserLocks:
    """Per-person locks that expire ``timeout`` seconds after their holder last renewed them, so a crashed
    worker blocks no one for long while a slow turn keeps its lock."""

    def __init__(self, redis: Redis, *, timeout: float = LOCK_LIFETIME, wait: float = 10, prefix: str = "bot") -> None:
        if timeout <= 0 or wait < 0:
            raise ValueError("timeout must be positive and wait not negative")
        self._redis = redis
        self._timeout = timeout
        self._wait = wait
        self._prefix = prefix
        self._acquire = redis.register_script(_ACQUIRE)
        self._renew = redis.register_script(_RENEW)
        self._release = redis.register_script(_RELEASE)

    async def _keep_renewing(self, name: str, token: str, stop: asyncio.Event, *, now: bool = False) -> None:
        """Renew the lock until ``stop`` is set or the lock is no longer ours (``now``: the first renewal at
        once, else after an interval).

        The stop event, not cancellation alone, ends the heartbeat: asyncio.wait_for (Python 3.11) swallows
        a cancel that lands just as the awaited call completes, and a heartbeat that missed its cancel would
        renew forever while its holder waits for it. asyncio.timeout does not swallow cancels."""
        interval = self._timeout / RENEWALS_PER_LIFETIME
        lifetime_ms = int(self._timeout * 1000)
        wait = not now
        while True:
            if wait:
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(interval):
                        await stop.wait()
            wait = True
            if stop.is_set():
                return
            try:
                async with asyncio.timeout(interval):
                    renewed = await self._renew(keys=[name], args=[token, lifetime_ms])
            except (RedisError, OSError, TimeoutError) as error:
                # The next renewal may get through; if none does, the release says so.
                log.warning("lock %s not renewed: %s", loggable(name), type(error).__name__)
                continue
            if not renewed:
                return

    @asynccontextmanager
    async def hold(self, key: UserKey, reads: Sequence[str] = ()) -> AsyncIterator[Held]:
        """Hold ``key``'s lock for the block, reading ``reads`` as it is taken; raise ``LockTimeout`` if
        it is not free within ``wait``. Writes queued on the ``Held`` are made as it is let go, and
        only if it is still ours (else ``LockLost`` when the block ends without an error)."""
        name = key.redis_key("lock", self._prefix)
        queue, asked = key.redis_key("lock-queue", self._prefix), key.redis_key("lock-asked", self._prefix)
        token = secrets.token_hex(16)
        deadline = time.monotonic() + self._wait
        asking: list[str | int] = [
            token,
            int(self._timeout * 1000),
            int(_WAITER_SILENCE * 1000),
            int((self._wait + _WAITER_SILENCE) * 1000),
        ]
        taken = None
        try:
            while not (taken := await self._acquire(keys=[name, queue, asked, *reads], args=asking)):
                if time.monotonic() >= deadline:
                    metrics.count_lock_timeout()
                    raise LockTimeout(key, self._wait)
                await asyncio.sleep(_RETRY_INTERVAL)
        finally:
            if not taken:  # gave up, or was cancelled: the next in line need not wait for our silence
                async with self._redis.pipeline(transaction=True) as pipe:
                    pipe.zrem(queue, token)
                    pipe.hdel(asked, token)
                    await pipe.execute()
        metrics.observe_lock_wait(time.monotonic() - deadline + self._wait)
        held = Held(values=list(taken[1:]))
        failed = False
        stop_renewing = asyncio.Event()
        # The heartbeat starts only when its first renewal is due: most turns end well before, and then no
        # task is made at all (this is on every message's path).
        heartbeat: list[asyncio.Task[None]] = []
        first_renewal = asyncio.get_running_loop().call_later(
            self._timeout / RENEWALS_PER_LIFETIME,
            lambda: heartbeat.append(asyncio.create_task(self._keep_renewing(name, token, stop_renewing, now=True))),
        )
        try:
            yield held
        except BaseException:
            failed = True
            raise
        finally:
            first_renewal.cancel()
            stop_renewing.set()
            for renewing in heartbeat:
                renewing.cancel()
                # asyncio.wait, not ``await renewing``: a cancel of this turn itself must not be swallowed.
                await asyncio.wait((renewing,))
                if not renewing.cancelled() and (error := renewing.exception()) is not None:
                    log.warning("lock %s heartbeat failed: %s", loggable(name), type(error).__name__)
            writes = [] if failed else held.writes
            args: list[bytes | str | int] = [token]
            for _name, value, seconds in writes:
                args.extend((value, seconds))
            released = await self._release(keys=[name, *(w[0] for w in writes)], args=args)
            if not released:
                # Not renewed for ``timeout`` (the event loop stalled, or Redis was out of reach): the key
                # expired and may be someone else's now; leave it be.
                log.warning("lock %s expired before its holder finished (timeout %g s)", loggable(name), self._timeout)
                if writes:
                    raise LockLost(f"lock for {key.channel} expired; {len(writes)} writes dropped")
