"""The case feed: every change a case store makes reaches subscribers, across processes through Redis
(two feeds on one Redis stand for two workers) and in-process on the embedded store."""

from __future__ import annotations

import asyncio

from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.security.crypto import Cipher
from bot.staff.live import AnnouncingCaseStore, CaseChange, CaseFeed
from bot.storage.redis import create_redis
from tests.bot.cases.factories import add_staff, new_case


async def _next(queue: asyncio.Queue[CaseChange]) -> CaseChange:
    return await asyncio.wait_for(queue.get(), timeout=5)


async def test_a_change_in_one_worker_reaches_a_subscriber_in_another(
    real_redis: Redis, sessionmaker: async_sessionmaker[AsyncSession], cipher: Cipher
) -> None:
    worker_a, worker_b = CaseFeed(real_redis), CaseFeed(real_redis)
    try:
        store_a = AnnouncingCaseStore(sessionmaker, cipher, feed=worker_a)
        async with worker_b.subscribe() as changes:
            case_id, _ = await store_a.create(new_case(urgent=True))
            assert await _next(changes) == CaseChange("created", case_id, "subsidy", "new", True)
            agent = await add_staff(sessionmaker, "li.agent", teams=("subsidy", "hotline"))
            await store_a.claim(case_id, staff=agent)
            assert await _next(changes) == CaseChange("claimed", case_id, "subsidy", "claimed", True)
            await store_a.transfer(case_id, staff=agent, team="hotline")
            assert (await _next(changes)).kind == "transferred"
            await store_a.claim(case_id, staff=agent)
            assert (await _next(changes)).kind == "claimed"
            await store_a.resolve(case_id, staff=agent, outcome="answered", note="")
            assert (await _next(changes)).status == "resolved"
    finally:
        await worker_a.close()
        await worker_b.close()


async def test_a_repeated_request_announces_nothing(
    embedded_redis: Redis, sessionmaker: async_sessionmaker[AsyncSession], cipher: Cipher
) -> None:
    feed = CaseFeed(None)
    store = AnnouncingCaseStore(sessionmaker, cipher, feed=feed)
    async with feed.subscribe() as changes:
        request = new_case()
        await store.create(request)
        await _next(changes)
        await store.create(request)
        await asyncio.sleep(0.1)
        assert changes.empty()


async def test_the_embedded_store_hands_changes_over_in_process(
    sessionmaker: async_sessionmaker[AsyncSession], cipher: Cipher
) -> None:
    feed = CaseFeed(None)
    store = AnnouncingCaseStore(sessionmaker, cipher, feed=feed)
    async with feed.subscribe() as first, feed.subscribe() as second:
        case_id, _ = await store.create(new_case())
        assert (await _next(first)).case_id == case_id
        assert (await _next(second)).case_id == case_id


async def test_an_unreachable_redis_does_not_undo_the_change(
    sessionmaker: async_sessionmaker[AsyncSession], cipher: Cipher
) -> None:
    broken = Redis.from_url("redis://127.0.0.1:1/0", socket_connect_timeout=0.2)
    try:
        store = AnnouncingCaseStore(sessionmaker, cipher, feed=CaseFeed(broken))
        case_id, created = await store.create(new_case())
        assert created
        assert (await store.summary(case_id)).status == "new"
    finally:
        await broken.aclose()


def test_a_malformed_announcement_is_ignored() -> None:
    assert CaseChange.from_json(b"not json") is None
    assert CaseChange.from_json(b'{"kind": "created"}') is None
    change = CaseChange("created", 7, "legal", "new", False)
    assert CaseChange.from_json(change.to_json()) == change


async def test_services_on_other_databases_of_one_redis_server_do_not_hear_each_other(
    real_redis: Redis, redis_url: str
) -> None:
    database = int(real_redis.connection_pool.connection_kwargs.get("db", 0) or 0)
    neighbour_url = redis_url.rsplit("/", 1)[0] + f"/{(database + 1) % 16}"
    neighbour_redis = create_redis(neighbour_url)
    ours, neighbour = CaseFeed(real_redis), CaseFeed(neighbour_redis)
    try:
        async with ours.subscribe() as changes:
            await neighbour.publish(CaseChange("created", 1, "subsidy", "new", False))
            await ours.publish(CaseChange("created", 2, "subsidy", "new", False))
            assert (await _next(changes)).case_id == 2
            assert changes.empty()
    finally:
        await ours.close()
        await neighbour.close()
        await neighbour_redis.aclose()
