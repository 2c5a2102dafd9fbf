"""The sound of a voice message waits in memory for its own turn only: taken once, bounded, short-lived."""

from __future__ import annotations

from bot.voice_clips import KEEP_SECONDS, MAX_CLIP_BYTES, MAX_CLIPS, RecentVoices


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_a_clip_is_taken_once_by_its_message_id() -> None:
    voices = RecentVoices()
    voices.keep("msg-1", b"#!AMR\n...", "amr")

    clip = voices.take("msg-1")

    assert clip is not None
    assert (clip.data, clip.format) == (b"#!AMR\n...", "amr")
    assert voices.take("msg-1") is None
    assert voices.take("msg-2") is None


def test_old_clips_and_the_oldest_beyond_the_bound_are_dropped() -> None:
    clock = Clock()
    voices = RecentVoices(clock)
    voices.keep("old", b"x", "amr")
    clock.now += KEEP_SECONDS + 1
    for n in range(MAX_CLIPS + 1):
        voices.keep(f"m{n}", b"x", "amr")

    assert voices.take("old") is None
    assert voices.take("m0") is None
    assert voices.take(f"m{MAX_CLIPS}") is not None


def test_empty_or_oversized_audio_is_not_kept() -> None:
    voices = RecentVoices()
    voices.keep("empty", b"", "amr")
    voices.keep("huge", b"x" * (MAX_CLIP_BYTES + 1), "amr")

    assert voices.take("empty") is None
    assert voices.take("huge") is None
