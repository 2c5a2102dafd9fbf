"""One pub/sub channel shared by every worker process, fanned out to this process's listeners.

With Redis, a message published by any ``--workers`` process reaches every process through a single
subscription per process (not one per open page); on the embedded store (one process only) messages are
handed over in-process. Redis pub/sub ignores the database number, so the channel name is scoped to the
database: services or test runs sharing one server on different databases never hear each other.

Pub/sub forgets what it cannot deliver. A listener is therefore told (with ``RESYNC``) whenever the
subscription was (re)made, so it can re-read the record it is watching instead of trusting it missed nothing.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Callable

from redis.asyncio import Redis
from redis.exceptions import RedisError

log = logging.getLogger(__name__)

RESYNC = ""  # handed to listeners after the subscription was (re)made: anything may have been missed

Listener = Callable[[str], None]


def scoped_to_database(redis: Redis | None, channel: str) -> str:
    """``channel`` on database 0 (and in-process); ``channel:dbN`` on database N."""
    if redis is None:
        return channel
    database = int(redis.connection_pool.connection_kwargs.get("db", 0) or 0)
    return channel if database == 0 else f"{channel}:db{database}"


class Broadcast:
    """Publish short text messages; listen to what every process publishes. ``redis`` None: in-process.

    Listeners are plain callables run on the event loop for each message: they must be quick and never
    block (typically they set an ``asyncio.Event`` or put into a bounded queue)."""

    def __init__(self, redis: Redis | None, channel: str) -> None:
        self._redis = redis
        self.channel = scoped_to_database(redis, channel)
        self._listeners: set[Listener] = set()
        self._reader: asyncio.Task[None] | None = None
        self._ready: asyncio.Event | None = None

    @property
    def in_process(self) -> bool:
        return self._redis is None

    async def publish(self, message: str) -> bool:
        """Send ``message`` to every listener of every process; False (logged) when Redis did not take it."""
        if self._redis is None:
            self._hand_out(message)
            return True
        try:
            await self._redis.publish(self.channel, message)
        except (RedisError, OSError) as error:
            log.warning("broadcast %s: not published (%s)", self.channel, type(error).__name__)
            return False
        return True

    async def add_listener(self, listener: Listener) -> None:
        """Call ``listener`` with every message published from now on (until ``remove_listener``)."""
        self._listeners.add(listener)
        await self._start_reader()

    def remove_listener(self, listener: Listener) -> None:
        self._listeners.discard(listener)

    @contextlib.asynccontextmanager
    async def listening(self, listener: Listener) -> AsyncIterator[None]:
        """Call ``listener`` with every message published from now on, until the context ends."""
        try:
            await self.add_listener(listener)
            yield
        finally:
            self.remove_listener(listener)

    async def close(self) -> None:
        reader, self._reader = self._reader, None
        if reader is not None:
            reader.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await reader

    def _hand_out(self, message: str) -> None:
        for listener in list(self._listeners):
            try:
                listener(message)
            except Exception:
                log.exception("broadcast %s: a listener failed", self.channel)

    async def _start_reader(self) -> None:
        if self._redis is None:
            return
        if self._reader is None or self._reader.done():
            self._ready = asyncio.Event()
            self._reader = asyncio.create_task(self._read(self._redis, self._ready))
        assert self._ready is not None
        # A message published right after listening() begins must not be missed.
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(5):
                await self._ready.wait()

    async def _read(self, redis: Redis, ready: asyncio.Event) -> None:
        first = True
        while True:
            try:
                pubsub = redis.pubsub(ignore_subscribe_messages=True)
                try:
                    await pubsub.subscribe(self.channel)
                    ready.set()
                    if not first:
                        self._hand_out(RESYNC)
                    first = False
                    while True:
                        message = await pubsub.get_message(timeout=1.0)
                        if message is not None and message.get("type") == "message":
                            data = message["data"]
                            self._hand_out(data.decode("utf-8", "replace") if isinstance(data, bytes) else str(data))
                finally:
                    await pubsub.aclose()  # type: ignore[no-untyped-call]  # redis-py leaves it untyped
            except (RedisError, OSError):
                log.warning("broadcast %s: lost the Redis subscription; retrying", self.channel)
                ready.set()  # listeners work without live messages meanwhile
                first = False
                await asyncio.sleep(1.0)
