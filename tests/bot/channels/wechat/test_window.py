"""The customer-service window: 5 messages for 48 h per user message, 3 for 60 s per follow or click."""

from __future__ import annotations

import asyncio

import pytest
from fakeredis import FakeServer
from hypothesis import given, settings
from hypothesis import strategies as st
from redis.asyncio import Redis

from bot.channels.wechat.simulator.reach import PlatformWindows
from bot.channels.wechat.window import ContactWindow, Reach
from bot.storage.redis import create_embedded_redis

ALICE = "o6_alice"
T0 = 1_714_037_059.0
HOUR = 3600.0


@pytest.fixture
def window(redis_client: Redis) -> ContactWindow:
    return ContactWindow(redis_client)


async def test_nobody_can_be_reached_before_they_interact(window: ContactWindow) -> None:
    assert await window.status(ALICE, T0) == Reach(can_send=False, remaining=0, closes_at=None)
    assert await window.reserve(ALICE, 1, T0) == 0


async def test_user_message_grants_five_messages_for_48_hours(window: ContactWindow) -> None:
    await window.opened_by_message(ALICE, T0)
    assert await window.status(ALICE, T0 + HOUR) == Reach(can_send=True, remaining=5, closes_at=T0 + 48 * HOUR)
    assert await window.reserve(ALICE, 2, T0) == 2
    assert await window.reserve(ALICE, 9, T0) == 3
    assert await window.reserve(ALICE, 1, T0) == 0
    assert await window.status(ALICE, T0) == Reach(can_send=False, remaining=0, closes_at=T0 + 48 * HOUR)


async def test_window_closes_48_hours_after_the_user_message(window: ContactWindow) -> None:
    await window.opened_by_message(ALICE, T0)
    assert await window.reserve(ALICE, 1, T0 + 48 * HOUR - 1) == 1
    assert await window.reserve(ALICE, 1, T0 + 48 * HOUR) == 0
    assert (await window.status(ALICE, T0 + 48 * HOUR)).closes_at is None


async def test_new_user_message_resets_the_budget_to_five_without_adding_up(window: ContactWindow) -> None:
    await window.opened_by_message(ALICE, T0)
    await window.reserve(ALICE, 4, T0)
    await window.opened_by_message(ALICE, T0 + HOUR)
    assert await window.status(ALICE, T0 + HOUR) == Reach(True, 5, T0 + 49 * HOUR)
    await window.opened_by_message(ALICE, T0 + 2 * HOUR)
    assert (await window.status(ALICE, T0 + 2 * HOUR)).remaining == 5


async def test_follow_or_click_grants_three_messages_for_60_seconds(window: ContactWindow) -> None:
    await window.opened_by_event(ALICE, T0)
    assert await window.status(ALICE, T0) == Reach(True, 3, T0 + 60)
    assert await window.reserve(ALICE, 5, T0 + 59) == 3
    await window.opened_by_event(ALICE, T0 + 100)
    assert await window.reserve(ALICE, 1, T0 + 160) == 0


async def test_event_does_not_shrink_a_larger_user_message_budget(window: ContactWindow) -> None:
    await window.opened_by_message(ALICE, T0)
    await window.opened_by_event(ALICE, T0 + 10)
    assert await window.status(ALICE, T0 + 10) == Reach(True, 5, T0 + 48 * HOUR)


async def test_event_tops_a_used_up_budget_up_to_three_and_keeps_the_later_end(window: ContactWindow) -> None:
    await window.opened_by_message(ALICE, T0)
    await window.reserve(ALICE, 4, T0)
    await window.opened_by_event(ALICE, T0 + HOUR)
    assert await window.status(ALICE, T0 + HOUR) == Reach(True, 3, T0 + 48 * HOUR)


async def test_given_back_messages_can_be_reserved_again_up_to_the_grant(window: ContactWindow) -> None:
    await window.opened_by_message(ALICE, T0)
    assert await window.reserve(ALICE, 3, T0) == 3
    await window.give_back(ALICE, 2, T0)
    assert (await window.status(ALICE, T0)).remaining == 4
    await window.give_back(ALICE, 10, T0)
    assert (await window.status(ALICE, T0)).remaining == 5


async def test_give_back_after_the_window_closed_changes_nothing(window: ContactWindow) -> None:
    await window.opened_by_message(ALICE, T0)
    await window.reserve(ALICE, 2, T0)
    await window.close(ALICE)
    await window.give_back(ALICE, 2, T0)
    assert await window.reserve(ALICE, 1, T0) == 0


