"""Staff login sessions in Redis, and the failed-login throttle that guards creating them."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from redis.asyncio import Redis

# token_urlsafe(32) gives 43 characters; anything far longer is not ours and is not worth hashing.
_MAX_TOKEN_LENGTH = 128


def _digest(value: str) -> str:
    return hashlib.sha256(value.encode("utf-8")).hexdigest()


class StaffSessions:
    """Opaque session tokens. Redis holds only a token's SHA-256, so a leaked dump cannot log anyone in."""

    def __init__(self, redis: Redis, ttl: timedelta, prefix: str = "bot") -> None:
        if ttl < timedelta(milliseconds=1):
            raise ValueError("session ttl must be at least a millisecond")
        self._redis = redis
        self._ttl = ttl
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
        await self._redis.set(self._key(token), str(user_id), px=self._ttl)
        return token

    async def resolve(self, token: str) -> int | None:
        """The user id behind ``token``, or None; each use pushes the expiry back by the full ttl."""
        if not token or len(token) > _MAX_TOKEN_LENGTH:
            return None
        key = self._key(token)
        # GET + PEXPIRE rather than GETEX: the embedded store (fakeredis) mis-times GETEX's expiry.
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.get(key)
            pipe.pexpire(key, self._ttl)
            raw, _ = await pipe.execute()
        if raw is None:
            return None
        text = raw.decode("ascii", "replace") if isinstance(raw, bytes) else raw
        return int(text) if text.isdigit() else None

    async def revoke(self, token: str) -> None:
        if token and len(token) <= _MAX_TOKEN_LENGTH:
            await self._redis.delete(self._key(token))


class LoginThrottle:
    """Counts failed logins per username and per remote address within a fixed window.

    Both counts matter: per username stops guessing one account's password from many addresses, per
    address stops one client trying many usernames. The address limit is higher because a whole office
    may share one address, and a good login clears only its username's count.
    """

    def __init__(
        self,
        redis: Redis,
        *,
        per_username: int = 10,
        per_address: int = 30,
        window: timedelta = timedelta(minutes=10),
        prefix: str = "bot",
    ) -> None:
        self._redis = redis
        self._limits = (per_username, per_address)
        self._window = window
        self._prefix = prefix

    @property
    def window(self) -> timedelta:
        return self._window

    def _keys(self, username: str, remote: str) -> tuple[str, str]:
        # Hashed so that whatever a client sends as a username cannot shape the key.
        base = f"{self._prefix}:staff-login-failures"
        return f"{base}:user:{_digest(username)}", f"{base}:remote:{_digest(remote)}"

    async def blocked_for(self, username: str, remote: str) -> timedelta | None:
        """How long until this username and address may try again, or None when they may now."""
        async with self._redis.pipeline(transaction=False) as pipe:
            for key in self._keys(username, remote):
                pipe.get(key)
                pipe.pttl(key)
            replies = await pipe.execute()
        wait = timedelta(0)
        for count, pttl, limit in zip(replies[::2], replies[1::2], self._limits, strict=True):
            if count is not None and int(count) >= limit:
                wait = max(wait, timedelta(milliseconds=max(int(pttl), 1)))
        return wait or None

    async def record_failure(self, username: str, remote: str) -> None:
        async with self._redis.pipeline(transaction=True) as pipe:
            for key in self._keys(username, remote):
                # SET NX starts the window at the first failure; INCR keeps that expiry rather than
                # extending it on every try.
                pipe.set(key, 0, px=self._window, nx=True)
                pipe.incr(key)
            await pipe.execute()

    async def clear(self, username: str) -> None:
        user_key, _ = self._keys(username, "")
        await self._redis.delete(user_key)
