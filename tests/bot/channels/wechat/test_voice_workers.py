"""Voice through ``/wechat`` with ``BOT_SPEECH_BACKEND=stream``: the web worker loads no model and only
enqueues; a real ``python -m bot speech-worker`` process recognises and speaks. With no speech worker
running, a voice resident is still answered in text, at once."""

from __future__ import annotations

import time
from pathlib import Path

from bot.channels.wechat.messages import Push
from speech.audio import decode
from speech.stream import StreamSpeech
from tests.bot.channels.wechat.conftest import ServiceStarter
from tests.bot.channels.wechat.service import SECRET_KEY, WeChatService, passive_text
from tests.bot.channels.wechat.test_voice import NOT_UNDERSTOOD, RESIDENT, _spoken_amr_in, _voices_sent
from tests.speech.speech_workers import SpeechWorkerProcess

DEADLINE = 3.0  # BOT_WECHAT_REPLY_DEADLINE's default


async def _voice_user(wechat: WeChatService) -> None:
    pushes = wechat.pushes()
    await pushes.push(pushes.text(RESIDENT, "语音模式"))
    await wechat.settle()


async def test_with_no_speech_worker_a_voice_resident_is_answered_in_text_at_once(
    start_service: ServiceStarter, tmp_path: Path
) -> None:
    wechat = await start_service(wechat_aes_key=None, speech_backend="stream")
    assert isinstance(wechat.services.speech, StreamSpeech)
    await _voice_user(wechat)
    pushes = wechat.pushes()
    clip = _spoken_amr_in(tmp_path, "护理补贴", voice="cmn-latn-pinyin")

    started = time.perf_counter()
    guessed = passive_text(
        await pushes.push(pushes.voice(RESIDENT, wechat.simulator.add_media(clip, "audio/amr"), recognition="护理补贴"))
    )
    unheard = passive_text(await pushes.push(pushes.voice(RESIDENT, wechat.simulator.add_media(clip, "audio/amr"))))
    elapsed = time.perf_counter() - started
    await wechat.settle()

    assert guessed is not None
    assert "护理补贴" in guessed  # WeChat's own recognition, answered in text
    assert unheard is not None
    assert NOT_UNDERSTOOD in unheard
    assert elapsed < DEADLINE  # both passive: nothing waited for a worker that is not there
    assert _voices_sent(wechat, RESIDENT) == []  # no speech, and no error either
    health = await (await wechat.http.get(str(wechat.server.make_url("/healthz")))).json()
    assert health["status"] == "ok"
    assert health["components"]["speech"]["state"] == "no-workers"


async def test_a_speech_worker_process_listens_and_speaks_for_the_service(
    start_service: ServiceStarter, redis_url: str, tmp_path: Path
) -> None:
    wechat = await start_service(wechat_aes_key=None, speech_backend="stream")
    worker = await SpeechWorkerProcess.start(redis_url, "wechat-test", tmp_path, secret_key=SECRET_KEY)
    try:
        await worker.ready()
        voice = wechat.services.wechat.voice
        assert voice is not None
        korean = _spoken_amr_in(tmp_path, "안녕하세요", voice="ko")
        push = Push(
            kind="voice",
            openid=RESIDENT,
            account="gh",
            create_time=1,
            msg_id="1",
            media_id=wechat.simulator.add_media(korean, "audio/amr"),
        )

        heard = await voice.transcriber(push)(None)

        assert heard is not None
        assert heard.text
        await _voice_user(wechat)
        spoken_before = len(_voices_sent(wechat, RESIDENT))
        pushes = wechat.pushes()
        answer = passive_text(await pushes.push(pushes.text(RESIDENT, "护理补贴")))
        await wechat.settle()
        assert answer is not None
        clips = _voices_sent(wechat, RESIDENT)[spoken_before:]
        assert 1 <= len(clips) <= 3
        assert all(clip.startswith(b"#!AMR") and decode(clip).seconds > 1.0 for clip in clips)
        metrics = await (await wechat.http.get(str(wechat.server.make_url("/metrics")))).text()
        assert 'bot_speech_stream_backlog{stream="bot:speech:recognise"} 0.0' in metrics
        assert 'bot_speech_stream_backlog{stream="bot:speech:synthesise"} 0.0' in metrics
        assert "bot_speech_stream_workers 1.0" in metrics
    finally:
        await worker.stop()
