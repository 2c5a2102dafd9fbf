"""Conversation state: saved as JSON, kept long enough to resume, unreadable values ignored."""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest
from redis.asyncio import Redis

from bot.storage.conversations import ConversationStore
from bot.storage.keys import UserKey

ALICE = UserKey("wechat", "o6_alice")
BOB = UserKey("wechat", "o6_bob")
TTL = timedelta(days=30)


@pytest.fixture
def store(redis_client: Redis) -> ConversationStore:
    return ConversationStore(redis_client, TTL)


async def test_save_then_load_round_trips(store: ConversationStore) -> None:
    state = {"flow": "apply_subsidy", "step": 3, "answers": {"name": "韦小宝", "card": None}, "ok": True}
    await store.save(ALICE, state)
    assert await store.load(ALICE) == state
    assert await store.load(BOB) is None


async def test_stored_as_compact_utf8_json(store: ConversationStore, redis_client: Redis) -> None:
    await store.save(ALICE, {"name": "韦小宝", "step": 1})
    raw = await redis_client.get(ALICE.redis_key("conversation"))
    assert raw == '{"name":"韦小宝","step":1}'.encode()


async def test_ttl_is_set_and_at_least_a_week(store: ConversationStore, redis_client: Redis) -> None:
    await store.save(ALICE, {"step": 1})
    ttl = await redis_client.ttl(ALICE.redis_key("conversation"))
    assert timedelta(days=7) <= timedelta(seconds=ttl) <= TTL


async def test_saving_again_restarts_the_ttl(store: ConversationStore, redis_client: Redis) -> None:
    name = ALICE.redis_key("conversation")
    await store.save(ALICE, {"step": 1})
    await redis_client.expire(name, 60)
    await store.save(ALICE, {"step": 2})
    assert await redis_client.ttl(name) > 60


def test_a_ttl_shorter_than_a_week_is_refused(redis_client: Redis) -> None:
    with pytest.raises(ValueError, match="at least 7 days"):
        ConversationStore(redis_client, timedelta(days=6))


async def test_delete_forgets(store: ConversationStore) -> None:
    await store.save(ALICE, {"step": 1})
    await store.delete(ALICE)
    assert await store.load(ALICE) is None
    await store.delete(ALICE)


async def test_prefix_separates_stores(redis_client: Redis) -> None:
    await ConversationStore(redis_client, TTL, prefix="a").save(ALICE, {"step": 1})
    assert await ConversationStore(redis_client, TTL, prefix="b").load(ALICE) is None


@pytest.mark.parametrize(
    "raw",
    [b"{not json", b"\xff\xfe", b"[1, 2]", b'"text"', b"null", b"NaN", b"[" * 100_000],
    ids=["broken", "not-utf8", "list", "string", "null", "nan", "deep"],
)
async def test_a_corrupt_value_loads_as_none(
    store: ConversationStore, redis_client: Redis, caplog: pytest.LogCaptureFixture, raw: bytes
) -> None:
    await redis_client.set(ALICE.redis_key("conversation"), raw)
    with caplog.at_level(logging.WARNING):
        assert await store.load(ALICE) is None
    assert "bot:conversation:wechat:***" in caplog.text
    assert ALICE.user_id not in caplog.text  # whose conversation it was stays out of the log


async def test_a_value_of_another_type_loads_as_none_and_is_replaced(
    store: ConversationStore, redis_client: Redis
) -> None:
    await redis_client.rpush(ALICE.redis_key("conversation"), b"x")
    assert await store.load(ALICE) is None
    await store.save(ALICE, {"step": 1})
    assert await store.load(ALICE) == {"step": 1}


async def test_contents_of_a_corrupt_value_are_not_logged(
    store: ConversationStore, redis_client: Redis, caplog: pytest.LogCaptureFixture
) -> None:
    await redis_client.set(ALICE.redis_key("conversation"), b'{"id_card": "450202')
    with caplog.at_level(logging.WARNING):
        assert await store.load(ALICE) is None
    assert "450202" not in caplog.text
