"""Voice in the web chat in a real browser: Chromium's fake microphone plays a spoken WAV file, the
resident starts and stops recording with the Space key, the recording is recognised on the server (a
stand-in recogniser checks it got real decoded audio), and the spoken answer appears as playable audio.
Its own module: the fake microphone is a launch option, so this browser is not the other module's.
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from bot.channels.web import WEB_CHAT
from tests.bot.channels.web.test_browser import LiveService, entries, new_page
from tests.bot.channels.wechat.test_voice import StandInRecogniser
from tests.fixtures.browser import assert_accessible, launched_chromium

playwright_api = pytest.importorskip("playwright.sync_api")


@pytest.fixture(scope="module")
def spoken_wav(tmp_path_factory: pytest.TempPathFactory) -> Path:
    executable = shutil.which("espeak-ng")
    if executable is None:
        pytest.skip("espeak-ng is not installed")
    path = tmp_path_factory.mktemp("voice") / "request.wav"
    subprocess.run(  # noqa: S603 - a fixed local program with fixed arguments
        [executable, "-v", "cmn-latn-pinyin", "-w", str(path), "我想申请护理补贴"], check=True, timeout=30
    )
    return path


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory, redis_url: str) -> Iterator[LiveService]:
    found = LiveService(tmp_path_factory.mktemp("chat-voice"), redis_url)
    try:
        found.run(found.start())
        yield found
    finally:
        found.close()


@pytest.fixture(scope="module")
def browser(spoken_wav: Path) -> Iterator[Any]:
    arguments = [
        "--use-fake-ui-for-media-stream",
        "--use-fake-device-for-media-stream",
        f"--use-file-for-fake-audio-capture={spoken_wav}",
    ]
    with launched_chromium(arguments) as launched:
        yield launched


def test_a_request_spoken_into_the_microphone_with_the_space_key_is_answered_in_words_and_speech(
    service: LiveService, browser: Any
) -> None:
    expect = playwright_api.expect
    voice = service.app[WEB_CHAT].voice
    assert voice is not None
    recogniser = StandInRecogniser(["护理补贴"])
    voice.pool = recogniser  # type: ignore[assignment]
    page = new_page(browser, permissions=["microphone"])
    page.goto(service.url)
    page.get_by_role("button", name="语音").click()
    expect(entries(page).filter(has_text="您：语音模式")).to_have_count(1)
    record = page.get_by_role("button", name="点一下开始说话")
    record.focus()
    page.keyboard.press("Space")
    expect(page.get_by_role("button", name="点一下结束说话")).to_have_attribute("aria-pressed", "true")
    assert_accessible(page, "the chat while recording")
    page.wait_for_timeout(1500)
    page.keyboard.press("Space")
    expect(entries(page).filter(has_text="您：（语音消息）")).to_have_count(1)
    expect(entries(page).filter(has_text="护理补贴").last).to_be_visible()
    assert recogniser.heard_seconds
    assert recogniser.heard_seconds[0] > 0.5
    expect(page.locator("#entries audio").last).to_be_attached(timeout=20_000)
    assert_accessible(page, "the chat with a spoken answer")
