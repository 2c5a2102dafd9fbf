"""Resent messages: claimed once, and their first outcome replayed."""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta

import pytest
from redis.asyncio import Redis

from bot.storage.dedup import MessageDedup
from bot.storage.keys import UserKey

ALICE = UserKey("wechat", "o6_alice")
BOB = UserKey("wechat", "o6_bob")


async def test_claim_is_true_once_across_concurrent_callers(redis_client: Redis) -> None:
    dedup = MessageDedup(redis_client)
    results = await asyncio.gather(*(dedup.claim(ALICE, "msg-1") for _ in range(50)))
    assert results.count(True) == 1
    assert await dedup.claim(ALICE, "msg-2")
    assert await dedup.claim(BOB, "msg-1")


async def test_claim_expires_with_the_ttl(redis_client: Redis) -> None:
    dedup = MessageDedup(redis_client, ttl=timedelta(minutes=5))
    await dedup.claim(ALICE, "msg-1")
    ttl = await redis_client.ttl(f"{ALICE.redis_key('claim')}:msg-1")
    assert 0 < ttl <= 300


async def test_recall_returns_what_remember_stored(redis_client: Redis) -> None:
    dedup = MessageDedup(redis_client)
    outcome = {"replies": [{"type": "text", "text": "已收到您的申请。"}]}
    assert await dedup.recall(ALICE, "msg-1") is None
    await dedup.remember(ALICE, "msg-1", outcome)
    assert await dedup.recall(ALICE, "msg-1") == outcome
    assert await dedup.recall(ALICE, "msg-2") is None
    assert await dedup.recall(BOB, "msg-1") is None


async def test_remember_sets_the_ttl(redis_client: Redis) -> None:
    await MessageDedup(redis_client).remember(ALICE, "msg-1", {"replies": []})
    ttl = await redis_client.ttl(f"{ALICE.redis_key('outcome')}:msg-1")
    assert 3500 < ttl <= 3600


async def test_claim_and_remember_do_not_collide(redis_client: Redis) -> None:
    dedup = MessageDedup(redis_client)
    assert await dedup.claim(ALICE, "msg-1")
    assert await dedup.recall(ALICE, "msg-1") is None


async def test_a_corrupt_outcome_is_recalled_as_none(redis_client: Redis, caplog: pytest.LogCaptureFixture) -> None:
    await redis_client.set(f"{ALICE.redis_key('outcome')}:msg-1", b'["450202"]')
    with caplog.at_level(logging.WARNING):
        assert await MessageDedup(redis_client).recall(ALICE, "msg-1") is None
    assert "450202" not in caplog.text


def test_a_ttl_under_a_second_is_refused(redis_client: Redis) -> None:
    with pytest.raises(ValueError, match="at least one second"):
        MessageDedup(redis_client, ttl=timedelta(0))
