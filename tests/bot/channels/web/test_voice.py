"""Voice in the web chat: a browser recording (Opus in WebM) recognised like a WeChat voice message, and
spoken answers as clips only their own resident can fetch."""

from __future__ import annotations

import array
import io
import math
import shutil

import av
import pytest
from aiohttp import FormData, web

from bot.channels.web import WEB_CHAT
from bot.services import Services
from tests.bot.channels.web.conftest import Browser
from tests.bot.channels.wechat.test_voice import StandInRecogniser


def recording(seconds: float = 1.0) -> bytes:
    """What MediaRecorder sends: Opus in WebM (a tone stands in for a voice; the recogniser is a stand-in)."""
    rate = 48_000
    count = int(rate * seconds)
    output = io.BytesIO()
    with av.open(output, mode="w", format="webm") as container:
        stream = container.add_stream("libopus", rate=rate)
        stream.layout = "mono"
        frame = av.AudioFrame(format="s16", layout="mono", samples=count)
        frame.planes[0].update(array.array("h", [int(8000 * math.sin(i / 10)) for i in range(count)]).tobytes())
        frame.sample_rate = rate
        for packet in stream.encode(frame):
            container.mux(packet)
        for packet in stream.encode(None):
            container.mux(packet)
    return output.getvalue()


async def send_recording(browser: Browser, audio: bytes) -> tuple[int, dict[str, object]]:
    form = FormData()
    form.add_field("csrf", await browser.csrf())
    form.add_field("message_id", "voice-message-1")
    form.add_field("audio", io.BytesIO(audio), filename="voice.webm", content_type="audio/webm")
    response = await browser.client.post("/chat/voice", data=form, headers={"Accept": "application/json"})
    body: dict[str, object] = await response.json()
    return response.status, body


async def test_a_browser_recording_is_recognised_and_answered(browser: Browser, app: web.Application) -> None:
    voice = app[WEB_CHAT].voice
    assert voice is not None
    recogniser = StandInRecogniser(["护理补贴"])
    voice.pool = recogniser  # type: ignore[assignment]
    status, body = await send_recording(browser, recording())
    assert status == 200
    entries = body["entries"]
    assert isinstance(entries, list)
    assert entries[0]["text"] == "（语音消息）"
    assert 0.9 < recogniser.heard_seconds[0] < 1.2
    assert any("护理补贴" in entry["text"] for entry in entries[1:])


async def test_a_recording_too_large_is_refused_in_plain_chinese(browser: Browser) -> None:
    status, body = await send_recording(browser, b"\x1a\x45\xdf\xa3" + b"0" * (2 * 1024 * 1024))
    assert status == 413
    assert "太长" in str(body)


@pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="espeak-ng is not installed")
async def test_a_voice_resident_gets_a_spoken_answer_only_their_own_cookie_can_fetch(
    browser: Browser, services: Services
) -> None:
    await browser.say("语音模式")
    await services.runner.drain()
    page = await browser.page()
    assert '<audio controls preload="none" src="/chat/audio/' in page
    clip_path = page.split('src="/chat/audio/')[1].split('"')[0]
    clip = await browser.client.get(f"/chat/audio/{clip_path}")
    assert clip.status == 200
    assert clip.content_type == "audio/mpeg"
    assert len(await clip.read()) > 1000
    browser.client.session.cookie_jar.clear()
    assert (await browser.client.get(f"/chat/audio/{clip_path}")).status == 404
