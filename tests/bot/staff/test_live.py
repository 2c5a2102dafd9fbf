"""The case feed: every change a case store makes reaches subscribers, across processes through Redis
(two feeds on one Redis stand for two workers) and in-process on the embedded store."""

from __future__ import annotations

import asyncio
import contextlib

import pytest
from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.cases.conversation import CaseConversations
from bot.security.crypto import Cipher
from bot.staff.console.stream import describe, encoded, rendered
from bot.staff.live import AnnouncingCaseStore, Batch, CaseChange, CaseFeed, Subscription
from bot.storage.redis import create_redis
from tests.bot.cases.factories import add_staff, new_case


async def _next(subscription: Subscription) -> CaseChange:
    batch = await subscription.take(wait=5)
    assert len(batch.changes) == 1, batch
    return batch.changes[0]


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
        assert await changes.take(wait=0.1) == Batch()


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
            assert await changes.take(wait=0.1) == Batch()
    finally:
        await ours.close()
        await neighbour.close()
        await neighbour_redis.aclose()


async def test_a_page_takes_every_change_that_waited_in_one_batch_in_order() -> None:
    feed = CaseFeed(None)
    async with feed.subscribe() as changes:
        for case_id in (1, 2, 3):
            await feed.publish(CaseChange("created", case_id, "subsidy", "new", False))
        batch = await changes.take(wait=1)
    assert [change.case_id for change in batch.changes] == [1, 2, 3]
    assert not batch.lost


async def test_a_page_that_falls_too_far_behind_is_told_to_reload_instead_of_losing_changes_silently() -> None:
    feed = CaseFeed(None)
    async with feed.subscribe(limit=5) as slow, feed.subscribe(limit=5) as keeping_up:
        for case_id in range(1, 13):
            await feed.publish(CaseChange("created", case_id, "subsidy", "new", False))
            if case_id % 4 == 0:
                assert len((await keeping_up.take(wait=1)).changes) == 4
        assert await slow.take(wait=1) == Batch(lost=True)
        assert rendered(Batch(lost=True), None).startswith(b"event: reload\n")
        # After the reload the page hears changes again, one by one.
        await feed.publish(CaseChange("claimed", 3, "subsidy", "claimed", False))
        assert [change.case_id for change in (await slow.take(wait=1)).changes] == [3]


async def test_a_waiting_page_wakes_at_once_for_a_change_and_after_its_timeout_with_nothing() -> None:
    feed = CaseFeed(None)
    async with feed.subscribe() as changes:
        loop = asyncio.get_running_loop()
        began = loop.time()
        assert await changes.take(wait=0.2) == Batch()
        assert loop.time() - began >= 0.19
        asyncio.get_running_loop().call_later(0.05, feed._hand_out, CaseChange("created", 9, "legal", "new", True))
        began = loop.time()
        assert (await changes.take(wait=5)).changes[0].case_id == 9
        assert loop.time() - began < 1


async def test_a_change_shown_on_many_pages_is_rendered_once_and_the_same_bytes_go_to_each() -> None:
    feed = CaseFeed(None)
    change = CaseChange("created", 424242, "legal", "new", True)
    async with contextlib.AsyncExitStack() as stack:
        pages = [await stack.enter_async_context(feed.subscribe()) for _ in range(30)]
        before = encoded.cache_info().misses
        await feed.publish(change)
        sent = [rendered(await page.take(wait=1), None) for page in pages]
    assert encoded.cache_info().misses == before + 1
    assert len(set(sent)) == 1
    assert "新的紧急案件：424242 号" in sent[0].decode()


def test_a_page_is_sent_only_the_changes_of_the_teams_its_user_may_see() -> None:
    batch = Batch((CaseChange("created", 1, "legal", "new", False), CaseChange("created", 2, "subsidy", "new", False)))
    assert b'"case_id": 2' in rendered(batch, frozenset({"subsidy"}))
    assert b'"case_id": 1' not in rendered(batch, frozenset({"subsidy"}))
    assert rendered(batch, frozenset({"hotline"})) == b""


async def test_what_the_resident_writes_to_an_open_case_and_the_hand_back_reach_the_consoles(
    sessionmaker: async_sessionmaker[AsyncSession], cipher: Cipher
) -> None:
    feed = CaseFeed(None)
    store = AnnouncingCaseStore(sessionmaker, cipher, feed=feed)
    talk = CaseConversations(sessionmaker, cipher, announce=store.announce)
    case_id, _ = await store.create(new_case())
    agent = await add_staff(sessionmaker, "wang.agent", teams=("subsidy",))
    await store.claim(case_id, staff=agent)
    await store.add_reply(case_id, staff=agent, text="请问您是哪一年办的证？", await_resident=True)
    async with feed.subscribe() as changes:
        await talk.resident_said(case_id, "2015年办的，户主是我爸刘建国")
        said = await _next(changes)
        assert (said.kind, said.case_id, said.status) == ("resident_said", case_id, "claimed")
        await talk.hand_back(case_id, staff=agent)
        assert (await _next(changes)).kind == "handed_back"


@pytest.mark.parametrize(
    ("kind", "words"),
    [
        ("created", "新案件：7 号"),
        ("resident_said", "7 号案件的居民发来了新消息"),
        ("handed_back", "交回给智能助手"),
        ("delivered", "回复已经送到居民"),
        ("escalated", "超过 15 分钟没人认领"),  # content/sla.yaml's urgent claim time
        ("something-new", "7 号案件有新动态"),
    ],
)
def test_every_change_is_announced_in_a_sentence(kind: str, words: str) -> None:
    assert words in describe(CaseChange(kind, 7, "subsidy", "claimed", False))
