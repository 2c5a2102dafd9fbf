"""The running service behind ``/wechat`` for these tests; see ``service.py``."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AsyncExitStack
from pathlib import Path
from typing import Any

import pytest
from pytest_aiohttp import AiohttpClient, AiohttpServer
from redis.asyncio import Redis

from tests.bot.channels.wechat.service import WeChatService, running_service

ServiceStarter = Callable[..., Awaitable[WeChatService]]


@pytest.fixture
async def start_service(
    aiohttp_server: AiohttpServer,
    aiohttp_client: AiohttpClient,
    redis_url: str,
    real_redis: Redis,
    sqlite_database_url: str,
    tmp_path: Path,
) -> AsyncIterator[ServiceStarter]:
    """Start the service on SQLite (or the ``database_url`` given) with settings changed by keyword;
    it stops at the end of the test."""
    async with AsyncExitStack() as stack:

        async def start(**options: Any) -> WeChatService:
            settings: dict[str, Any] = {
                "redis_url": redis_url,
                "database_url": sqlite_database_url,
                "var_dir": tmp_path / "var",
                **options,
            }
            return await stack.enter_async_context(running_service(aiohttp_server, aiohttp_client, **settings))

        yield start


@pytest.fixture
async def wechat(start_service: ServiceStarter) -> WeChatService:
    """The service on SQLite: for everything where the kind of database does not matter."""
    return await start_service()
