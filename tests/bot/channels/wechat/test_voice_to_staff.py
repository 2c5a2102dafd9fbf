"""A resident talking with staff by voice: the staff member gets the recognised words and the sound.

Also a voice message that waited for "which case?", and one whose words could not be recognised (staff
read a plain marker and hear it). The audio is stored encrypted beside the words, played to staff as MP3
through the staff API (every playing audited on the case), and asked for with a wrong id it is a 404 in
the API's JSON error form.
"""

from __future__ import annotations

import base64
import shutil
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from bot.cases.conversation import MORE_AUDIO, RESIDENT_SAID
from bot.cases.models import CaseAudioRow
from bot.staff import api as staff_api
from bot.staff.playback import playable
from bot.talk_turn import UNHEARD
from bot.voice_clips import RecentVoices, VoiceClip
from speech.audio import Pcm, decode, encode_amr, pcm_from_wav
from speech.stt import Recognition
from tests.bot.channels.wechat.service import StaffClient, WeChatService, passive_text
from tests.bot.scripts import CONFIRM, LIVING_ALLOWANCE_FOR_MYSELF, NURSING_ALLOWANCE_FOR_MY_MOTHER
from tests.fixtures.services import service_missing

RESIDENT = "o6_voice_to_staff"
SAID = "二零一五年办的证"


@dataclass
class StandInRecogniser:
    """Answers with a fixed Chinese sentence for real, decoded speech (no Chinese model here)."""

    text: str

    async def recognise(
        self, pcm: bytes, *, phrases: Sequence[str] | None = None, min_confidence: float = 0.6
    ) -> Recognition:
        assert Pcm(pcm).seconds > 0.5
        return Recognition(text=self.text, confidence=0.9, words=(), grammar=False)


@pytest.fixture
def spoken_amr(tmp_path: Path) -> bytes:
    executable = shutil.which("espeak-ng")
    if executable is None:
        service_missing("espeak-ng", "the espeak-ng command is not installed (Debian package espeak-ng)")
        raise AssertionError("unreachable")
    wav = tmp_path / "speech.wav"
    subprocess.run(  # noqa: S603 - a fixed local program with fixed arguments
        [executable, "-v", "cmn-latn-pinyin", "-w", str(wav), SAID], check=True, capture_output=True
    )
    return encode_amr(pcm_from_wav(wav.read_bytes()))


async def _talking_case(wechat: WeChatService) -> tuple[StaffClient, int]:
    """A hotline case whose staff member asked the resident something."""
    pushes = wechat.pushes()
    for text in ("转人工", "想问补贴的事"):
        await pushes.push(pushes.text(RESIDENT, text))
    await wechat.settle()
    staff = await wechat.staff("li.hotline", teams=("hotline",))
    case_id = int((await (await staff.get("/staff/api/cases")).json())["cases"][0]["id"])
    assert (await staff.post(f"/staff/api/cases/{case_id}/claim")).status == 200
    reply = await staff.post(f"/staff/api/cases/{case_id}/reply", json={"text": "证是哪一年办的？"})
    assert reply.status == 200
    return staff, case_id


async def _voice_to_staff(wechat: WeChatService, audio: bytes) -> tuple[StaffClient, int, dict[str, Any]]:
    voice = wechat.services.wechat.voice
    assert voice is not None
    voice.pool = StandInRecogniser(SAID)  # type: ignore[assignment]
    staff, case_id = await _talking_case(wechat)
    media_id = wechat.simulator.add_media(audio, "audio/amr")
    pushes = wechat.pushes()
    await pushes.push(pushes.voice(RESIDENT, media_id, fmt="amr"))
    await wechat.settle()
    detail = await (await staff.get(f"/staff/api/cases/{case_id}")).json()
    return staff, case_id, detail["messages"][-1]


async def test_staff_get_the_words_and_can_play_the_sound_which_is_kept_encrypted(
    wechat: WeChatService, spoken_amr: bytes
) -> None:
    staff, case_id, message = await _voice_to_staff(wechat, spoken_amr)

    assert (message["from"], message["text"], message["voice"]) == ("resident", SAID, True)
    page = await (await staff.get(f"/staff/cases/{case_id}")).text()
    assert f'<audio controls preload="none" src="{message["audio"]}"' in page
    response = await staff.get(message["audio"])
    assert response.status == 200
    assert response.content_type == "audio/mpeg"
    assert response.headers["Cache-Control"] == "no-store"
    played = decode(await response.read(), hint="mp3")
    assert abs(played.seconds - decode(spoken_amr).seconds) < 0.5

    detail = await (await staff.get(f"/staff/api/cases/{case_id}")).json()
    (audited,) = [e for e in detail["events"] if e["kind"] == "audio_played"]
    assert audited["actor"] == "li.hotline"
    async with wechat.services.engine.connect() as connection:
        (stored,) = (await connection.execute(select(CaseAudioRow.audio_enc))).scalars().all()
    assert not stored.startswith(b"#!AMR")
    assert spoken_amr[10:60] not in stored


