"""The Redis copy of residents' preferences: the newest version wins, and a missing entry means
"no profile" only while the copy is complete."""

from __future__ import annotations

import pytest
from redis.asyncio import Redis

from bot.profiles import Profile
from bot.storage.keys import UserKey
from bot.storage.profile_mirror import UNKNOWN, ProfileMirror, decode, encode

RESIDENT = UserKey("wechat", "o6_resident")


@pytest.fixture
def mirror(real_redis: Redis) -> ProfileMirror:
    return ProfileMirror(real_redis)


async def said(mirror: ProfileMirror, redis: Redis, key: UserKey = RESIDENT) -> object:
    return mirror.answer(await redis.mget(mirror.reads(key)))


@pytest.mark.parametrize(
    "profile", [Profile(), Profile(mode="voice", speech_rate=-2), Profile(mode="simple", speech_rate=2)]
)
def test_an_entry_reads_back_as_the_profile_it_holds(profile: Profile) -> None:
    assert decode(encode(profile, 7)) == profile


def test_the_none_entry_reads_back_as_no_profile() -> None:
    assert encode(None, 0) == b"0|"
    assert decode(b"0|") is None


@pytest.mark.parametrize("raw", [b"", b"garbage", b"3|voice", b"3|voice|fast", b"3|voice|1|extra", b"\xff\xfe"])
def test_a_damaged_entry_is_unknown_so_sql_is_asked(raw: bytes) -> None:
    assert decode(raw) is UNKNOWN


async def test_a_newer_version_replaces_an_older_one_and_not_the_other_way(
    mirror: ProfileMirror, real_redis: Redis
) -> None:
    assert await mirror.put(RESIDENT, Profile(mode="voice"), 2)
    assert not await mirror.put(RESIDENT, Profile(mode="simple"), 1)  # a slow copier with an old row
    assert not await mirror.put(RESIDENT, Profile(mode="simple"), 2)
    assert await said(mirror, real_redis) == Profile(mode="voice")

    assert await mirror.put(RESIDENT, Profile(mode="text", speech_rate=1), 3)
    assert await said(mirror, real_redis) == Profile(mode="text", speech_rate=1)


async def test_no_profile_is_written_only_where_there_is_no_entry(mirror: ProfileMirror, real_redis: Redis) -> None:
    assert await mirror.put(RESIDENT, None, 0)
    assert await said(mirror, real_redis) is None

    assert await mirror.put(RESIDENT, Profile(mode="voice"), 1)  # the first save replaces "none"
    assert not await mirror.put(RESIDENT, None, 0)
    assert await said(mirror, real_redis) == Profile(mode="voice")


async def test_a_missing_entry_is_unknown_until_the_copy_is_complete(mirror: ProfileMirror, real_redis: Redis) -> None:
    assert await said(mirror, real_redis) is UNKNOWN
    assert not await mirror.is_complete()

    await mirror.mark_complete()
    assert await said(mirror, real_redis) is None
    assert 0 < await real_redis.ttl(mirror.complete_key) <= 24 * 3600  # a full copy runs again daily

    await mirror.mark_incomplete()
    assert await said(mirror, real_redis) is UNKNOWN


async def test_many_entries_are_copied_in_one_batch_with_the_same_version_rule(
    mirror: ProfileMirror, real_redis: Redis
) -> None:
    other = UserKey("wechat", "o6_other")
    await mirror.put(RESIDENT, Profile(mode="voice"), 5)
    await mirror.load()

    await mirror.put_many([(RESIDENT, Profile(mode="simple"), 4), (other, Profile(mode="simple", speech_rate=1), 1)])

    assert await said(mirror, real_redis) == Profile(mode="voice")
    assert await said(mirror, real_redis, other) == Profile(mode="simple", speech_rate=1)


async def test_only_one_worker_at_a_time_makes_the_full_copy(mirror: ProfileMirror, real_redis: Redis) -> None:
    async with mirror.filling() as first, mirror.filling() as second:
        assert (first, second) == (True, False)
    async with mirror.filling() as later:
        assert later


async def test_letting_go_of_the_fill_leaves_another_workers_claim_alone(
    mirror: ProfileMirror, real_redis: Redis
) -> None:
    async with mirror.filling() as mine:
        assert mine
        # Ours expired while we copied, and another worker claimed the fill.
        await real_redis.set(mirror.fill_lock_key, b"someone-else", ex=60)

    assert await real_redis.get(mirror.fill_lock_key) == b"someone-else"
