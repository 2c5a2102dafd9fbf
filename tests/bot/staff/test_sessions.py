from __future__ import annotations

import asyncio
import hashlib
import secrets
from datetime import timedelta

from redis.asyncio import Redis

from bot.staff.sessions import LoginThrottle, StaffSessions


def _prefix(name: str) -> str:
    """A fresh key prefix, so runs against a shared Redis never see each other's keys."""
    return f"{name}-{secrets.token_hex(4)}"


async def test_create_then_resolve_gives_the_user_id(redis_client: Redis) -> None:
    sessions = StaffSessions(redis_client, timedelta(minutes=5), prefix=_prefix("test-sessions"))
    token = await sessions.create(42)
    assert await sessions.resolve(token) == 42


async def test_only_the_token_hash_is_stored(redis_client: Redis) -> None:
    prefix = _prefix("test-hash")
    sessions = StaffSessions(redis_client, timedelta(minutes=5), prefix=prefix)
    token = await sessions.create(7)
    keys = [key.decode() if isinstance(key, bytes) else key async for key in redis_client.scan_iter(f"{prefix}:*")]
    assert keys == [f"{prefix}:staff-session:{hashlib.sha256(token.encode()).hexdigest()}"]
    assert token not in keys[0]


async def test_tokens_are_random_and_long(redis_client: Redis) -> None:
    sessions = StaffSessions(redis_client, timedelta(minutes=5), prefix=_prefix("test-random"))
    first, second = await sessions.create(1), await sessions.create(1)
    assert first != second
    assert len(first) >= 43


async def test_unknown_empty_and_oversized_tokens_resolve_to_none(redis_client: Redis) -> None:
    sessions = StaffSessions(redis_client, timedelta(minutes=5), prefix=_prefix("test-unknown"))
    assert await sessions.resolve("nope") is None
    assert await sessions.resolve("") is None
    assert await sessions.resolve("x" * 10_000) is None


async def test_revoke_ends_the_session(redis_client: Redis) -> None:
    sessions = StaffSessions(redis_client, timedelta(minutes=5), prefix=_prefix("test-revoke"))
    token = await sessions.create(3)
    await sessions.revoke(token)
    assert await sessions.resolve(token) is None


async def test_sessions_expire(redis_client: Redis) -> None:
    sessions = StaffSessions(redis_client, timedelta(milliseconds=150), prefix=_prefix("test-expire"))
    token = await sessions.create(5)
    await asyncio.sleep(0.3)
    assert await sessions.resolve(token) is None


async def test_use_slides_the_expiry(redis_client: Redis) -> None:
    sessions = StaffSessions(redis_client, timedelta(milliseconds=600), prefix=_prefix("test-slide"))
    token = await sessions.create(9)
    for _ in range(4):
        await asyncio.sleep(0.25)
        assert await sessions.resolve(token) == 9


async def test_use_does_not_slide_past_the_absolute_end(redis_client: Redis) -> None:
    sessions = StaffSessions(
        redis_client, timedelta(milliseconds=400), prefix=_prefix("test-absolute"), max_age=timedelta(milliseconds=700)
    )
    token = await sessions.create(9)
    assert await sessions.resolve(token) == 9
    await asyncio.sleep(0.3)
    assert await sessions.resolve(token) == 9
    await asyncio.sleep(0.3)
    assert await sessions.resolve(token) == 9
    await asyncio.sleep(0.3)  # used every 0.3 s, within the idle limit, but 0.9 s after login
    assert await sessions.resolve(token) is None


async def test_a_session_stored_without_an_end_counts_as_ended(redis_client: Redis) -> None:
    prefix = _prefix("test-old-format")
    sessions = StaffSessions(redis_client, timedelta(minutes=5), prefix=prefix)
    token = "t" * 43
    await redis_client.set(f"{prefix}:staff-session:{hashlib.sha256(token.encode()).hexdigest()}", "7")
    assert await sessions.resolve(token) is None


async def test_throttle_locks_a_username_and_address_pair_after_its_failures(redis_client: Redis) -> None:
    throttle = LoginThrottle(redis_client, per_pair=3, prefix=_prefix("test-throttle-pair"))
    for _ in range(3):
        assert await throttle.blocked_for("alice", "10.0.0.1") is None
        await throttle.record_failure("alice", "10.0.0.1")
    wait = await throttle.blocked_for("alice", "10.0.0.1")
    assert wait is not None
    assert timedelta(0) < wait <= throttle.window
    assert await throttle.blocked_for("bob", "10.0.0.1") is None


async def test_no_address_can_lock_a_username_out_for_others(redis_client: Redis) -> None:
    throttle = LoginThrottle(redis_client, per_pair=3, per_username=100, prefix=_prefix("test-throttle-lockout"))
    for _ in range(20):
        await throttle.record_failure("alice", "203.0.113.66")
    assert await throttle.blocked_for("alice", "203.0.113.66") is not None
    assert await throttle.blocked_for("alice", "10.0.0.7") is None
    assert await throttle.delay_for("alice") == timedelta(0)


async def test_many_failures_on_one_name_from_many_addresses_slow_it_down_without_locking(
    redis_client: Redis,
) -> None:
    throttle = LoginThrottle(
        redis_client,
        per_pair=3,
        per_username=4,
        slow_step=timedelta(seconds=2),
        max_delay=timedelta(seconds=5),
        prefix=_prefix("test-throttle-slow"),
    )
    delays = []
    for n in range(7):
        delays.append(await throttle.delay_for("alice"))
        await throttle.record_failure("alice", f"10.0.0.{n}")
    seconds = [delay.total_seconds() for delay in delays]
    assert seconds == [0, 0, 0, 0, 2, 4, 5]
    assert await throttle.blocked_for("alice", "10.0.0.99") is None
    assert await throttle.delay_for("bob") == timedelta(0)


async def test_throttle_blocks_after_max_failures_per_address(redis_client: Redis) -> None:
    throttle = LoginThrottle(redis_client, per_address=3, prefix=_prefix("test-throttle-remote"))
    for username in ("a", "b", "c"):
        await throttle.record_failure(username, "10.0.0.1")
    assert await throttle.blocked_for("d", "10.0.0.1") is not None
    assert await throttle.blocked_for("d", "10.0.0.2") is None


async def test_throttle_window_ends(redis_client: Redis) -> None:
    throttle = LoginThrottle(
        redis_client,
        per_pair=1,
        per_address=1,
        window=timedelta(milliseconds=150),
        prefix=_prefix("test-throttle-window"),
    )
    await throttle.record_failure("alice", "10.0.0.1")
    assert await throttle.blocked_for("alice", "10.0.0.1") is not None
    await asyncio.sleep(0.3)
    assert await throttle.blocked_for("alice", "10.0.0.1") is None


async def test_a_good_login_clears_the_names_counts_and_keeps_the_address_count(redis_client: Redis) -> None:
    throttle = LoginThrottle(
        redis_client, per_pair=1, per_address=1, per_username=1, prefix=_prefix("test-throttle-clear")
    )
    await throttle.record_failure("alice", "10.0.0.1")
    assert await throttle.delay_for("alice") > timedelta(0)
    await throttle.clear("alice", "10.0.0.1")
    assert await throttle.delay_for("alice") == timedelta(0)
    assert await throttle.blocked_for("alice", "10.0.0.2") is None
    assert await throttle.blocked_for("bob", "10.0.0.1") is not None
