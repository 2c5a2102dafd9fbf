"""Per-person locks: one message at a time for a person, people in parallel, no lock held forever."""

from __future__ import annotations

import asyncio
import logging
import time

import pytest
from redis.asyncio import Redis

from bot.observability import metrics
from bot.storage.keys import UserKey
from bot.storage.locks import LockLost, LockTimeout, UserLocks
from tests.bot.dead_worker import DeadWorker, lock_is_held
from tests.bot.observability.scrape import Scrape

ALICE = UserKey("wechat", "o6_alice")
BOB = UserKey("wechat", "o6_bob")


def _stall_event_loop(seconds: float) -> None:
    """Block the loop, as a CPU-bound stall would: nothing else, renewals included, runs meanwhile."""
    time.sleep(seconds)


async def _visit(locks: UserLocks, key: UserKey, name: str, events: list[str]) -> None:
    async with locks.hold(key):
        events.append(f"enter {name}")
        await asyncio.sleep(0.1)
        events.append(f"exit {name}")


async def test_same_person_runs_one_after_the_other(redis_client: Redis) -> None:
    locks = UserLocks(redis_client)
    events: list[str] = []
    await asyncio.gather(*(_visit(locks, ALICE, name, events) for name in "abc"))
    pairs = [(events[i], events[i + 1]) for i in range(0, len(events), 2)]
    assert sorted(pairs) == [("enter a", "exit a"), ("enter b", "exit b"), ("enter c", "exit c")]


async def test_workers_with_their_own_clients_also_take_turns(redis_client: Redis) -> None:
    # Two UserLocks objects stand for two worker processes sharing the one Redis.
    events: list[str] = []
    await asyncio.gather(
        _visit(UserLocks(redis_client), ALICE, "a", events),
        _visit(UserLocks(redis_client), ALICE, "b", events),
    )
    assert events in (
        ["enter a", "exit a", "enter b", "exit b"],
        ["enter b", "exit b", "enter a", "exit a"],
    )


async def test_different_people_run_at_the_same_time(redis_client: Redis) -> None:
    locks = UserLocks(redis_client)
    events: list[str] = []
    await asyncio.gather(_visit(locks, ALICE, "alice", events), _visit(locks, BOB, "bob", events))
    assert sorted(events[:2]) == ["enter alice", "enter bob"]


async def test_lock_is_released_after_the_block(redis_client: Redis) -> None:
    locks = UserLocks(redis_client, wait=0)
    async with locks.hold(ALICE):
        pass
    async with locks.hold(ALICE):
        pass
    assert await redis_client.exists(ALICE.redis_key("lock")) == 0


async def test_lock_is_released_when_the_block_raises(redis_client: Redis) -> None:
    locks = UserLocks(redis_client, wait=0)
    with pytest.raises(RuntimeError, match="boom"):
        async with locks.hold(ALICE):
            raise RuntimeError("boom")
    async with locks.hold(ALICE):
        pass


async def test_lock_timeout_after_wait(redis_client: Redis) -> None:
    locks = UserLocks(redis_client, wait=0.2)
    async with locks.hold(ALICE):
        started = time.monotonic()
        with pytest.raises(LockTimeout) as caught:
            async with locks.hold(ALICE):
                pytest.fail("took a lock that was held")
        waited = time.monotonic() - started
    assert caught.value.key == ALICE
    assert "o6_alice" not in str(caught.value)
    assert 0.1 <= waited < 1.0


async def test_a_worker_killed_mid_turn_blocks_its_resident_only_for_the_lock_lifetime(
    real_redis: Redis, redis_url: str
) -> None:
    worker = await DeadWorker.start(redis_url, ALICE, lifetime=1.0)
    try:
        await asyncio.sleep(1.5)  # longer than the lifetime: the living holder kept it by renewing
        assert await lock_is_held(real_redis, ALICE)
    finally:
        await worker.kill()
    started = time.monotonic()
    async with UserLocks(real_redis, wait=5).hold(ALICE):
        assert time.monotonic() - started < 1.5


async def test_a_slow_turn_keeps_its_lock_by_renewing_it(redis_client: Redis) -> None:
    locks = UserLocks(redis_client, timeout=0.3)
    async with locks.hold(ALICE) as held:
        held.write("bot:test:slow", b"done", 60)
        await asyncio.sleep(1.0)  # more than three lifetimes
        with pytest.raises(LockTimeout):
            async with UserLocks(redis_client, wait=0.1).hold(ALICE):
                pass
    assert await redis_client.get("bot:test:slow") == b"done"
    assert await redis_client.exists(ALICE.redis_key("lock")) == 0


