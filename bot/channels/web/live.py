"""Live web chat pages: a bell that wakes a resident's open pages in any worker process, and the record of
which residents have a page open right now.

The bell carries no message, only "this resident's conversation has something new" (as a hash, never the
resident's id): the outbox in SQL and the transcript stay the record, and a woken page reads what is new
from them. So a page that (re)connects reads what it missed first and then waits for the bell; nothing
is shown twice (entries are numbered) and nothing is lost (a page also looks again at each heartbeat, and
every page looks again when the subscription was remade).
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import secrets
import time
from collections import defaultdict
from collections.abc import AsyncIterator

from redis.asyncio import Redis
from redis.exceptions import RedisError

from bot.broadcast import RESYNC, Broadcast

log = logging.getLogger(__name__)

CHANNEL = "bot:web:new"
# A page says it is still there at each heartbeat; one silent for longer than this counts as closed.
PRESENT_SECONDS = 60.0


def _tag(user: str) -> str:
    return hashlib.sha256(f"web-bell:{user}".encode()).hexdigest()[:24]


class Bell:
    """One open page's bell: ``wait`` returns True when rung, False when the time ran out."""

    def __init__(self, user: str) -> None:
        self.user = user
        self.token = secrets.token_hex(8)
        self._event = asyncio.Event()

    def ring(self) -> None:
        self._event.set()

    async def wait(self, seconds: float) -> bool:
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(seconds):
                await self._event.wait()
        rung = self._event.is_set()
        self._event.clear()
        return rung


class LivePages:
    def __init__(self, broadcast: Broadcast, redis: Redis, *, prefix: str = "bot:web") -> None:
        self._broadcast = broadcast
        self._redis = redis
        self._prefix = prefix
        self._bells: dict[str, set[Bell]] = defaultdict(set)
        self._listening = False

    async def ring(self, user: str) -> None:
        """Wake every page open for ``user``, in every process."""
        await self._broadcast.publish(_tag(user))

    def wake_everyone(self) -> None:
        """Wake this process's pages (at shutdown, so that their streams end at once)."""
        self._wake(RESYNC)

    @contextlib.asynccontextmanager
    async def watch(self, user: str) -> AsyncIterator[Bell]:
        """While the context lasts, ``user`` has a page open here and its bell rings for what is new."""
        bell = Bell(user)
        tag = _tag(user)
        self._bells[tag].add(bell)
        try:
            if not self._listening:
                self._listening = True
                await self._broadcast.add_listener(self._wake)
            await self.still_here(bell)
            yield bell
        finally:
            bells = self._bells.get(tag)
            if bells is not None:
                bells.discard(bell)
                if not bells:
                    del self._bells[tag]
            with contextlib.suppress(RedisError, OSError):
                await self._redis.zrem(self._open_key(user), bell.token)

    async def still_here(self, bell: Bell) -> None:
        """Record (again) that ``bell``'s page is open; its streams say so at each heartbeat."""
        key = self._open_key(bell.user)
        try:
            async with self._redis.pipeline(transaction=True) as pipe:
                pipe.zadd(key, {bell.token: time.time() + PRESENT_SECONDS})
                pipe.expire(key, int(PRESENT_SECONDS) + 5)
                await pipe.execute()
        except (RedisError, OSError) as error:
            log.warning("web chat: open page not recorded (%s)", type(error).__name__)

    async def is_open(self, user: str) -> bool:
        """Whether a page of ``user``'s is streaming now, in any process (False when Redis cannot tell)."""
        try:
            return int(await self._redis.zcount(self._open_key(user), time.time(), "+inf")) > 0
        except (RedisError, OSError):
            return False

    def _open_key(self, user: str) -> str:
        return f"{self._prefix}:open:{user}"

    def _wake(self, message: str) -> None:
        if message == RESYNC:
            for bells in self._bells.values():
                for bell in bells:
                    bell.ring()
            return
        for bell in self._bells.get(message, ()):
            bell.ring()