async def test_the_grant_end_is_known_after_wechat_closed_it_so_staff_are_told_quota_not_48_hours(
    window: ContactWindow,
) -> None:
    assert await window.grant_ends(ALICE) is None
    await window.opened_by_message(ALICE, T0)
    await window.close(ALICE)
    assert await window.grant_ends(ALICE) == T0 + 48 * HOUR


async def test_close_stops_sending_until_the_next_user_message(window: ContactWindow) -> None:
    await window.opened_by_message(ALICE, T0)
    await window.close(ALICE)
    assert await window.status(ALICE, T0) == Reach(can_send=False, remaining=0, closes_at=None)
    assert await window.reserve(ALICE, 1, T0 + 1) == 0
    await window.opened_by_message(ALICE, T0 + 2)
    assert await window.reserve(ALICE, 1, T0 + 2) == 1


async def test_follow_after_close_grants_a_fresh_three_for_60_seconds(window: ContactWindow) -> None:
    # An unfollow makes WeChat answer 45015; following again opens a new, short window.
    await window.opened_by_message(ALICE, T0)
    await window.close(ALICE)
    await window.opened_by_event(ALICE, T0 + HOUR)
    assert await window.status(ALICE, T0 + HOUR) == Reach(True, 3, T0 + HOUR + 60)


async def test_fifty_concurrent_reservations_never_get_more_than_five(window: ContactWindow) -> None:
    await window.opened_by_message(ALICE, T0)
    granted = await asyncio.gather(*(window.reserve(ALICE, 1, T0) for _ in range(50)))
    assert sum(granted) == 5


async def test_concurrent_reserves_and_give_backs_keep_the_books_balanced(window: ContactWindow) -> None:
    await window.opened_by_message(ALICE, T0)

    async def send_or_fail(fails: bool) -> int:
        got = await window.reserve(ALICE, 2, T0)
        if fails:
            await window.give_back(ALICE, got, T0)
            return 0
        return got

    kept = await asyncio.gather(*(send_or_fail(i % 2 == 0) for i in range(50)))
    assert sum(kept) + (await window.status(ALICE, T0)).remaining == 5


async def test_people_have_separate_windows(window: ContactWindow) -> None:
    await window.opened_by_message(ALICE, T0)
    assert await window.reserve("o6_bob", 1, T0) == 0
    assert await window.reserve(ALICE, 1, T0) == 1


async def test_window_key_lives_a_little_past_48_hours(window: ContactWindow, redis_client: Redis) -> None:
    await window.opened_by_message(ALICE, T0)
    ttl = await redis_client.ttl(f"bot:wechat:window:{ALICE}")
    assert 48 * HOUR < ttl <= 50 * HOUR


async def test_negative_counts_are_refused(window: ContactWindow) -> None:
    with pytest.raises(ValueError, match="wanted"):
        await window.reserve(ALICE, -1, T0)
    with pytest.raises(ValueError, match="count"):
        await window.give_back(ALICE, -1, T0)


_STEPS = st.lists(
    st.one_of(
        st.just(("message", 0.0)),
        st.just(("event", 0.0)),
        st.just(("send", 0.0)),
        st.tuples(st.just("wait"), st.sampled_from([1.0, 30.0, 61.0, HOUR, 47 * HOUR])),
    ),
    max_size=40,
)


@settings(max_examples=60, deadline=None)
@given(steps=_STEPS)
async def test_window_agrees_with_the_simulated_platform(steps: list[tuple[str, float]]) -> None:
    """Whatever the sequence of interactions, ContactWindow allows a send exactly when the platform accepts it."""
    redis = create_embedded_redis(FakeServer())
    window, platform, now = ContactWindow(redis), PlatformWindows(), T0
    try:
        for step, seconds in steps:
            if step == "message":
                await window.opened_by_message(ALICE, now)
                platform.user_message(ALICE, now)
            elif step == "event":
                await window.opened_by_event(ALICE, now)
                platform.followed(ALICE, now)
            elif step == "send":
                granted = await window.reserve(ALICE, 1, now)
                assert granted == (1 if platform.take(ALICE, now) == 0 else 0)
            else:
                now += seconds
    finally:
        await redis.aclose()