async def test_a_quick_turn_starts_no_heartbeat_and_a_slow_one_stops_its_heartbeat_when_done(
    redis_client: Redis,
) -> None:
    before = len(asyncio.all_tasks())
    async with UserLocks(redis_client, timeout=0.3).hold(ALICE):
        assert len(asyncio.all_tasks()) == before  # nothing is renewed before a third of the lifetime
    async with UserLocks(redis_client, timeout=0.3).hold(ALICE):
        await asyncio.sleep(0.25)
        assert len(asyncio.all_tasks()) == before + 1  # the heartbeat, renewing
    await asyncio.sleep(0)
    assert len(asyncio.all_tasks()) == before


async def test_lock_expires_when_its_holder_stops_renewing(
    redis_client: Redis, caplog: pytest.LogCaptureFixture
) -> None:
    stalled = UserLocks(redis_client, timeout=0.3).hold(ALICE)
    await stalled.__aenter__()
    ttl_ms = await redis_client.pttl(ALICE.redis_key("lock"))
    assert 0 < ttl_ms <= 300
    _stall_event_loop(0.4)  # the event loop stalls: no renewal can run, and the lock lapses

    started = time.monotonic()
    async with UserLocks(redis_client, wait=2).hold(ALICE):
        assert time.monotonic() - started < 0.5
        # The late holder's exit must not release the lock that is now someone else's.
        with caplog.at_level(logging.WARNING):
            await stalled.__aexit__(None, None, None)
        assert "expired before its holder finished" in caplog.text
        assert await redis_client.exists(ALICE.redis_key("lock")) == 1
    assert await redis_client.exists(ALICE.redis_key("lock")) == 0


def test_bad_settings_are_refused(redis_client: Redis) -> None:
    with pytest.raises(ValueError, match="timeout"):
        UserLocks(redis_client, timeout=0)
    with pytest.raises(ValueError, match="wait"):
        UserLocks(redis_client, wait=-1)


async def test_taking_the_lock_reads_keys_and_letting_go_writes_them_in_the_same_trips(redis_client: Redis) -> None:
    await redis_client.set("bot:test:a", b"first")
    locks = UserLocks(redis_client)

    async with locks.hold(ALICE, reads=["bot:test:a", "bot:test:missing"]) as held:
        assert held.values == [b"first", None]
        held.write("bot:test:a", b"second", 60)

    assert await redis_client.get("bot:test:a") == b"second"
    assert 0 < await redis_client.ttl("bot:test:a") <= 60
    assert await redis_client.exists(ALICE.redis_key("lock")) == 0


async def test_nothing_is_written_when_the_block_fails(redis_client: Redis) -> None:
    locks = UserLocks(redis_client)

    async def failing_turn() -> None:
        async with locks.hold(ALICE) as held:
            held.write("bot:test:b", b"half-done", 60)
            raise RuntimeError("the turn failed")

    with pytest.raises(RuntimeError):
        await failing_turn()

    assert await redis_client.exists("bot:test:b") == 0
    assert await redis_client.exists(ALICE.redis_key("lock")) == 0


async def test_a_holder_that_outlived_its_lock_writes_nothing_over_its_successor(redis_client: Redis) -> None:
    slow = UserLocks(redis_client, timeout=0.2).hold(ALICE)
    held = await slow.__aenter__()
    held.write("bot:test:state", b"stale", 60)
    _stall_event_loop(0.3)  # stalled past the lock's lifetime, renewals included
    async with UserLocks(redis_client).hold(ALICE) as successor:
        successor.write("bot:test:state", b"fresh", 60)

    with pytest.raises(LockLost):
        await slow.__aexit__(None, None, None)
    assert await redis_client.get("bot:test:state") == b"fresh"


# ---------------------------------------------------------------- first come, first served


async def _queued(redis: Redis, count: int) -> None:
    """Until ``count`` waiters are in line for Alice's lock."""
    for _ in range(200):
        if await redis.zcard(ALICE.redis_key("lock-queue")) == count:
            return
        await asyncio.sleep(0.01)
    pytest.fail(f"{count} waiters never queued")


async def test_waiters_take_the_lock_in_the_order_they_came(redis_client: Redis) -> None:
    # A resident's quick messages: the third must not be handled before the second.
    entered: list[int] = []

    async def message(number: int) -> None:
        async with UserLocks(redis_client).hold(ALICE):  # a worker of its own for each
            entered.append(number)

    waiters = []
    async with UserLocks(redis_client).hold(ALICE):
        for number in range(5):
            waiters.append(asyncio.create_task(message(number)))
            await _queued(redis_client, number + 1)
            await asyncio.sleep(0.005)  # arrivals within one millisecond are in no particular order
    await asyncio.gather(*waiters)

    assert entered == [0, 1, 2, 3, 4]
    assert await redis_client.exists(ALICE.redis_key("lock-queue"), ALICE.redis_key("lock-asked")) == 0


