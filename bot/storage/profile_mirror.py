"""A copy in Redis of every resident's lasting preferences, so a first message needs no SQL read.

A first message must be answered the way the person prefers (a blind resident by voice), and the
preference lives in SQL. The copy lets the per-message path read it in the same round trip that takes
the person's lock. Each person's entry is ``version|mode|rate``; ``0|`` says "no profile in SQL".
An entry is replaced only by one with a higher version, so a slow copier can never bring back an old
value over a newer save, whatever the order of their writes.

The copy is *complete* while the marker key exists: then a missing entry means "no profile", and a
resident who never wrote before costs no SQL read at all. The marker is set only by a full copy and
expires after a day, so a full copy runs again daily and mends any entry a failed write left behind;
a save whose copy could not be written drops the marker at once. Without the marker, a missing entry
is read from SQL and copied (read-through).
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import AsyncIterator, Iterable, Sequence
from contextlib import asynccontextmanager
from enum import Enum
from typing import Final

from redis.asyncio import Redis

from bot.profiles import Profile
from bot.storage.keys import UserKey

log = logging.getLogger(__name__)

COMPLETE_SECONDS = 24 * 3600
FILL_LOCK_SECONDS = 600

# KEYS[1] the entry; ARGV[1] the version, ARGV[2] the entry. Replaces only an entry with a lower version.
_PUT = """
local old = redis.call('GET', KEYS[1])
if old then
  local seen = tonumber(string.match(old, '^(%d+)|'))
  if seen and seen >= tonumber(ARGV[1]) then return 0 end
end
redis.call('SET', KEYS[1], ARGV[2])
return 1
"""

_LET_GO = "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0"


class Unknown(Enum):
    """The copy cannot say: the entry is missing and the copy is not complete. Ask SQL."""

    UNKNOWN = "unknown"


UNKNOWN: Final = Unknown.UNKNOWN


def encode(profile: Profile | None, version: int) -> bytes:
    if profile is None:
        return b"0|"
    return f"{version}|{profile.mode}|{profile.speech_rate}".encode()


def decode(raw: bytes | None) -> Profile | Unknown | None:
    """An entry as read: the profile, None for "none in SQL", or UNKNOWN for a missing or damaged entry."""
    if raw is None:
        return UNKNOWN
    parts = raw.decode("utf-8", "replace").split("|")
    if len(parts) == 2 and parts[1] == "":
        return None
    if len(parts) != 3:
        log.warning("ignoring a damaged profile copy (%d parts)", len(parts))
        return UNKNOWN
    try:
        return Profile(mode=parts[1], speech_rate=int(parts[2]))
    except ValueError:
        log.warning("ignoring a damaged profile copy (speech rate is not a number)")
        return UNKNOWN


class ProfileMirror:
    def __init__(self, redis: Redis, *, prefix: str = "bot") -> None:
        self._redis = redis
        self._prefix = prefix
        self.complete_key = f"{prefix}:profiles:complete"
        self.fill_lock_key = f"{prefix}:profiles:filling"
        self._put = redis.register_script(_PUT)
        self._let_go = redis.register_script(_LET_GO)

    def key(self, key: UserKey) -> str:
        return key.redis_key("profile", self._prefix)

    def reads(self, key: UserKey) -> list[str]:
        """The keys to read for ``key``'s profile, in the order ``answer`` takes their values."""
        return [self.key(key), self.complete_key]

    @staticmethod
    def answer(values: Sequence[bytes | None]) -> Profile | Unknown | None:
        """What the copy says, from the values of ``reads``."""
        entry, complete = values
        found = decode(entry)
        if found is UNKNOWN and complete is not None:
            return None  # the copy holds every profile: no entry, no profile
        return found

    async def put(self, key: UserKey, profile: Profile | None, version: int) -> bool:
        """Copy a profile (None: "none in SQL", only where there is no entry); False if a newer one is there."""
        return bool(await self._put(keys=[self.key(key)], args=[version if profile else 0, encode(profile, version)]))

    async def put_many(self, rows: Iterable[tuple[UserKey, Profile, int]]) -> None:
        async with self._redis.pipeline(transaction=False) as batch:
            for key, profile, version in rows:
                batch.evalsha(self._put.sha, 1, self.key(key), version, encode(profile, version))
            await batch.execute()

    async def load(self) -> None:
        """Make sure the server knows the script (``put_many`` queues it by hash)."""
        await self._redis.script_load(_PUT)

    async def is_complete(self) -> bool:
        return bool(await self._redis.exists(self.complete_key))

    async def mark_complete(self) -> None:
        await self._redis.set(self.complete_key, b"1", ex=COMPLETE_SECONDS)

    async def mark_incomplete(self) -> None:
        await self._redis.delete(self.complete_key)

    @asynccontextmanager
    async def filling(self) -> AsyncIterator[bool]:
        """Whether this caller may make the full copy: one worker at a time, across every process."""
        token = secrets.token_hex(16).encode()
        mine = bool(await self._redis.set(self.fill_lock_key, token, nx=True, ex=FILL_LOCK_SECONDS))
        try:
            yield mine
        finally:
            if mine:
                await self._let_go(keys=[self.fill_lock_key], args=[token])
