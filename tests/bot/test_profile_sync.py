"""Keeping the Redis copy of residents' preferences complete, from SQL, one worker at a time."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

import pytest
from redis.asyncio import Redis

from bot.profile_sync import fill_mirror, keep_mirror_complete
from bot.profiles import Profile, ProfileStore
from bot.storage.db import create_engine, create_sessionmaker
from bot.storage.keys import UserKey
from bot.storage.profile_mirror import ProfileMirror

PROFILES = {f"o6_{n}": Profile(mode=("voice", "text", "simple")[n % 3], speech_rate=n % 3 - 1) for n in range(5)}


@pytest.fixture
def mirror(real_redis: Redis) -> ProfileMirror:
    return ProfileMirror(real_redis)


async def save_all(store: ProfileStore) -> None:
    for user_ref, profile in PROFILES.items():
        await store.save("wechat", user_ref, profile)


async def copied(mirror: ProfileMirror, redis: Redis, user_ref: str) -> object:
    return mirror.answer(await redis.mget(mirror.reads(UserKey("wechat", user_ref))))


async def test_filling_copies_every_profile_in_batches_and_marks_the_copy_complete(
    profile_store: ProfileStore, mirror: ProfileMirror, real_redis: Redis
) -> None:
    await save_all(profile_store)

    assert await fill_mirror(profile_store, mirror, batch=2) == len(PROFILES)

    assert await mirror.is_complete()
    for user_ref, profile in PROFILES.items():
        assert await copied(mirror, real_redis, user_ref) == profile
    assert await copied(mirror, real_redis, "o6_never_wrote") is None


async def test_filling_keeps_a_copy_newer_than_the_row_it_read(
    profile_store: ProfileStore, mirror: ProfileMirror, real_redis: Redis
) -> None:
    await save_all(profile_store)
    # A save that landed in Redis with a later version than SQL's row as the filler read it.
    await mirror.put(UserKey("wechat", "o6_0"), Profile(mode="simple", speech_rate=2), 99)

    await fill_mirror(profile_store, mirror)

    assert await copied(mirror, real_redis, "o6_0") == Profile(mode="simple", speech_rate=2)


async def test_a_second_filler_stands_back_while_one_is_copying(
    profile_store: ProfileStore, mirror: ProfileMirror
) -> None:
    async with mirror.filling():
        assert await fill_mirror(profile_store, mirror) is None
    assert not await mirror.is_complete()


async def test_the_keeper_copies_again_whenever_the_copy_stops_being_complete(
    profile_store: ProfileStore, mirror: ProfileMirror, real_redis: Redis
) -> None:
    stop = asyncio.Event()
    keeper = asyncio.create_task(keep_mirror_complete(profile_store, mirror, stop, interval=0.05))
    try:
        await _until(mirror.is_complete)
        await save_all(profile_store)  # saved in SQL only: the copy does not know them yet
        await mirror.mark_incomplete()  # as a failed copy write, a daily expiry or a Redis restart does

        await _until(mirror.is_complete)
        assert await copied(mirror, real_redis, "o6_1") == PROFILES["o6_1"]
    finally:
        stop.set()
        await asyncio.wait_for(keeper, 5)


async def test_the_keeper_outlives_a_database_outage(mirror: ProfileMirror, caplog: pytest.LogCaptureFixture) -> None:
    dead_engine = create_engine("postgresql+asyncpg://postgres@127.0.0.1:1/nowhere")
    stop = asyncio.Event()
    keeper = asyncio.create_task(
        keep_mirror_complete(ProfileStore(create_sessionmaker(dead_engine)), mirror, stop, interval=0.05)
    )
    try:
        await _until(lambda: _logged(caplog, "copying resident profiles to Redis failed"), rounds=200)
        await asyncio.sleep(0.2)
        assert not keeper.done()
        assert not await mirror.is_complete()
    finally:
        stop.set()
        await asyncio.wait_for(keeper, 5)
        await dead_engine.dispose()


async def _logged(caplog: pytest.LogCaptureFixture, text: str) -> bool:
    return text in caplog.text


async def _until(condition: Callable[[], Awaitable[bool]], rounds: int = 100) -> None:
    for _ in range(rounds):
        if await condition():
            return
        await asyncio.sleep(0.05)
    raise AssertionError("condition not reached")


async def test_stopping_the_keeper_lets_the_batch_under_way_finish_and_leaves_the_copy_incomplete(
    profile_store: ProfileStore, mirror: ProfileMirror
) -> None:
    await save_all(profile_store)
    stop = asyncio.Event()
    stop.set()

    assert await fill_mirror(profile_store, mirror, batch=2, stop=stop) is None
    await keep_mirror_complete(profile_store, mirror, stop)  # returns at once

    assert not await mirror.is_complete()
