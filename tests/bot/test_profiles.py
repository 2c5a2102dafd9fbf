"""A resident's preferences are remembered per channel and user, and replaced when saved again."""

from __future__ import annotations

import pytest

from bot.cases.errors import InvalidRequest
from bot.profiles import Profile, ProfileStore


async def test_an_unknown_resident_has_no_profile(profile_store: ProfileStore) -> None:
    assert await profile_store.get("wechat", "o6_new") is None


async def test_a_saved_profile_is_returned(profile_store: ProfileStore) -> None:
    await profile_store.save("wechat", "o6_a", Profile(mode="voice", speech_rate=-1))
    assert await profile_store.get("wechat", "o6_a") == Profile(mode="voice", speech_rate=-1)


async def test_saving_again_replaces_the_profile(profile_store: ProfileStore) -> None:
    await profile_store.save("wechat", "o6_a", Profile(mode="voice", speech_rate=-1))
    await profile_store.save("wechat", "o6_a", Profile(mode="simple", speech_rate=2))
    assert await profile_store.get("wechat", "o6_a") == Profile(mode="simple", speech_rate=2)


async def test_profiles_are_kept_apart_by_channel_and_user(profile_store: ProfileStore) -> None:
    await profile_store.save("wechat", "o6_a", Profile(mode="voice", speech_rate=1))
    await profile_store.save("cli", "o6_a", Profile(mode="text", speech_rate=0))
    assert await profile_store.get("wechat", "o6_a") == Profile(mode="voice", speech_rate=1)
    assert await profile_store.get("cli", "o6_a") == Profile(mode="text", speech_rate=0)
    assert await profile_store.get("wechat", "o6_b") is None


@pytest.mark.parametrize("profile", [Profile(mode="braille"), Profile(speech_rate=3), Profile(speech_rate=-3)])
async def test_invalid_profiles_are_refused(profile_store: ProfileStore, profile: Profile) -> None:
    with pytest.raises(InvalidRequest):
        await profile_store.save("wechat", "o6_a", profile)
    assert await profile_store.get("wechat", "o6_a") is None


@pytest.mark.parametrize(("channel", "user_ref"), [("", "o6_a"), ("wechat", "u" * 129), ("wechat", "o6\x00")])
async def test_invalid_residents_are_refused(profile_store: ProfileStore, channel: str, user_ref: str) -> None:
    with pytest.raises(InvalidRequest):
        await profile_store.save(channel, user_ref, Profile())
