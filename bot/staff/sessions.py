"""Staff login sessions in Redis, and the failed-login throttle that guards creating them."""

from __future__ import annotations

import hashlib
import secrets
import time
from datetime import timedelta

from redis.asyncio import Redis

# token_urlsafe(32) gives 43 characters; anything far longer is not ours and is not worth hashing.
_MAX_TOKEN_LENGTH = 128


DEFAULT_MAX_AGE = timedelta(hours=12)


def _ms(span: timedelta) -> int:
    return max(1, int(span / timedelta(milliseconds=1)))


def _now_ms() -> int:
    return time.time_ns() // 1_000_000


def _digest(value: str) -> str:
    return hashlib.sha256(value.encode("utf-8")).hexdigest()


class StaffSessions:
    """Opaque session tokens. Redis holds only a token's SHA-256, so a leaked dump cannot log anyone in.

    A session ends after ``ttl`` unused, and in any case ``max_age`` after login: a stolen token cannot
    be kept alive for ever by using it.
    """

    def __init__(
        self, redis: Redis, ttl: timedelta, prefix: str = "bot", *, max_age: timedelta = DEFAULT_MAX_AGE
    ) -> None:
        if ttl < timedelta(milliseconds=1) or max_age < timedelta(milliseconds=1):
            raise ValueError("session ttl and max age must be at least a millisecond")
        self._redis = redis
        self._ttl = ttl
        self._max_age = max_age
        self._prefix = prefix

    @property
    def ttl(self) -> timedelta:
        return self._ttl

    @property
    def redis(self) -> Redis:
        return self._redis

    @property
    def prefix(self) -> str:
        return self._prefix

    def _key(self, token: str) -> str:
        return f"{self._prefix}:staff-session:{_digest(token)}"

    async def create(self, user_id: int) -> str:
        token = secrets.token_urlsafe(32)
        ends_ms = _now_ms() + _ms(self._max_age)
        await self._redis.set(self._key(token), f"{user_id}:{ends_ms}", px=min(self._ttl, self._max_age))
        return token

    async def resolve(self, token: str) -> int | None:
        """The user id behind ``token``, or None; each use pushes the idle expiry back by the full ttl,
        never past the session's absolute end."""
        if not token or len(token) > _MAX_TOKEN_LENGTH:
            return None
        key = self._key(token)
        raw = await self._redis.get(key)
        if raw is None:
            return None
        text = raw.decode("ascii", "replace") if isinstance(raw, bytes) else raw
        user_id, _, ends = text.partition(":")
        # A value without an end (written before sessions had one) counts as ended: log in again.
        left_ms = int(ends) - _now_ms() if ends.isdigit() else 0
        if not user_id.isdigit() or left_ms <= 0:
            await self._redis.delete(key)
            return None
        # GET then PEXPIRE rather than GETEX: the embedded store (fakeredis) mis-times GETEX's expiry. A
        # token revoked in between stays revoked: PEXPIRE of a missing key does nothing.
        await self._redis.pexpire(key, min(_ms(self._ttl), left_ms))
        return int(user_id)

    async def revoke(self, token: str) -> None:
        if token and len(token) <= _MAX_TOKEN_LENGTH:
            await self._redis.delete(self._key(token))


class LoginThrottle:
    """Counts failed logins within a fixed window, three ways.

    Per username *and* address, failures lock that pair out: a guesser is stopped without locking the
    name's owner out from their own desk (a lock per name alone let any address lock anyone out). Per
    address, failures over many names lock that address (the limit is higher because a whole office may
    share one). Per username alone, a still higher count does not lock but slows every further try on
    that name, wherever it comes from, by ``slow_step`` more each time (up to ``max_delay``): guessing
    one password from many addresses becomes slow while its owner still gets in.
    """

    def __init__(
        self,
        redis: Redis,
        *,
        per_pair: int = 10,
        per_address: int = 30,
        per_username: int = 50,
        slow_step: timedelta = timedelta(seconds=1),
        max_delay: timedelta = timedelta(seconds=10),
        window: timedelta = timedelta(minutes=10),
        prefix: str = "bot",
    ) -> None:
        self._redis = redis
        self._limits = (per_pair, per_address)
        self._per_username = per_username
        self._slow_step = slow_step
        self._max_delay = max_delay
        self._window = window
        self._prefix = prefix

    @property
    def window(self) -> timedelta:
        return self._window

    def _keys(self, username: str, remote: str) -> tuple[str, str, str]:
        """The pair's, the address's and the username's counter."""
        # Hashed so that whatever a client sends as a username cannot shape the key.
        base = f"{self._prefix}:staff-login-failures"
        return (
            f"{base}:pair:{_digest(f'{len(username)}:{username}:{remote}')}",
            f"{base}:remote:{_digest(remote)}",
            f"{base}:user:{_digest(username)}",
        )

    async def blocked_for(self, username: str, remote: str) -> timedelta | None:
        """How long until this username and address may try again, or None when they may now."""
        async with self._redis.pipeline(transaction=False) as pipe:
            for key in self._keys(username, remote)[:2]:
                pipe.get(key)
                pipe.pttl(key)
            replies = await pipe.execute()
        wait = timedelta(0)
        for count, pttl, limit in zip(replies[::2], replies[1::2], self._limits, strict=True):
            if count is not None and int(count) >= limit:
                wait = max(wait, timedelta(milliseconds=max(int(pttl), 1)))
        return wait or None

    async def delay_for(self, username: str) -> timedelta:
        """How long to hold a try on ``username`` before checking it: zero until the name's own limit."""
        count = await self._redis.get(self._keys(username, "")[2])
        excess = 0 if count is None else int(count) - self._per_username + 1
        if excess <= 0:
            return timedelta(0)
        return min(self._slow_step * excess, self._max_delay)

    async def record_failure(self, username: str, remote: str) -> None:
        async with self._redis.pipeline(transaction=True) as pipe:
            for key in self._keys(username, remote):
                # SET NX starts the window at the first failure; INCR keeps that expiry rather than
                # extending it on every try.
                pipe.set(key, 0, px=self._window, nx=True)
                pipe.incr(key)
            await pipe.execute()

    async def clear(self, username: str, remote: str) -> None:
        """After a good login: the name's counts start again; the address's count over other names stays."""
        pair, _, user = self._keys(username, remote)
        await self._redis.delete(pair, user)
