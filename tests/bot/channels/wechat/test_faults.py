"""When Redis or PostgreSQL stops, hangs or comes back in the middle of an application.

Each test runs the whole service on a Redis and a PostgreSQL of its own (``tests/fixtures/own_servers.py``)
and stops, pauses (SIGSTOP) or restarts them while a resident talks. Whatever happens: every push is
answered 200 within the platform's 5 seconds, no filed case is lost or filed twice, and every filed
case's number reaches the resident exactly once through the case notices.
"""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta

from sqlalchemy import text

from bot.channels.wechat.simulator import PushClient
from bot.notice_sender import send_due
from bot.storage.db import create_engine
from tests.bot.channels.wechat.conftest import ServiceStarter
from tests.bot.channels.wechat.service import WeChatService, passive_text
from tests.bot.scripts import CONFIRM, LIVING_ALLOWANCE_FOR_MYSELF
from tests.fixtures.own_servers import OwnPostgres, OwnRedis

PLATFORM_TIMEOUT = 5.0
BUSY = "系统忙，请稍后再发"


def _resident() -> str:
    return f"o6_fault_{secrets.token_hex(4)}"


async def _on_own_servers(start: ServiceStarter, redis: OwnRedis, postgres: OwnPostgres) -> WeChatService:
    return await start(redis_url=redis.url, database_url=postgres.url)


def _platform(wechat: WeChatService) -> PushClient:
    """The platform waiting its 5 seconds once, with no retry: a late answer shows as status 0."""
    return wechat.pushes(timeout=PLATFORM_TIMEOUT, retries=0)


async def _say(wechat: WeChatService, openid: str, words: str) -> str:
    """Send ``words``; the passive answer, which must come with 200 within the platform's deadline."""
    result = await _platform(wechat).push(_platform(wechat).text(openid, words))
    assert result.status == 200, f"{words!r}: no answer within {PLATFORM_TIMEOUT} s"
    assert result.elapsed < PLATFORM_TIMEOUT
    return passive_text(result) or ""


async def _cases_of(postgres: OwnPostgres, openid: str) -> list[int]:
    engine = create_engine(postgres.url)
    try:
        async with engine.connect() as connection:
            rows = await connection.execute(
                text("SELECT id FROM cases WHERE user_ref = :openid ORDER BY id"), {"openid": openid}
            )
            return [int(row[0]) for row in rows]
    finally:
        await engine.dispose()


@asynccontextmanager
async def _cases_table_locked(postgres: OwnPostgres) -> AsyncIterator[None]:
    """Hold an exclusive lock on ``cases``: every insert waits, as on an overloaded database."""
    engine = create_engine(postgres.url)
    try:
        async with engine.connect() as connection:
            await connection.execute(text("BEGIN"))
            await connection.execute(text("LOCK TABLE cases IN ACCESS EXCLUSIVE MODE"))
            try:
                yield
            finally:
                await connection.execute(text("ROLLBACK"))
    finally:
        await engine.dispose()


async def _send_due_notices(wechat: WeChatService) -> int:
    """Let the notices' first wait pass and run one sending pass, as a worker's background task does."""
    notices = wechat.services.notices
    real_clock = notices.clock
    notices.clock = lambda: real_clock() + timedelta(minutes=2)
    try:
        return await send_due(notices, wechat.services.delivery, wechat.services.catalog)
    finally:
        notices.clock = real_clock


def _told(wechat: WeChatService, openid: str, case_id: int) -> int:
    """How many customer-service texts carried this case number."""
    return sum(f"编号{case_id}" in sent or f"编号是{case_id}" in sent for sent in wechat.sent_texts(openid))


async def _at_the_summary(wechat: WeChatService, openid: str) -> None:
    answers = await wechat.converse(_platform(wechat), openid, LIVING_ALLOWANCE_FOR_MYSELF)
    assert "对吗" in answers[-1] or "是否" in answers[-1] or "确认" in answers[-1], answers[-1]


async def test_with_redis_stopped_a_push_gets_the_busy_answer_and_the_service_recovers_on_restart(
    start_service: ServiceStarter, own_redis: OwnRedis, own_postgres: OwnPostgres
) -> None:
    wechat = await _on_own_servers(start_service, own_redis, own_postgres)
    openid = _resident()
    assert await _say(wechat, openid, "你好")

    own_redis.stop()
    assert BUSY in await _say(wechat, openid, "护理补贴")
    assert BUSY in await _say(wechat, openid, "护理补贴")

    own_redis.start()  # empty: a restart without persistence
    answer = await _say(wechat, openid, "护理补贴")
    await wechat.settle()
    assert BUSY not in answer
    assert "护理补贴" in answer + "".join(wechat.sent_texts(openid))