async def test_a_waiter_that_gives_up_leaves_the_line_at_once(redis_client: Redis) -> None:
    async with UserLocks(redis_client).hold(ALICE):
        with pytest.raises(LockTimeout):
            async with UserLocks(redis_client, wait=0.1).hold(ALICE):
                pytest.fail("took a lock that was held")
        assert await redis_client.zcard(ALICE.redis_key("lock-queue")) == 0
    async with UserLocks(redis_client, wait=0).hold(ALICE):
        pass  # nobody is in line ahead of a newcomer


async def test_a_cancelled_waiter_leaves_the_line(redis_client: Redis) -> None:
    async with UserLocks(redis_client).hold(ALICE):
        waiter = asyncio.create_task(UserLocks(redis_client).hold(ALICE).__aenter__())
        await _queued(redis_client, 1)
        waiter.cancel()
        with pytest.raises(asyncio.CancelledError):
            await waiter
        assert await redis_client.zcard(ALICE.redis_key("lock-queue")) == 0


async def test_a_waiter_whose_worker_died_loses_its_place(redis_client: Redis) -> None:
    # In line for a second already, and no longer asking: its worker is gone.
    await redis_client.zadd(ALICE.redis_key("lock-queue"), {"dead-worker-token": 1})
    await redis_client.hset(ALICE.redis_key("lock-asked"), "dead-worker-token", 1)

    async with UserLocks(redis_client, wait=0).hold(ALICE):
        pass
    assert await redis_client.zcard(ALICE.redis_key("lock-queue")) == 0


async def test_a_waiter_still_asking_keeps_its_place_ahead_of_a_newcomer(redis_client: Redis) -> None:
    now_ms = int(time.time() * 1000)
    # In line since 10 ms ago (waiters arriving in the same millisecond are in no particular order).
    await redis_client.zadd(ALICE.redis_key("lock-queue"), {"live-worker-token": now_ms - 10})
    await redis_client.hset(ALICE.redis_key("lock-asked"), "live-worker-token", now_ms + 60_000)

    with pytest.raises(LockTimeout):
        async with UserLocks(redis_client, wait=0.1).hold(ALICE):
            pytest.fail("went ahead of a waiter in line")


async def test_waits_and_timeouts_are_counted_in_the_metrics(redis_client: Redis) -> None:
    metrics.set_enabled(True)
    before = Scrape(metrics.exposition().decode())
    locks = UserLocks(redis_client, wait=0.2)

    async with locks.hold(ALICE):
        with pytest.raises(LockTimeout):
            async with locks.hold(ALICE):
                pytest.fail("took a lock that was held")

    after = Scrape(metrics.exposition().decode())
    assert after.value("bot_lock_timeouts_total") - before.value("bot_lock_timeouts_total") == 1
    assert after.value("bot_lock_wait_seconds_count") - before.value("bot_lock_wait_seconds_count") == 1
    assert "o6_alice" not in after.text


async def test_the_lock_is_let_go_even_when_the_block_ends_just_as_a_renewal_completes(real_redis: Redis) -> None:
    # Python 3.11's asyncio.wait_for swallows a cancellation that arrives once the awaited call has
    # finished but before wait_for resumes: a heartbeat relying on cancel() alone then renews forever,
    # and the turn (and the shutdown waiting for it) never ends. The block below ends exactly then.
    locks = UserLocks(real_redis, timeout=0.3)
    renewal_done = asyncio.Event()
    real_renew = locks._renew

    async def renew_and_tell(*args: object, **kwargs: object) -> object:
        result = await real_renew(*args, **kwargs)  # type: ignore[arg-type]
        renewal_done.set()
        return result

    locks._renew = renew_and_tell  # type: ignore[assignment]

    async def turn() -> None:
        async with locks.hold(ALICE):
            await renewal_done.wait()

    started = time.monotonic()
    async with asyncio.timeout(10):
        await turn()
    assert time.monotonic() - started < 2  # one renewal (0.1 s), not a heartbeat that never stops
    assert not await real_redis.exists(ALICE.redis_key("lock", "bot"))


async def test_a_cancelled_turn_stays_cancelled_while_its_lock_is_let_go(redis_client: Redis) -> None:
    locks = UserLocks(redis_client)
    entered = asyncio.Event()

    async def turn() -> None:
        async with locks.hold(ALICE):
            entered.set()
            await asyncio.sleep(30)

    task = asyncio.create_task(turn())
    await entered.wait()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    async with asyncio.timeout(5), locks.hold(ALICE):  # let go at once
        pass
