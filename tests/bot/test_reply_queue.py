"""The reply queue's marker: a push with nothing waiting costs one Redis read and no SQL; a reply queued
while another worker sends the queue is never left without its marker; on the embedded store SQL decides."""

from __future__ import annotations

from collections.abc import AsyncIterator
from itertools import count

import pytest
from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.cases.queued_replies import QueuedReplyStore
from bot.cases.store import CaseStore
from bot.cases.types import StaffUser
from bot.reply_queue import ReplyQueue
from bot.security.crypto import Cipher
from bot.staff.delivery_texts import load_delivery_texts
from bot.storage.db import create_engine, create_sessionmaker
from bot.storage.keys import UserKey
from tests.bot.cases.factories import add_staff, new_case
from tests.paths import CONTENT_DIR

RESIDENT = UserKey("wechat", "o6_resident_1")
_agents = count(1)


@pytest.fixture
async def sqlite_sessions(sqlite_database_url: str) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    engine = create_engine(sqlite_database_url)
    try:
        yield create_sessionmaker(engine)
    finally:
        await engine.dispose()


async def _queue_one(queue: ReplyQueue, sessions: async_sessionmaker[AsyncSession], cipher: Cipher) -> None:
    cases = CaseStore(sessions, cipher)
    agent: StaffUser = await add_staff(sessions, f"agent{next(_agents)}")
    case_id, _ = await cases.create(new_case())
    await cases.claim(case_id, staff=agent)
    event = await cases.add_reply(case_id, staff=agent, text="请来一趟。")
    await queue.queue(
        case_id=case_id, event_id=event.id, channel="wechat", user_ref=RESIDENT.user_id, text="请来一趟。",
        reason="outside_window",
    )  # fmt: skip


def _queue_for(sessions: async_sessionmaker[AsyncSession], cipher: Cipher, redis: Redis, *, shared: bool) -> ReplyQueue:
    return ReplyQueue(QueuedReplyStore(sessions, cipher), redis, load_delivery_texts(CONTENT_DIR), shared_redis=shared)


async def test_with_shared_redis_the_marker_says_whether_to_look_and_is_dropped_only_when_unchanged(
    sqlite_sessions: async_sessionmaker[AsyncSession], cipher: Cipher, real_redis: Redis
) -> None:
    queue = _queue_for(sqlite_sessions, cipher, real_redis, shared=True)
    assert await queue.seen(RESIDENT) is None

    await _queue_one(queue, sqlite_sessions, cipher)
    seen = await queue.seen(RESIDENT)
    assert seen is not None
    (reply,) = await queue.store.claim("wechat", RESIDENT.user_id)
    await queue.store.delivered(reply, "已送达")
    await _queue_one(queue, sqlite_sessions, cipher)  # queued by staff while the first was being sent
    await queue.settled(RESIDENT, seen)
    assert await queue.seen(RESIDENT) is not None  # still marked: one waits

    newer = await queue.seen(RESIDENT)
    assert newer is not None
    (reply,) = await queue.store.claim("wechat", RESIDENT.user_id)
    await queue.store.delivered(reply, "已送达")
    await queue.settled(RESIDENT, newer)
    assert await queue.seen(RESIDENT) is None


async def test_on_the_embedded_store_sql_is_asked(
    sqlite_sessions: async_sessionmaker[AsyncSession], cipher: Cipher, embedded_redis: Redis
) -> None:
    queue = _queue_for(sqlite_sessions, cipher, embedded_redis, shared=False)
    assert await queue.seen(RESIDENT) is None

    await _queue_one(queue, sqlite_sessions, cipher)
    await embedded_redis.flushall()  # another process's store would not have the marker anyway

    assert await queue.seen(RESIDENT) == b""
