"""``GET /metrics`` after real pushes through ``/wechat`` (the platform played by the simulator): the counters
move for what happened, and nothing in the exposition names a resident."""

from __future__ import annotations

import asyncio

from bot.channels.wechat.messages import Push
from bot.storage.keys import UserKey
from bot.storage.locks import UserLocks
from tests.bot.channels.wechat.conftest import ServiceStarter
from tests.bot.channels.wechat.service import WeChatService
from tests.bot.observability.scrape import Scrape, scrape
from tests.bot.scripts import CONFIRM, ID_NUMBER, LIVING_ALLOWANCE_FOR_MYSELF, PHONE
from tests.paths import ROOT
from tests.speech.test_stt import KOREAN_MODEL

RESIDENT = "o6_metrics_resident"
STRANGER = "o6_metrics_stranger"


async def _metrics(wechat: WeChatService) -> Scrape:
    return await scrape(wechat.http, str(wechat.server.make_url("/metrics")))


def _moved(before: Scrape, after: Scrape, name: str, **labels: str) -> float:
    return after.value(name, **labels) - before.value(name, **labels)


async def test_text_pushes_and_their_passive_answers_are_counted(wechat: WeChatService) -> None:
    before = await _metrics(wechat)

    await wechat.converse(wechat.pushes(), RESIDENT, ["你好", "我想申请生活补贴"])

    after = await _metrics(wechat)
    assert _moved(before, after, "bot_wechat_pushes_total", kind="text", result="answered") == 2
    assert _moved(before, after, "bot_wechat_answers_total", path="passive") == 2
    assert _moved(before, after, "bot_turn_seconds_count", input="text") == 2
    assert _moved(before, after, "bot_lock_wait_seconds_count") >= 2


async def test_an_application_counts_one_case_for_its_service_and_no_personal_data_shows(
    wechat: WeChatService,
) -> None:
    before = await _metrics(wechat)

    await wechat.converse(wechat.pushes(), RESIDENT, [*LIVING_ALLOWANCE_FOR_MYSELF, CONFIRM])

    after = await _metrics(wechat)
    assert _moved(before, after, "bot_cases_created_total", service="living-allowance") == 1
    assert after.value("bot_cases", status="new") == 1
    for private in (RESIDENT, ID_NUMBER, PHONE, "张三"):
        assert private not in after.text


async def test_an_answer_past_the_deadline_is_counted_as_late(wechat: WeChatService) -> None:
    assert wechat.services.wechat.settings is not None
    wechat.services.wechat.settings.reply_deadline = 0.1
    before = await _metrics(wechat)

    sealed = wechat.seal(wechat.pushes().text(RESIDENT, "你好"))
    async with UserLocks(wechat.services.redis).hold(UserKey("wechat", RESIDENT)):
        assert await wechat.deliver(sealed) == (200, "success")
        assert await wechat.deliver(sealed) == (200, "success")  # the platform's retry
        await asyncio.sleep(0.3)
    await wechat.settle()

    after = await _metrics(wechat)
    assert _moved(before, after, "bot_wechat_pushes_total", kind="text", result="late") == 1
    assert _moved(before, after, "bot_wechat_pushes_total", kind="text", result="retry") == 1
    assert _moved(before, after, "bot_wechat_answers_total", path="late") == 1
    assert _moved(before, after, "bot_wechat_answers_total", path="passive") == 0


async def test_a_late_answer_that_cannot_be_sent_is_counted_as_failed(wechat: WeChatService) -> None:
    assert wechat.services.wechat.settings is not None
    wechat.services.wechat.settings.reply_deadline = 0.1
    wechat.simulator.fail_next(45015, times=10)
    before = await _metrics(wechat)

    sealed = wechat.seal(wechat.pushes().text(STRANGER, "你好"))
    async with UserLocks(wechat.services.redis).hold(UserKey("wechat", STRANGER)):
        assert await wechat.deliver(sealed) == (200, "success")
        await asyncio.sleep(0.3)
    await wechat.settle()

    after = await _metrics(wechat)
    assert _moved(before, after, "bot_wechat_answers_total", path="failed") == 1
    assert _moved(before, after, "bot_wechat_answers_total", path="late") == 0


async def test_events_unknown_types_and_forged_signatures_are_counted_by_kind_and_result(
    wechat: WeChatService,
) -> None:
    pushes = wechat.pushes()
    before = await _metrics(wechat)

    await pushes.push(pushes.event(RESIDENT, "unsubscribe"))
    await pushes.push(pushes.text(RESIDENT, "你好").replace("<MsgType><![CDATA[text]]>", "<MsgType><![CDATA[o6_x]]>"))
    status, _ = await wechat.post({"signature": "0" * 40, "timestamp": "1", "nonce": "1"}, b"<xml/>")

    after = await _metrics(wechat)
    assert status == 403
    assert _moved(before, after, "bot_wechat_pushes_total", kind="event", result="ignored") == 1
    # A type the platform may add one day is "other": a label never takes what a push says.
    assert _moved(before, after, "bot_wechat_pushes_total", kind="other", result="answered") == 1
    assert _moved(before, after, "bot_wechat_refused_total", status="403") == 1
    assert "o6_x" not in after.label_values()


async def test_staff_api_requests_are_counted_by_route_pattern_not_path(wechat: WeChatService) -> None:
    staff = await wechat.staff()
    before = await _metrics(wechat)

    assert (await staff.get("/staff/api/cases/4242")).status == 404
    assert (await staff.get("/staff/api/cases")).status == 200
    assert (await staff.get("/staff/api/no-such-thing/o6_secret")).status == 404

    after = await _metrics(wechat)
    requests = "bot_staff_requests_total"
    assert _moved(before, after, requests, route="/staff/api/cases/{id}", method="GET", status="404") == 1
    assert _moved(before, after, requests, route="/staff/api/cases", method="GET", status="200") == 1
    assert _moved(before, after, requests, route="(no route)", method="GET", status="404") == 1
    assert not any("4242" in value or "o6_secret" in value for value in after.label_values())


async def test_with_metrics_off_there_is_no_endpoint(start_service: ServiceStarter) -> None:
    wechat = await start_service(metrics=False)

    await wechat.converse(wechat.pushes(), RESIDENT, ["你好"])

    async with wechat.http.get(str(wechat.server.make_url("/metrics"))) as response:
        assert response.status == 404


async def test_a_recognised_voice_message_is_timed_and_leaves_the_speech_queue_empty(
    start_service: ServiceStarter,
) -> None:
    wechat = await start_service(wechat_aes_key=None, vosk_model=KOREAN_MODEL)
    voice = wechat.services.wechat.voice
    assert voice is not None
    recording = (ROOT / "tests" / "data" / "audio" / "speech-amr-wb.amr").read_bytes()
    media_id = wechat.simulator.add_media(recording, "audio/amr")
    push = Push(kind="voice", openid=RESIDENT, account="gh", create_time=1, msg_id="1", media_id=media_id)
    before = await _metrics(wechat)

    await voice.transcriber(push)(None)

    after = await _metrics(wechat)
    assert _moved(before, after, "bot_speech_recognition_seconds_count", result="ok") == 1
    assert after.value("bot_speech_queue") == 0
