"""``BOT_SPEECH_BACKEND``: the in-process pool by default; the speech workers' stream only with Redis."""

from __future__ import annotations

import pytest

from bot.config import SettingsError, load_settings


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("BOT_SPEECH_BACKEND", "BOT_REDIS_URL"):
        monkeypatch.delenv(name, raising=False)


def test_speech_is_in_process_unless_configured() -> None:
    assert load_settings().speech_backend == "pool"


def test_the_stream_needs_redis(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BOT_SPEECH_BACKEND", "stream")
    with pytest.raises(SettingsError, match=r"^BOT_SPEECH_BACKEND: stream needs BOT_REDIS_URL"):
        load_settings()

    monkeypatch.setenv("BOT_REDIS_URL", "redis://127.0.0.1:6379/0")
    assert load_settings().speech_backend == "stream"


def test_an_unknown_speech_backend_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BOT_SPEECH_BACKEND", "queue")
    with pytest.raises(SettingsError, match=r"^BOT_SPEECH_BACKEND: Input should be 'pool' or 'stream'$"):
        load_settings()
