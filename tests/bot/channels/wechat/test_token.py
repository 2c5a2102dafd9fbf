"""The access token: one fetch for all workers, cached in Redis, renewed early, dropped only when stale."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator

import aiohttp
import pytest
from pytest_aiohttp import AiohttpServer
from redis.asyncio import Redis

from bot.channels.wechat.errors import WeChatApiError, WeChatUnavailable
from bot.channels.wechat.token import AccessTokens
from bot.storage.redis import create_redis
from tests.bot.channels.wechat.simulated import APP_ID, APP_SECRET, SimulatedWeChat, simulated_wechat


@pytest.fixture
async def wechat(aiohttp_server: AiohttpServer) -> AsyncIterator[SimulatedWeChat]:
    async with simulated_wechat(aiohttp_server) as running:
        yield running


async def test_token_is_fetched_once_then_served_from_redis(wechat: SimulatedWeChat, redis_client: Redis) -> None:
    tokens = wechat.tokens(redis_client)
    first = await tokens.get()
    assert await tokens.get() == first
    assert wechat.simulator.token_fetches["stable_token"] == 1
    assert await redis_client.get(f"bot:wechat:token:{APP_ID}") == first.encode()


async def test_cached_token_expires_five_minutes_before_wechat_expires_it(
    wechat: SimulatedWeChat, redis_client: Redis
) -> None:
    await wechat.tokens(redis_client).get()
    ttl = await redis_client.ttl(f"bot:wechat:token:{APP_ID}")
    assert 7200 - 300 - 5 <= ttl <= 7200 - 300


@pytest.mark.parametrize("use_stable", [True, False], ids=["stable_token", "classic"])
async def test_twenty_concurrent_gets_from_three_workers_fetch_exactly_once(
    wechat: SimulatedWeChat, redis_client: Redis, use_stable: bool
) -> None:
    workers = [wechat.tokens(redis_client, use_stable=use_stable) for _ in range(3)]
    got = await asyncio.gather(*(workers[i % 3].get() for i in range(20)))
    assert len(set(got)) == 1
    assert sum(wechat.simulator.token_fetches.values()) == 1
    assert await redis_client.exists(f"bot:wechat:token-lock:{APP_ID}") == 0


async def test_classic_mode_uses_the_token_endpoint(wechat: SimulatedWeChat, redis_client: Redis) -> None:
    await wechat.tokens(redis_client, use_stable=False).get()
    assert wechat.simulator.token_fetches == {"token": 1}


async def test_invalidate_drops_the_token_it_names(wechat: SimulatedWeChat, redis_client: Redis) -> None:
    tokens = wechat.tokens(redis_client)
    stale = await tokens.get()
    await tokens.invalidate(stale)
    assert await redis_client.exists(f"bot:wechat:token:{APP_ID}") == 0


async def test_invalidate_keeps_a_fresher_token_another_worker_stored(
    wechat: SimulatedWeChat, redis_client: Redis
) -> None:
    tokens = wechat.tokens(redis_client)
    await redis_client.set(f"bot:wechat:token:{APP_ID}", "fresh-token")
    await tokens.invalidate("stale-token")
    assert await tokens.get() == "fresh-token"


async def test_stable_token_after_invalidate_is_force_refreshed(wechat: SimulatedWeChat, redis_client: Redis) -> None:
    tokens = wechat.tokens(redis_client)
    first = await tokens.get()
    await tokens.invalidate(first)
    second = await tokens.get()
    assert second != first  # without force_refresh stable_token would hand out the same, still valid token


async def test_forced_refresh_happens_at_most_once_per_30_seconds(wechat: SimulatedWeChat, redis_client: Redis) -> None:
    tokens = wechat.tokens(redis_client)
    first = await tokens.get()
    await tokens.invalidate(first)
    second = await tokens.get()
    await tokens.invalidate(second)
    third = await tokens.get()
    assert third == second  # not forced again: stable_token returned the current token
    assert await redis_client.ttl(f"bot:wechat:token-forced:{APP_ID}") > 25


async def test_classic_mode_invalidate_does_not_ask_for_a_forced_refresh(
    wechat: SimulatedWeChat, redis_client: Redis
) -> None:
    tokens = wechat.tokens(redis_client, use_stable=False)
    await tokens.invalidate(await tokens.get())
    assert await redis_client.exists(f"bot:wechat:token-force:{APP_ID}") == 0


async def test_wrong_secret_raises_40125_without_revealing_it(
    wechat: SimulatedWeChat, redis_client: Redis, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    for use_stable in (True, False):
        tokens = AccessTokens(
            redis_client, wechat.session, wechat.base_url, APP_ID, "wrong-secret-0123", use_stable=use_stable
        )
        with pytest.raises(WeChatApiError) as raised:
            await tokens.get()
        assert raised.value.errcode == 40125
        assert "wrong-secret-0123" not in str(raised.value)
    assert "wrong-secret-0123" not in caplog.text
    assert APP_SECRET not in caplog.text


async def test_wrong_app_id_raises_40013(wechat: SimulatedWeChat, redis_client: Redis) -> None:
    tokens = AccessTokens(redis_client, wechat.session, wechat.base_url, "wx_other", APP_SECRET)
    with pytest.raises(WeChatApiError) as raised:
        await tokens.get()
    assert raised.value.errcode == 40013


async def test_failed_fetch_releases_the_lock_for_the_next_try(wechat: SimulatedWeChat, redis_client: Redis) -> None:
    tokens = AccessTokens(redis_client, wechat.session, wechat.base_url, APP_ID, "wrong")
    with pytest.raises(WeChatApiError):
        await tokens.get()
    assert await redis_client.exists(f"bot:wechat:token-lock:{APP_ID}") == 0


async def test_lock_held_by_another_worker_is_not_released_by_us(wechat: SimulatedWeChat, redis_client: Redis) -> None:
    lock = f"bot:wechat:token-lock:{APP_ID}"
    await redis_client.set(lock, "someone-else", px=10_000)
    tokens = wechat.tokens(redis_client, wait=0.2)
    with pytest.raises(WeChatUnavailable, match="another worker"):
        await tokens.get()
    assert await redis_client.get(lock) == b"someone-else"
    assert wechat.simulator.token_fetches.total() == 0


async def test_waiting_worker_reads_the_token_the_lock_holder_stores(
    wechat: SimulatedWeChat, redis_client: Redis
) -> None:
    lock = f"bot:wechat:token-lock:{APP_ID}"
    await redis_client.set(lock, "someone-else", px=10_000)
    waiting = asyncio.create_task(wechat.tokens(redis_client).get())
    await asyncio.sleep(0.12)
    await redis_client.set(f"bot:wechat:token:{APP_ID}", "from-the-holder")
    assert await waiting == "from-the-holder"
    assert wechat.simulator.token_fetches.total() == 0


async def test_unreachable_token_server_raises_unavailable(wechat: SimulatedWeChat, redis_client: Redis) -> None:
    await wechat.server.close()
    with pytest.raises(WeChatUnavailable) as raised:
        await wechat.tokens(redis_client, use_stable=False).get()
    assert APP_SECRET not in str(raised.value)
    assert raised.value.__cause__ is None


async def test_unreachable_redis_raises_unavailable(wechat: SimulatedWeChat) -> None:
    redis = create_redis("redis://127.0.0.1:1/0")
    try:
        with pytest.raises(WeChatUnavailable, match="token store"):
            await wechat.tokens(redis).get()
    finally:
        await redis.aclose()


async def test_non_json_answer_raises_unavailable(aiohttp_server: AiohttpServer, redis_client: Redis) -> None:
    async def broken(request: aiohttp.web.Request) -> aiohttp.web.Response:
        return aiohttp.web.Response(status=502, text="<html>Bad Gateway</html>")

    app = aiohttp.web.Application()
    app.router.add_post("/cgi-bin/stable_token", broken)
    server = await aiohttp_server(app)
    async with aiohttp.ClientSession() as session:
        tokens = AccessTokens(redis_client, session, str(server.make_url("")), APP_ID, APP_SECRET)
        with pytest.raises(WeChatUnavailable, match="HTTP 502"):
            await tokens.get()
