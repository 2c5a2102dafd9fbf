"""A push's arrival in one round trip: the first delivery opens the window, a retry changes nothing,
a reused plaintext signature with another body is refused before anything is recorded."""

from __future__ import annotations

import pytest
from redis.asyncio import Redis

from bot.channels.wechat.arrival import Arrival, Arrivals, Signed
from bot.channels.wechat.window import MESSAGE_GRANT, ContactWindow

OPENID = "o6_arrival"
NOW = 1_700_000_000.0


@pytest.fixture
def window(real_redis: Redis) -> ContactWindow:
    return ContactWindow(real_redis)


@pytest.fixture
def arrivals(real_redis: Redis, window: ContactWindow) -> Arrivals:
    return Arrivals(real_redis, window)


async def test_the_first_delivery_opens_the_window_and_a_retry_grants_nothing_more(
    arrivals: Arrivals, window: ContactWindow
) -> None:
    first = await arrivals.record(OPENID, "msg-1", "message", NOW, None)
    await window.reserve(OPENID, 2, NOW)
    retry = await arrivals.record(OPENID, "msg-1", "message", NOW + 1, None)

    assert first == Arrival(first=True, answered_late=False, forged=False)
    assert retry == Arrival(first=False, answered_late=False, forged=False)
    assert (await window.status(OPENID, NOW + 1)).remaining == MESSAGE_GRANT - 2


async def test_a_message_answered_late_is_known_to_its_retries(arrivals: Arrivals) -> None:
    await arrivals.record(OPENID, "msg-1", "message", NOW, None)
    await arrivals.answered_late(OPENID, "msg-1")

    retry = await arrivals.record(OPENID, "msg-1", "message", NOW + 1, None)
    other = await arrivals.record(OPENID, "msg-2", "message", NOW + 1, None)

    assert retry.answered_late
    assert not other.answered_late


async def test_a_plaintext_signature_may_come_again_only_with_the_same_body(
    arrivals: Arrivals, window: ContactWindow
) -> None:
    genuine = Signed("a" * 40, "123", b"<xml>genuine</xml>")
    first = await arrivals.record(OPENID, "msg-1", "message", NOW, genuine)
    platform_retry = await arrivals.record(OPENID, "msg-1", "message", NOW + 1, genuine)
    forged = await arrivals.record(
        "o6_victim", "msg-9", "message", NOW + 2, Signed(genuine.signature, genuine.nonce, b"<xml>forged</xml>")
    )

    assert not first.forged
    assert not platform_retry.forged
    assert forged == Arrival(first=False, answered_late=False, forged=True)
    # Refused before anything was recorded: no window opened, the message id is still unseen.
    assert not (await window.status("o6_victim", NOW + 2)).can_send
    assert (await arrivals.record("o6_victim", "msg-9", "message", NOW + 3, None)).first


async def test_an_event_without_a_grant_records_the_delivery_only(arrivals: Arrivals, window: ContactWindow) -> None:
    arrival = await arrivals.record(OPENID, "o6_arrival:1700000000:view", "none", NOW, None)

    assert arrival.first
    assert not (await window.status(OPENID, NOW)).can_send


async def test_a_key_asked_for_is_read_in_the_same_round_trip_with_or_without_a_signature(
    arrivals: Arrivals, real_redis: Redis
) -> None:
    await real_redis.set("bot:replies-waiting:wechat:o6_waiting", b"3")
    signed = Signed("b" * 40, "456", b"<xml>hello</xml>")

    waiting = await arrivals.record(
        "o6_waiting", "msg-1", "message", NOW, signed, peek="bot:replies-waiting:wechat:o6_waiting"
    )
    unsigned = await arrivals.record(
        "o6_waiting", "msg-2", "message", NOW, None, peek="bot:replies-waiting:wechat:o6_waiting"
    )
    nothing = await arrivals.record(
        OPENID, "msg-1", "message", NOW, Signed("c" * 40, "1", b"x"), peek="bot:replies-waiting:wechat:o6_nobody"
    )
    not_asked = await arrivals.record(OPENID, "msg-2", "message", NOW, None)

    assert waiting == Arrival(first=True, answered_late=False, forged=False, peeked=b"3")
    assert unsigned.peeked == b"3"
    assert unsigned.first
    assert nothing.peeked is None
    assert not nothing.forged
    assert not_asked.peeked is None
