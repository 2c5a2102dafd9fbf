"""Redis clients: a real server for a URL, or an in-process store when no URL is set."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import orjson
from fakeredis import FakeAsyncRedis, FakeServer
from redis.asyncio import Redis
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import RedisError

from bot.storage.keys import loggable

log = logging.getLogger(__name__)

# One server per process, so that every embedded client (web handlers, workers) sees the same data.
_EMBEDDED_SERVER = FakeServer()

# Each person's message waits on Redis; a hung server must fail the message, not stall it.
_SOCKET_TIMEOUT = 5.0
_REQUIRE_SECONDS = 3.0


def create_redis(url: str | None) -> Redis:
    """A client for ``url``, or for ``None`` one on the process-wide embedded store. Bytes in, bytes out."""
    if url is None:
        return create_embedded_redis(_EMBEDDED_SERVER)
    client: Redis = Redis.from_url(
        url,
        decode_responses=False,
        socket_connect_timeout=_SOCKET_TIMEOUT,
        socket_timeout=_SOCKET_TIMEOUT,
        # After a Redis restart every pooled connection is dead; a command that meets one reconnects and
        # runs once more instead of failing a resident's message. Timeouts are not retried: a hung server
        # must not double the wait.
        retry=Retry(NoBackoff(), 1),
        retry_on_error=[RedisConnectionError],
    )
    return client


def create_embedded_redis(server: FakeServer | None = None) -> Redis:
    """An in-process client on ``server`` (a fresh, private one if ``None``)."""
    return FakeAsyncRedis(server=server if server is not None else FakeServer(), decode_responses=False)


async def check_redis(client: Redis) -> None:
    """Raise ``redis.RedisError`` unless the server answers PING."""
    await client.ping()


class RedisUnavailable(Exception):
    """Redis did not answer; the message names where it was looked for (without a password)."""


async def require_redis(client: Redis, where: str) -> None:
    """Raise ``RedisUnavailable`` unless Redis answers PING within a few seconds."""
    try:
        async with asyncio.timeout(_REQUIRE_SECONDS):
            await check_redis(client)
    except (RedisError, OSError, TimeoutError) as error:
        raise RedisUnavailable(f"{where} did not answer ({type(error).__name__})") from None


def dump_json_object(value: dict[str, Any]) -> bytes:
    """Compact UTF-8 JSON; Chinese text stays readable and short. (orjson: written on every message.)"""
    return orjson.dumps(value)


def load_json_object(raw: bytes | str, *, key: str) -> dict[str, Any] | None:
    """The object stored under ``key``, or ``None`` (logged) if ``raw`` is not a JSON object."""
    try:
        value = orjson.loads(raw)
    except (ValueError, RecursionError) as error:
        # The value may hold a person's answers: log only what is wrong with it.
        log.warning("ignoring %s: not valid JSON (%s, length %d)", loggable(key), type(error).__name__, len(raw))
        return None
    if not isinstance(value, dict):
        log.warning("ignoring %s: JSON %s, not an object", loggable(key), type(value).__name__)
        return None
    return value