async def test_wrong_ids_and_other_teams_get_json_errors(wechat: WeChatService, spoken_amr: bytes) -> None:
    staff, case_id, message = await _voice_to_staff(wechat, spoken_amr)
    event_id = int(message["audio"].split("/")[-2])

    for path, status, code in [
        (f"/staff/api/cases/{case_id}/messages/{event_id + 1000}/audio", 404, "audio_not_found"),
        (f"/staff/api/cases/{case_id}/messages/abc/audio", 404, "audio_not_found"),
        (f"/staff/api/cases/{case_id}/messages/99999999999/audio", 404, "audio_not_found"),
        (f"/staff/api/cases/{case_id + 1000}/messages/{event_id}/audio", 404, "case_not_found"),
    ]:
        response = await staff.get(path)
        assert response.status == status, path
        assert (await response.json())["error"]["code"] == code
    other = await wechat.staff("wang.subsidy", teams=("subsidy",))
    response = await other.get(message["audio"])
    assert response.status == 403
    anonymous = await wechat.aiohttp_client(wechat.server)
    assert (await anonymous.get(message["audio"])).status == 401


async def _voice(wechat: WeChatService, audio: bytes) -> str:
    media_id = wechat.simulator.add_media(audio, "audio/amr")
    pushes = wechat.pushes()
    answer = passive_text(await pushes.push(pushes.voice(RESIDENT, media_id, fmt="amr"))) or ""
    await wechat.settle()
    return answer


async def _say(wechat: WeChatService, text: str) -> str:
    pushes = wechat.pushes()
    answer = passive_text(await pushes.push(pushes.text(RESIDENT, text))) or ""
    await wechat.settle()
    return answer


async def _two_talking_cases(wechat: WeChatService) -> tuple[StaffClient, int, int]:
    """Two cases of one resident, each with a staff question waiting for the answer."""
    staff = await wechat.staff("li.all")
    case_ids = []
    for script in (LIVING_ALLOWANCE_FOR_MYSELF, NURSING_ALLOWANCE_FOR_MY_MOTHER):
        await wechat.converse(wechat.pushes(), RESIDENT, [*script, CONFIRM])
        case_id = int((await (await staff.get("/staff/api/cases?status=new")).json())["cases"][-1]["id"])
        assert (await staff.post(f"/staff/api/cases/{case_id}/claim")).status == 200
        case_ids.append(case_id)
    for case_id in case_ids:
        reply = {"text": "请问是哪一年办的证？", "await_resident": True}
        assert (await staff.post(f"/staff/api/cases/{case_id}/reply", json=reply)).status == 200
    return staff, case_ids[0], case_ids[1]


async def _resident_messages(staff: StaffClient, case_id: int) -> list[dict[str, Any]]:
    detail = await (await staff.get(f"/staff/api/cases/{case_id}")).json()
    return [m for m in detail["messages"] if m["from"] == "resident"]


async def _plays(staff: StaffClient, message: dict[str, Any], spoken_amr: bytes) -> None:
    response = await staff.get(message["audio"])
    assert response.status == 200
    assert abs(decode(await response.read(), hint="mp3").seconds - decode(spoken_amr).seconds) < 0.5


async def test_a_voice_message_that_waited_for_which_case_reaches_the_chosen_case_with_its_sound(
    wechat: WeChatService, spoken_amr: bytes
) -> None:
    voice = wechat.services.wechat.voice
    assert voice is not None
    voice.pool = StandInRecogniser(SAID)  # type: ignore[assignment]
    staff, first, second = await _two_talking_cases(wechat)

    asked = await _voice(wechat, spoken_amr)
    assert f"编号{second}" in asked
    wechat.services.staff_talk.voices = RecentVoices()  # the choice may come in another process
    option = next(line for line in asked.split("\n") if f"编号{second}" in line).split(".")[0]
    answer = await _say(wechat, option)

    assert "已转给工作人员" in answer
    message = (await _resident_messages(staff, second))[-1]
    assert (message["text"], message["voice"]) == (SAID, True)
    await _plays(staff, message, spoken_amr)
    assert SAID not in [m["text"] for m in await _resident_messages(staff, first)]
    raw = await wechat.services.redis.keys("*staff-talk-pick*")
    assert raw == []  # the waiting sound is gone once it reached the case


