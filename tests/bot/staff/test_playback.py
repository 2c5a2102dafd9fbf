"""The MP3s of recently played voice messages, kept in memory within a byte and a count bound."""

from __future__ import annotations

from bot.staff.playback import PlayableCache


def test_a_played_message_is_found_again_by_case_and_message() -> None:
    cache = PlayableCache()
    cache.put(1, 10, b"mp3")
    assert cache.get(1, 10) == b"mp3"
    assert cache.get(1, 11) is None
    assert cache.get(2, 10) is None


def test_the_least_recently_played_goes_first_when_the_bytes_run_out() -> None:
    cache = PlayableCache(max_bytes=10)
    cache.put(1, 1, b"aaaa")
    cache.put(1, 2, b"bbbb")
    assert cache.get(1, 1) == b"aaaa"  # played again: now the most recent
    cache.put(1, 3, b"cccc")
    assert cache.get(1, 2) is None
    assert (cache.get(1, 1), cache.get(1, 3)) == (b"aaaa", b"cccc")
    assert cache.size == 8


def test_the_count_is_bounded_too_and_a_clip_larger_than_the_whole_cache_is_not_kept() -> None:
    cache = PlayableCache(max_bytes=100, max_items=2)
    for n in range(5):
        cache.put(1, n, b"x")
    assert [cache.get(1, n) for n in range(5)] == [None, None, None, b"x", b"x"]
    cache.put(2, 1, b"y" * 101)
    assert cache.get(2, 1) is None


def test_an_erased_message_is_forgotten() -> None:
    cache = PlayableCache()
    cache.put(1, 1, b"mp3")
    cache.forget(1, 1)
    assert cache.get(1, 1) is None
    assert cache.size == 0
