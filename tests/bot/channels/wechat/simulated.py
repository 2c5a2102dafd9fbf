"""The WeChat simulator served on a local port, with clients pointed at it: what the channel's tests run on."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import aiohttp
from aiohttp.test_utils import TestServer
from pytest_aiohttp import AiohttpServer
from redis.asyncio import Redis

from bot.channels.wechat.api import WeChatApi
from bot.channels.wechat.simulator import WeChatSimulator
from bot.channels.wechat.simulator.server import PathAccessLogger
from bot.channels.wechat.token import AccessTokens

APP_ID = "wx0123456789abcdef"
APP_SECRET = "0123456789abcdef0123456789abcdef"
START = 1_714_037_059.0


class FakeClock:
    def __init__(self, start: float = START) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@dataclass
class SimulatedWeChat:
    simulator: WeChatSimulator
    server: TestServer
    session: aiohttp.ClientSession
    clock: FakeClock
    base_url: str

    def tokens(self, redis: Redis, **options: Any) -> AccessTokens:
        return AccessTokens(redis, self.session, self.base_url, APP_ID, APP_SECRET, **options)

    def api(self, redis: Redis, *, timeout: float = 5.0, **options: Any) -> WeChatApi:
        return WeChatApi(self.session, self.base_url, self.tokens(redis, **options), timeout=timeout)


@asynccontextmanager
async def simulated_wechat(aiohttp_server: AiohttpServer, **options: Any) -> AsyncIterator[SimulatedWeChat]:
    """``options`` go to ``WeChatSimulator`` (token_lifetime, token_grace…)."""
    clock = FakeClock()
    simulator = WeChatSimulator(APP_ID, APP_SECRET, clock=clock, **options)
    server = await aiohttp_server(simulator.app(), access_log_class=PathAccessLogger)
    async with aiohttp.ClientSession() as session:
        yield SimulatedWeChat(simulator, server, session, clock, str(server.make_url("")).rstrip("/"))