async def test_words_of_two_voice_messages_reach_a_case_whole_even_if_it_closes_as_they_are_stored(
    wechat: WeChatService, spoken_amr: bytes, monkeypatch: pytest.MonkeyPatch
) -> None:
    voice = wechat.services.wechat.voice
    assert voice is not None
    voice.pool = StandInRecogniser(SAID)  # type: ignore[assignment]
    staff, first, second = await _two_talking_cases(wechat)
    assert f"编号{second}" in await _voice(wechat, spoken_amr)  # "which case?": the sound waits
    await _resolve(staff, first)
    # Staff close the case the moment the resident's words first show on it.
    conversations = wechat.services.staff_talk.conversations
    announce = conversations._announce
    assert announce is not None
    closed: list[int] = []

    async def close_on_first_words(kind: str, case_id: int) -> None:
        await announce(kind, case_id)
        if kind == RESIDENT_SAID and not closed:
            closed.append(case_id)
            await _resolve(staff, case_id)

    monkeypatch.setattr(conversations, "_announce", close_on_first_words)

    answer = await _voice(wechat, spoken_amr)  # more words, not a choice: both messages go to the one case

    assert closed == [second]
    assert "已转给工作人员" in answer
    messages = await _resident_messages(staff, second)
    assert [(m["text"], m["voice"]) for m in messages[-2:]] == [(f"{SAID}\n{SAID}", True), (MORE_AUDIO, True)]
    for message in messages[-2:]:
        await _plays(staff, message, spoken_amr)


async def test_words_for_a_case_closed_before_they_are_stored_are_said_not_forwarded_and_none_stay_on_it(
    wechat: WeChatService, spoken_amr: bytes
) -> None:
    voice = wechat.services.wechat.voice
    assert voice is not None
    voice.pool = StandInRecogniser(SAID)  # type: ignore[assignment]
    staff, _, second = await _two_talking_cases(wechat)
    asked = await _voice(wechat, spoken_amr)
    option = next(line for line in asked.split("\n") if f"编号{second}" in line).split(".")[0]
    await _resolve(staff, second)

    answer = await _say(wechat, option)

    assert "已转给工作人员" not in answer
    assert answer.startswith(f"编号{second}的事已经办完了，刚才的话没有转给工作人员。")  # not the menu's option 1
    assert SAID not in [m["text"] for m in await _resident_messages(staff, second)]
    async with wechat.services.cases.sessionmaker() as session:
        kept = (await session.scalars(select(CaseAudioRow.case_id))).all()
    assert second not in kept


async def _resolve(staff: StaffClient, case_id: int) -> None:
    resolved = await staff.post(f"/staff/api/cases/{case_id}/resolve", json={"outcome": "approved", "note": ""})
    assert resolved.status == 200, await resolved.text()


async def test_the_sound_waiting_for_which_case_is_encrypted_in_redis(wechat: WeChatService, spoken_amr: bytes) -> None:
    voice = wechat.services.wechat.voice
    assert voice is not None
    voice.pool = StandInRecogniser(SAID)  # type: ignore[assignment]
    await _two_talking_cases(wechat)
    await _voice(wechat, spoken_amr)
    (key,) = await wechat.services.redis.keys("*staff-talk-pick*")
    held = await wechat.services.redis.get(key)
    assert isinstance(held, bytes)
    assert base64.b64encode(spoken_amr[10:60]).decode()[8:40] not in held.decode()
    assert "audio" in held.decode()


@pytest.mark.parametrize("model", ["recognition_failed", "no_model"])
async def test_an_unrecognised_voice_message_reaches_staff_as_its_sound_with_a_plain_marker(
    wechat: WeChatService, spoken_amr: bytes, model: str
) -> None:
    voice = wechat.services.wechat.voice
    assert voice is not None
    staff, case_id = await _talking_case(wechat)
    voice.pool = StandInRecogniser("") if model == "recognition_failed" else None  # type: ignore[assignment]

    answer = await _voice(wechat, spoken_amr)

    assert "已转给工作人员" in answer
    message = (await _resident_messages(staff, case_id))[-1]
    assert (message["text"], message["voice"]) == (UNHEARD, True)
    await _plays(staff, message, spoken_amr)


async def test_a_message_played_again_is_not_converted_again_and_every_play_is_audited(
    wechat: WeChatService, spoken_amr: bytes, monkeypatch: pytest.MonkeyPatch
) -> None:
    staff, case_id, message = await _voice_to_staff(wechat, spoken_amr)
    conversions: list[int] = []

    def counted(clip: VoiceClip) -> bytes:
        conversions.append(len(clip.data))
        return playable(clip)

    monkeypatch.setattr(staff_api, "playable", counted)
    first = await (await staff.get(message["audio"])).read()
    again = await (await staff.get(message["audio"])).read()

    assert first == again
    assert len(conversions) == 1
    detail = await (await staff.get(f"/staff/api/cases/{case_id}")).json()
    assert [e["actor"] for e in detail["events"] if e["kind"] == "audio_played"] == ["li.hotline", "li.hotline"]