async def test_with_redis_hung_a_push_gets_the_busy_answer_within_the_deadline(
    start_service: ServiceStarter, own_redis: OwnRedis, own_postgres: OwnPostgres
) -> None:
    wechat = await _on_own_servers(start_service, own_redis, own_postgres)
    openid = _resident()
    assert await _say(wechat, openid, "你好")

    own_redis.pause()
    try:
        assert BUSY in await _say(wechat, openid, "护理补贴")
    finally:
        own_redis.resume()

    answer = await _say(wechat, openid, "护理补贴")
    assert BUSY not in answer
    assert "护理补贴" in answer


async def test_a_case_filed_while_redis_stalls_is_told_once_by_its_notice(
    start_service: ServiceStarter, own_redis: OwnRedis, own_postgres: OwnPostgres
) -> None:
    # The round that lost a case: the insert takes 1.5 s and Redis stalls for 9 s during "是".
    wechat = await _on_own_servers(start_service, own_redis, own_postgres)
    openid = _resident()
    await _at_the_summary(wechat, openid)

    async def stall_redis() -> None:
        await asyncio.sleep(0.3)  # the push has arrived and the turn holds the resident's lock
        own_redis.pause()
        await asyncio.sleep(9)
        own_redis.resume()

    async with _cases_table_locked(own_postgres):
        stalling = asyncio.create_task(stall_redis())
        confirming = asyncio.create_task(_say(wechat, openid, CONFIRM))
        await asyncio.sleep(1.5)
    answer = await confirming
    await stalling

    assert BUSY in answer  # said within the deadline, instead of a 500 and silence
    cases = await _cases_of(own_postgres, openid)
    assert len(cases) == 1  # filed once, in spite of the stall
    await wechat.settle()
    assert _told(wechat, openid, cases[0]) == 0

    assert await _send_due_notices(wechat) == 1
    assert _told(wechat, openid, cases[0]) == 1
    assert await _send_due_notices(wechat) == 0  # never twice
    assert _told(wechat, openid, cases[0]) == 1

    # Saying "是" again files nothing new: it is the same application.
    again = await _say(wechat, openid, CONFIRM)
    await wechat.settle()
    assert str(cases[0]) in again + "".join(wechat.sent_texts(openid)[-2:])
    assert await _cases_of(own_postgres, openid) == cases


async def test_a_redelivered_push_after_a_stall_files_nothing_twice_and_the_number_is_told_once(
    start_service: ServiceStarter, own_redis: OwnRedis, own_postgres: OwnPostgres
) -> None:
    wechat = await _on_own_servers(start_service, own_redis, own_postgres)
    openid = _resident()
    await _at_the_summary(wechat, openid)
    push = wechat.seal(_platform(wechat).text(openid, CONFIRM))

    async with _cases_table_locked(own_postgres):
        delivering = asyncio.create_task(wechat.deliver(push))
        await asyncio.sleep(0.3)
        own_redis.pause()
        await asyncio.sleep(1.2)
    try:
        status, body = await asyncio.wait_for(delivering, PLATFORM_TIMEOUT)
    finally:
        own_redis.resume()
    assert status == 200
    assert BUSY in (wechat.read_reply(body) or "")

    # The same push delivered again once Redis is back (the busy answer was lost on its way).
    status, body = await wechat.deliver(push)
    assert status == 200
    await wechat.settle()
    await _send_due_notices(wechat)
    await _send_due_notices(wechat)

    cases = await _cases_of(own_postgres, openid)
    assert len(cases) == 1
    in_reply = f"{cases[0]}" in (wechat.read_reply(body) or "")
    assert in_reply + _told(wechat, openid, cases[0]) == 1


async def test_with_the_database_hung_the_answer_comes_late_and_the_case_is_told_once(
    start_service: ServiceStarter, own_redis: OwnRedis, own_postgres: OwnPostgres
) -> None:
    wechat = await _on_own_servers(start_service, own_redis, own_postgres)
    openid = _resident()
    await _at_the_summary(wechat, openid)

    own_postgres.pause()
    try:
        passive = await _say(wechat, openid, CONFIRM)  # past the deadline: answered through the API later
    finally:
        await asyncio.sleep(2)
        own_postgres.resume()
    assert passive == ""
    await wechat.settle()

    cases = await _cases_of(own_postgres, openid)
    assert len(cases) == 1
    assert _told(wechat, openid, cases[0]) == 1
    assert await _send_due_notices(wechat) == 0


async def test_with_the_database_stopped_the_resident_is_asked_to_confirm_again_and_nothing_is_lost(
    start_service: ServiceStarter, own_redis: OwnRedis, own_postgres: OwnPostgres
) -> None:
    wechat = await _on_own_servers(start_service, own_redis, own_postgres)
    openid = _resident()
    await _at_the_summary(wechat, openid)

    own_postgres.stop()
    try:
        failed = await _say(wechat, openid, CONFIRM)
    finally:
        own_postgres.start()
    assert "没有提交成功" in failed

    answer = await _say(wechat, openid, CONFIRM)
    await wechat.settle()
    cases = await _cases_of(own_postgres, openid)
    assert len(cases) == 1
    assert str(cases[0]) in answer + "".join(wechat.sent_texts(openid))
    assert await _send_due_notices(wechat) == 0
