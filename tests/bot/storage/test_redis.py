"""The client factory and the health check."""

from __future__ import annotations

import asyncio

import pytest
from redis.asyncio import Redis
from redis.exceptions import ConnectionError as RedisConnectionError

from bot.storage.redis import check_redis, create_redis
from tests.fixtures.own_servers import OwnRedis


async def test_check_passes_on_a_live_server(redis_client: Redis) -> None:
    await check_redis(redis_client)


async def test_values_are_bytes(redis_client: Redis) -> None:
    await redis_client.set("bot:test:value", "残疾人证".encode())
    assert await redis_client.get("bot:test:value") == "残疾人证".encode()


async def test_embedded_clients_share_one_store() -> None:
    writer, reader = create_redis(None), create_redis(None)
    try:
        await writer.set("bot:test:shared", b"1", ex=60)
        assert await reader.get("bot:test:shared") == b"1"
    finally:
        await writer.delete("bot:test:shared")
        await writer.aclose()
        await reader.aclose()


async def test_real_client_uses_the_url(redis_url: str) -> None:
    client = create_redis(redis_url)
    try:
        await check_redis(client)
    finally:
        await client.aclose()


async def test_check_raises_when_nothing_listens() -> None:
    # Port 1 on loopback: nothing listens there, so the connection is refused at once.
    client = create_redis("redis://127.0.0.1:1/0")
    try:
        with pytest.raises(RedisConnectionError):
            await check_redis(client)
    finally:
        await client.aclose()


async def test_after_a_restart_every_pooled_connection_reconnects_without_failing_a_command(
    own_redis: OwnRedis,
) -> None:
    client = create_redis(own_redis.url)
    try:
        # Several connections in the pool, all of which the restart leaves dead.
        await asyncio.gather(*(client.blpop([f"bot:test:empty:{n}"], timeout=0.2) for n in range(4)))
        own_redis.stop()
        own_redis.start()
        answers = await asyncio.gather(*(client.set(f"bot:test:after:{n}", b"1") for n in range(4)))
        assert answers == [True] * 4
    finally:
        await client.aclose()
