"""``/wechat`` end to end: the real service (pipeline, Redis, SQLite and PostgreSQL) behind the endpoint,
the WeChat platform played by the simulator: pushes in plaintext and safe mode, retries, slow answers,
the customer-service window shared with the staff, and input that must be refused without harm."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import secrets
from collections.abc import AsyncIterator, Callable
from contextlib import AsyncExitStack
from pathlib import Path
from typing import Any

import pytest
from wechatpy.crypto import WeChatCrypto

from bot.channels.wechat.simulator import PushClient, sign
from bot.channels.wechat.staff_delivery import WINDOW_CLOSED
from bot.channels.wechat.texts import MAX_TEXT_BYTES
from bot.storage.keys import UserKey
from bot.storage.locks import UserLocks
from tests.bot.channels.wechat.conftest import ServiceStarter
from tests.bot.channels.wechat.service import (
    ACCOUNT,
    AES_KEY,
    APP_ID,
    HOUR,
    TOKEN,
    SealedPush,
    StaffClient,
    WeChatService,
    content_with_long_answers,
    passive_text,
)
from tests.bot.scripts import CONFIRM, LIVING_ALLOWANCE_FOR_MYSELF, NURSING_ALLOWANCE_FOR_MY_MOTHER

RESIDENT = "o6_resident_zhang"
DAUGHTER = "o6_daughter_li"
BYSTANDER = "o6_bystander"
MODES = pytest.mark.parametrize("safe", [False, True], ids=["plaintext", "safe-mode"])

OFFICIAL_TOKEN = "AAAAA"
OFFICIAL_TIMESTAMP = 1714037059
OFFICIAL_NONCE = 486452656
# SHA-1 of the guide's sorted concatenation "1714037059486452656AAAAA".
OFFICIAL_SIGNATURE = "899cf89e464efb63f54ddac96b0a0a235f53aa78"

WELCOME = "您好，这里是柳州残疾人办事助手"
SUBSCRIBED = "欢迎关注柳州残疾人办事助手"
MODE_QUESTION = "您希望我怎么回答您？"
UNSUPPORTED = "我现在只能看懂文字和语音"
NOT_UNDERSTOOD = "没有听清，请再说一遍"
NURSING_INTRO = "我们来申请重度残疾人护理补贴"
LIVING_INTRO = "我们来申请困难残疾人生活补贴"
CARD_QUESTION = "您有没有第二代残疾人证"
RESUME_QUESTION = "您上次申请生活补贴，还没有办完"


# ---------------------------------------------------------------- the running service


@pytest.fixture
async def wechat_with_cases(start_service: ServiceStarter, database_url: str) -> WeChatService:
    """The service once on SQLite and once on PostgreSQL: for tests about the cases filed and answered."""
    return await start_service(database_url=database_url)


async def _apply(wechat: WeChatService, pushes: PushClient, openid: str, script: tuple[str, ...]) -> list[str]:
    """A whole application, confirmed with "是"; every answer the resident saw."""
    return await wechat.converse(pushes, openid, [*script, CONFIRM])


async def _cases(staff: StaffClient) -> list[dict[str, Any]]:
    response = await staff.get("/staff/api/cases")
    assert response.status == 200
    cases: list[dict[str, Any]] = (await response.json())["cases"]
    return cases


async def _case(staff: StaffClient, case_id: int) -> dict[str, Any]:
    response = await staff.get(f"/staff/api/cases/{case_id}")
    assert response.status == 200
    detail: dict[str, Any] = await response.json()
    return detail


async def _claimed_case(wechat: WeChatService, staff: StaffClient, openid: str) -> int:
    """A resident's living-allowance application, filed through ``/wechat`` and claimed by ``staff``."""
    await _apply(wechat, wechat.pushes(), openid, LIVING_ALLOWANCE_FOR_MYSELF)
    (case,) = [c for c in await _cases(staff) if c["status"] == "new"]
    assert (await staff.post(f"/staff/api/cases/{case['id']}/claim")).status == 200
    return int(case["id"])


async def _reply(staff: StaffClient, case_id: int, text: str) -> tuple[int, dict[str, Any]]:
    response = await staff.post(f"/staff/api/cases/{case_id}/reply", json={"text": text})
    body: dict[str, Any] = await response.json()
    return response.status, body


def _event_kinds(detail: dict[str, Any]) -> list[str]:
    return [event["kind"] for event in detail["events"]]


async def _answered_right_after(wechat: WeChatService) -> None:
    """Another person's ordinary message still gets its passive answer."""
    pushes = wechat.pushes()
    answer = passive_text(await pushes.push(pushes.text(BYSTANDER + secrets.token_hex(3), "你好")))
    assert answer is not None
    assert WELCOME in answer


# ---------------------------------------------------------------- URL verification


def test_official_worked_example_signature_is_the_sha1_of_the_sorted_parts() -> None:
    joined = "".join(sorted([OFFICIAL_TOKEN, str(OFFICIAL_TIMESTAMP), str(OFFICIAL_NONCE)]))
    assert joined == "1714037059486452656AAAAA"
    assert hashlib.sha1(joined.encode()).hexdigest() == OFFICIAL_SIGNATURE  # noqa: S324 - the platform's algorithm
    assert sign(OFFICIAL_TOKEN, OFFICIAL_TIMESTAMP, OFFICIAL_NONCE) == OFFICIAL_SIGNATURE


async def test_url_verification_with_the_official_example_returns_echostr_unchanged(wechat: WeChatService) -> None:
    channel = wechat.services.wechat
    assert channel.settings is not None
    channel.settings.token = OFFICIAL_TOKEN
    channel.clock = lambda: OFFICIAL_TIMESTAMP + 1.0
    echostr = "5837397520665436492 +/=&é"
    query = {
        "signature": OFFICIAL_SIGNATURE,
        "timestamp": str(OFFICIAL_TIMESTAMP),
        "nonce": str(OFFICIAL_NONCE),
        "echostr": echostr,
    }
    async with wechat.http.get(wechat.url, params=query) as response:
        assert response.status == 200
        assert await response.text() == echostr


async def test_url_verification_with_the_official_example_is_refused_years_later(wechat: WeChatService) -> None:
    assert wechat.services.wechat.settings is not None
    wechat.services.wechat.settings.token = OFFICIAL_TOKEN
    query = {"signature": OFFICIAL_SIGNATURE, "timestamp": str(OFFICIAL_TIMESTAMP), "nonce": str(OFFICIAL_NONCE)}
    async with wechat.http.get(wechat.url, params={**query, "echostr": "123"}) as response:
        assert response.status == 403
        assert "123" not in await response.text()


async def test_url_verification_signed_by_the_platform_returns_echostr(wechat: WeChatService) -> None:
    verified = await wechat.pushes().verify_url("1234567890987654321")
    assert (verified.status, verified.body) == (200, "1234567890987654321")


@pytest.mark.parametrize(
    "drop", [None, "signature", "timestamp", "nonce"], ids=["wrong-signature", "no-signature", "no-ts", "no-nonce"]
)
async def test_url_verification_without_a_valid_signature_is_forbidden(wechat: WeChatService, drop: str | None) -> None:
    stamp, nonce = str(int(wechat.clock())), "42"
    query = {"signature": sign("not-our-token", stamp, nonce), "timestamp": stamp, "nonce": nonce, "echostr": "e"}
    if drop is not None:
        query["signature"] = sign(TOKEN, stamp, nonce)
        del query[drop]
    async with wechat.http.get(wechat.url, params=query) as response:
        assert response.status == 403
        assert await response.text() != "e"


async def test_endpoint_without_a_configured_token_answers_503_to_verification_and_pushes(
    start_service: ServiceStarter,
) -> None:
    unconfigured = await start_service(wechat_token=None)
    verified = await unconfigured.pushes().verify_url("echo")
    pushes = unconfigured.pushes()
    pushed = await pushes.push(pushes.text(RESIDENT, "你好"))
    assert verified.status == 503
    assert pushed.status == 503
    assert pushed.deliveries == 1


# ---------------------------------------------------------------- whole applications


@MODES
async def test_resident_applies_for_a_living_allowance_through_wechat_and_one_case_is_filed(
    wechat_with_cases: WeChatService, safe: bool
) -> None:
    wechat = wechat_with_cases
    answers = await _apply(wechat, wechat.pushes(safe=safe), RESIDENT, LIVING_ALLOWANCE_FOR_MYSELF)
    staff = await wechat.staff()
    (case,) = await _cases(staff)
    assert (case["service"], case["channel"], case["proxy"], case["district"]) == (
        "living-allowance",
        "wechat",
        None,
        "柳北区",
    )
    assert f"编号是{case['id']}" in answers[-1]
    assert all(answers)
    detail = await _case(staff, case["id"])
    assert detail["beneficiary_name"] == "张三"
    assert detail["proxy"] is None


@MODES
async def test_daughter_applies_for_her_mothers_nursing_allowance_and_the_proxy_is_recorded(
    wechat_with_cases: WeChatService, safe: bool
) -> None:
    wechat = wechat_with_cases
    answers = await _apply(wechat, wechat.pushes(safe=safe), DAUGHTER, NURSING_ALLOWANCE_FOR_MY_MOTHER)
    staff = await wechat.staff()
    (case,) = await _cases(staff)
    assert (case["service"], case["channel"], case["proxy"]) == ("nursing-allowance", "wechat", "子女")
    assert f"编号是{case['id']}" in answers[-1]
    detail = await _case(staff, case["id"])
    assert (detail["beneficiary_name"], detail["proxy"]["name"]) == ("王芳", "李明")


async def test_safe_mode_reply_is_encrypted_and_addressed_from_the_account_to_the_resident(
    wechat: WeChatService,
) -> None:
    pushes = wechat.pushes(safe=True)
    result = await pushes.push(pushes.text(RESIDENT, "你好"))
    assert "<Encrypt>" in result.body
    assert WELCOME not in result.body
    assert result.reply is not None
    assert (result.reply["ToUserName"], result.reply["FromUserName"]) == (RESIDENT, ACCOUNT)
    assert WELCOME in result.reply["Content"]


async def test_plaintext_reply_is_addressed_from_the_account_to_the_resident(wechat: WeChatService) -> None:
    pushes = wechat.pushes()
    result = await pushes.push(pushes.text(RESIDENT, "你好"))
    assert result.reply is not None
    assert (result.reply["ToUserName"], result.reply["FromUserName"]) == (RESIDENT, ACCOUNT)
    assert result.elapsed < 1.0


# ---------------------------------------------------------------- a new EncodingAESKey

NEW_AES_KEY = "ZYXWVUTSRQPONMLKJIHGFEDCBA9876543210zyxwvut"


def _sealed_pushes(wechat: WeChatService, aes_key: str) -> PushClient:
    return PushClient(wechat.http, wechat.url, TOKEN, app_id=APP_ID, aes_key=aes_key, account=ACCOUNT, retries=0)


async def test_after_a_key_change_pushes_sealed_with_either_key_are_answered_with_the_same_key(
    start_service: ServiceStarter,
) -> None:
    # The console's new key is in force, but pushes already on their way were sealed with the old one.
    wechat = await start_service(wechat_aes_key=NEW_AES_KEY, wechat_previous_aes_key=AES_KEY)
    for key in (AES_KEY, NEW_AES_KEY):
        pushes = _sealed_pushes(wechat, key)  # decrypts the reply with this key only
        answer = passive_text(await pushes.push(pushes.text(RESIDENT + key[:4], "你好")))
        assert answer is not None
        assert WELCOME in answer


async def test_a_push_sealed_with_a_key_no_longer_configured_is_refused(start_service: ServiceStarter) -> None:
    wechat = await start_service(wechat_aes_key=NEW_AES_KEY)
    pushes = _sealed_pushes(wechat, AES_KEY)
    result = await pushes.push(pushes.text(RESIDENT, "你好"))
    assert (result.status, result.body) == (400, "cannot decrypt")
    await _answered_right_after(wechat)


# ---------------------------------------------------------------- retries


@MODES
async def test_final_confirmation_redelivered_four_times_files_one_case_and_answers_once(
    wechat_with_cases: WeChatService, safe: bool
) -> None:
    wechat = wechat_with_cases
    await wechat.converse(wechat.pushes(safe=safe), RESIDENT, LIVING_ALLOWANCE_FOR_MYSELF)
    confirmation = wechat.seal(wechat.pushes().text(RESIDENT, CONFIRM), safe=safe)
    answers = []
    for _ in range(4):
        status, body = await wechat.deliver(confirmation)
        assert status == 200
        answers.append(wechat.read_reply(body, safe=safe))
    await wechat.settle()
    assert answers[0] is not None
    assert answers == [answers[0]] * 4
    (case,) = await _cases(await wechat.staff())
    assert f"编号是{case['id']}" in answers[0]
    assert wechat.sent_texts(RESIDENT) == []


async def test_push_resent_by_the_platform_while_the_first_delivery_waits_is_answered_once(
    wechat_with_cases: WeChatService,
) -> None:
    wechat = wechat_with_cases
    await wechat.converse(wechat.pushes(), RESIDENT, LIVING_ALLOWANCE_FOR_MYSELF)
    impatient = wechat.pushes(timeout=0.5, retries=3)
    async with UserLocks(wechat.services.redis).hold(UserKey("wechat", RESIDENT)):
        confirming = asyncio.ensure_future(impatient.push(impatient.text(RESIDENT, CONFIRM)))
        await asyncio.sleep(1.6)  # three deliveries gave up waiting; the fourth, sent at 1.5 s, still waits
    result = await confirming
    await wechat.settle()
    assert result.deliveries == 4
    answer = passive_text(result)
    (case,) = await _cases(await wechat.staff())
    assert answer is not None
    assert f"编号是{case['id']}" in answer
    assert wechat.sent_texts(RESIDENT) == []


async def test_subscribe_event_redelivered_is_answered_with_the_same_welcome(wechat: WeChatService) -> None:
    follow = wechat.seal(wechat.pushes().event(RESIDENT, "subscribe"))
    answers = [wechat.read_reply((await wechat.deliver(follow))[1]) for _ in range(3)]
    assert answers[0] is not None
    assert SUBSCRIBED in answers[0]
    assert answers == [answers[0]] * 3


# ---------------------------------------------------------------- one person, two pushes at once


async def test_two_pushes_of_one_person_at_the_same_moment_are_handled_in_turn_and_both_answered(
    wechat: WeChatService,
) -> None:
    pushes = wechat.pushes()
    await wechat.converse(pushes, RESIDENT, LIVING_ALLOWANCE_FOR_MYSELF[:2])
    async with UserLocks(wechat.services.redis).hold(UserKey("wechat", RESIDENT)):
        both = asyncio.gather(
            pushes.push(pushes.text(RESIDENT, LIVING_ALLOWANCE_FOR_MYSELF[2])),
            pushes.push(pushes.image(RESIDENT, "photo-of-the-card")),
        )
        await asyncio.sleep(0.2)  # both now wait for the person's lock
    answered, photo_answered = await both
    answer, photo_answer = passive_text(answered), passive_text(photo_answered)
    assert answer is not None
    assert CARD_QUESTION in answer
    assert photo_answer is not None
    assert UNSUPPORTED in photo_answer
    name = wechat.conversation_key(RESIDENT)
    state = wechat.services.pipeline.turns.unseal(await wechat.services.redis.get(name), name)
    assert state is not None
    assert state["application"]["answers"] == {"applicant": "self"}
    said = [turn["text"] for turn in state["transcript"] if turn["who"] == "resident"]
    assert LIVING_ALLOWANCE_FOR_MYSELF[2] in said
    assert len(said) == 4  # two earlier messages, then these two: neither save overwrote the other
    rest = await wechat.converse(pushes, RESIDENT, [*LIVING_ALLOWANCE_FOR_MYSELF[3:], CONFIRM])
    assert "已经帮您提交了" in rest[-1]


# ---------------------------------------------------------------- answers that take too long


async def _late_answer(wechat: WeChatService, openid: str, text: str, *, hold: float = 0.4) -> tuple[SealedPush, str]:
    """Deliver ``text`` while the person's lock is held past the reply deadline; the push and WeChat's answer."""
    assert wechat.services.wechat.settings is not None
    wechat.services.wechat.settings.reply_deadline = 0.1
    sealed = wechat.seal(wechat.pushes().text(openid, text))
    async with UserLocks(wechat.services.redis).hold(UserKey("wechat", openid)):
        started = asyncio.get_running_loop().time()
        status, body = await wechat.deliver(sealed)
        assert asyncio.get_running_loop().time() - started < hold
        assert status == 200
        await asyncio.sleep(hold)
    await wechat.settle()
    return sealed, body


async def test_answer_not_ready_by_the_deadline_gets_success_and_follows_once_through_the_api(
    wechat: WeChatService,
) -> None:
    pushes = wechat.pushes()
    passive = passive_text(await pushes.push(pushes.text(BYSTANDER, "我想申请生活补贴")))
    sealed, body = await _late_answer(wechat, RESIDENT, "我想申请生活补贴")
    assert body == "success"
    assert wechat.sent_texts(RESIDENT) == [passive]
    assert LIVING_INTRO in wechat.sent_texts(RESIDENT)[0]
    assert await wechat.deliver(sealed) == (200, "success")
    await wechat.settle()
    assert len(wechat.sent_texts(RESIDENT)) == 1


async def test_retry_arriving_while_the_late_answer_is_still_being_worked_out_is_not_answered_twice(
    wechat: WeChatService,
) -> None:
    assert wechat.services.wechat.settings is not None
    wechat.services.wechat.settings.reply_deadline = 0.1
    sealed = wechat.seal(wechat.pushes(safe=True).text(RESIDENT, "我想申请护理补贴"), safe=True)
    async with UserLocks(wechat.services.redis).hold(UserKey("wechat", RESIDENT)):
        first = await wechat.deliver(sealed)
        retries = [await wechat.deliver(sealed) for _ in range(3)]
        await asyncio.sleep(0.2)
    await wechat.settle()
    assert first == (200, "success")
    assert retries == [(200, "success")] * 3
    (sent,) = wechat.sent_texts(RESIDENT)
    assert NURSING_INTRO in sent


async def test_long_answer_goes_out_as_one_passive_reply_and_the_rest_through_the_api(
    start_service: ServiceStarter, tmp_path: Path
) -> None:
    wechat = await start_service(content_dir=content_with_long_answers(tmp_path / "content"))
    await wechat.converse(wechat.pushes(), RESIDENT, LIVING_ALLOWANCE_FOR_MYSELF)
    confirmation = wechat.seal(wechat.pushes().text(RESIDENT, CONFIRM))
    first = wechat.read_reply((await wechat.deliver(confirmation))[1])
    await wechat.settle()
    rest = wechat.sent_texts(RESIDENT)
    staff = await wechat.staff()
    (case,) = await _cases(staff)
    reach = (await _case(staff, case["id"]))["reach"]
    redelivered = [wechat.read_reply((await wechat.deliver(confirmation))[1]) for _ in range(3)]
    await wechat.settle()
    assert first is not None
    assert f"编号是{case['id']}" in first
    assert 1 <= len(rest) <= 4
    assert "第12份补充说明" in rest[-1]
    assert all(len(part.encode()) <= MAX_TEXT_BYTES for part in [first, *rest])
    assert redelivered == [first] * 3
    assert wechat.sent_texts(RESIDENT) == rest
    assert (reach["can_send"], reach["remaining"]) == (True, 5 - len(rest))


# ---------------------------------------------------------------- following, media, menus and events


@pytest.mark.parametrize(("answer", "mode"), [("语音", "voice"), ("文字", "text"), ("简单", "simple")])
async def test_new_follower_is_welcomed_asked_once_how_to_be_answered_and_the_choice_is_kept(
    wechat: WeChatService, answer: str, mode: str
) -> None:
    pushes = wechat.pushes()
    welcome = passive_text(await pushes.push(pushes.event(RESIDENT, "subscribe")))
    assert welcome is not None
    assert SUBSCRIBED in welcome
    assert MODE_QUESTION in welcome
    await wechat.converse(pushes, RESIDENT, [answer])
    profile = await wechat.services.profiles.get("wechat", RESIDENT)
    assert profile is not None
    assert profile.mode == mode
    wechat.clock.advance(1)
    again = passive_text(await pushes.push(pushes.event(RESIDENT, "subscribe")))
    assert again is not None
    assert MODE_QUESTION not in again


async def test_unsubscribing_keeps_the_application_and_a_returning_follower_resumes_it(wechat: WeChatService) -> None:
    pushes = wechat.pushes()
    await wechat.converse(pushes, RESIDENT, LIVING_ALLOWANCE_FOR_MYSELF[:5])
    left = await pushes.push(pushes.event(RESIDENT, "unsubscribe"))
    assert (left.status, left.body) == (200, "success")
    assert await wechat.services.redis.exists(wechat.conversation_key(RESIDENT)) == 1
    assert not (await wechat.staff_delivery.reach("wechat", RESIDENT)).can_send
    wechat.clock.advance(3 * 24 * HOUR)
    back = passive_text(await pushes.push(pushes.event(RESIDENT, "subscribe")))
    assert back is not None
    assert RESUME_QUESTION in back
    answers = await wechat.converse(pushes, RESIDENT, ["接着填", *LIVING_ALLOWANCE_FOR_MYSELF[5:], CONFIRM])
    assert "已经帮您提交了" in answers[-1]


async def test_menu_click_on_a_service_starts_that_service(wechat: WeChatService) -> None:
    pushes = wechat.pushes()
    answer = passive_text(await pushes.push(pushes.event(RESIDENT, "CLICK", "service:nursing-allowance")))
    assert answer is not None
    assert NURSING_INTRO in answer


async def test_menu_click_on_an_unknown_service_is_answered_with_the_menu(wechat: WeChatService) -> None:
    pushes = wechat.pushes()
    answer = passive_text(await pushes.push(pushes.event(RESIDENT, "CLICK", "service:no-such-service")))
    assert answer is not None
    assert "请说您要办什么事" in answer


def _image(pushes: PushClient) -> str:
    return pushes.image(RESIDENT, "media-image")


def _video(pushes: PushClient) -> str:
    return pushes.video(RESIDENT, "media-video", "media-thumb")


def _location(pushes: PushClient) -> str:
    return pushes.location(RESIDENT, 24.3264, 109.4281, "柳州市城中区")


def _link(pushes: PushClient) -> str:
    return pushes.link(RESIDENT, "残疾人证办理", "办证指南", "https://example.org/guide")


def _unknown_type(pushes: PushClient) -> str:
    return pushes.text(RESIDENT, "x").replace("<![CDATA[text]]>", "<![CDATA[hologram]]>")


@pytest.mark.parametrize("build", [_image, _video, _location, _link, _unknown_type])
async def test_media_the_service_cannot_read_gets_the_kind_answer_saying_what_works(
    wechat: WeChatService, build: Callable[[PushClient], str]
) -> None:
    pushes = wechat.pushes()
    answer = passive_text(await pushes.push(build(pushes)))
    assert answer is not None
    assert UNSUPPORTED in answer


async def test_voice_with_wechats_recognition_starts_the_named_service(wechat: WeChatService) -> None:
    pushes = wechat.pushes()
    answer = passive_text(await pushes.push(pushes.voice(RESIDENT, "media-voice", recognition="我想申请护理补贴")))
    assert answer is not None
    assert NURSING_INTRO in answer


async def test_voice_without_recognition_gets_the_not_understood_answer(wechat: WeChatService) -> None:
    pushes = wechat.pushes()
    answer = passive_text(await pushes.push(pushes.voice(RESIDENT, "media-voice", media_id_16k="media-16k")))
    assert answer is not None
    assert NOT_UNDERSTOOD in answer


@pytest.mark.parametrize(("event", "key"), [("VIEW", "https://example.org/"), ("LOCATION", None), ("SCAN", "7")])
async def test_events_that_need_no_words_get_success(wechat: WeChatService, event: str, key: str | None) -> None:
    pushes = wechat.pushes()
    result = await pushes.push(pushes.event(RESIDENT, event, key))
    assert (result.status, result.body) == (200, "success")


# ---------------------------------------------------------------- the window and the budget


async def test_staff_can_send_five_replies_after_a_residents_message_and_the_sixth_waits(
    wechat_with_cases: WeChatService,
) -> None:
    wechat = wechat_with_cases
    staff = await wechat.staff()
    case_id = await _claimed_case(wechat, staff, RESIDENT)
    reach = (await _case(staff, case_id))["reach"]
    assert (reach["can_send"], reach["remaining"]) == (True, 5)
    for remaining in (4, 3, 2, 1, 0):
        status, body = await _reply(staff, case_id, f"第{5 - remaining}条回复")
        assert (status, body["delivered"], body["remaining"]) == (200, True, remaining)
    assert wechat.sent_texts(RESIDENT) == [f"第{n}条回复" for n in range(1, 6)]
    detail = await _case(staff, case_id)
    assert (detail["reach"]["can_send"], detail["reach"]["remaining"]) == (False, 0)
    status, body = await _reply(staff, case_id, "第6条回复")
    assert (status, body["status"], body["reason"]) == (202, "queued", "quota")
    assert _event_kinds(await _case(staff, case_id)).count("reply_queued") == 1
    assert len(wechat.sent_texts(RESIDENT)) == 5


async def test_after_48_hours_the_staff_api_says_the_resident_cannot_be_reached_and_a_reply_waits(
    wechat_with_cases: WeChatService,
) -> None:
    wechat = wechat_with_cases
    staff = await wechat.staff()
    case_id = await _claimed_case(wechat, staff, RESIDENT)
    wechat.clock.advance(48 * HOUR - 60)
    assert (await _case(staff, case_id))["reach"]["can_send"] is True
    wechat.clock.advance(61)
    reach = (await _case(staff, case_id))["reach"]
    assert (reach["can_send"], reach["remaining"], reach["reason"]) == (False, 0, WINDOW_CLOSED)
    status, body = await _reply(staff, case_id, "材料收到了，请下周一带原件来。")
    assert (status, body["status"], body["reason"]) == (202, "queued", "outside_window")
    detail = await _case(staff, case_id)
    assert "reply_queued" in _event_kinds(detail)
    assert "delivered" not in _event_kinds(detail)
    assert wechat.sent_texts(RESIDENT) == []


async def test_a_new_message_from_the_resident_reopens_the_window_for_the_staff(wechat: WeChatService) -> None:
    staff = await wechat.staff()
    case_id = await _claimed_case(wechat, staff, RESIDENT)
    wechat.clock.advance(49 * HOUR)
    assert (await _case(staff, case_id))["reach"]["can_send"] is False
    await wechat.converse(wechat.pushes(), RESIDENT, ["请问我的申请怎么样了"])
    status, body = await _reply(staff, case_id, "正在审核，请耐心等待。")
    assert (status, body["delivered"], body["remaining"]) == (200, True, 4)
    assert wechat.sent_texts(RESIDENT) == ["正在审核，请耐心等待。"]


async def test_bot_late_answers_and_staff_replies_share_the_five_messages(wechat: WeChatService) -> None:
    staff = await wechat.staff()
    case_id = await _claimed_case(wechat, staff, RESIDENT)
    await _late_answer(wechat, RESIDENT, "谢谢")
    assert len(wechat.sent_texts(RESIDENT)) == 1
    assert (await _case(staff, case_id))["reach"]["remaining"] == 4
    for remaining in (3, 2, 1, 0):
        status, body = await _reply(staff, case_id, f"剩{remaining}条")
        assert (status, body["delivered"], body["remaining"]) == (200, True, remaining)
    status, body = await _reply(staff, case_id, "没有名额了")
    assert (status, body["status"]) == (202, "queued")
    assert len(wechat.sent_texts(RESIDENT)) == 5


async def test_when_wechat_says_the_budget_is_used_up_the_reply_waits_and_the_window_closes(
    wechat_with_cases: WeChatService,
) -> None:
    wechat = wechat_with_cases
    staff = await wechat.staff()
    case_id = await _claimed_case(wechat, staff, RESIDENT)
    wechat.simulator.fail_next(45047)
    status, body = await _reply(staff, case_id, "材料收到了。")
    assert (status, body["delivered"], body["status"], body["remaining"]) == (202, False, "queued", 0)
    detail = await _case(staff, case_id)
    (queued,) = [event for event in detail["events"] if event["kind"] == "reply_queued"]
    assert queued["detail"]["reason"] == "quota"
    assert detail["reach"]["can_send"] is False
    status, body = await _reply(staff, case_id, "再试一次。")
    assert (status, body["status"]) == (202, "queued")
    assert wechat.sent_texts(RESIDENT) == []


async def test_redelivered_push_does_not_grant_a_fresh_message_budget(wechat: WeChatService) -> None:
    staff = await wechat.staff()
    case_id = await _claimed_case(wechat, staff, RESIDENT)
    sealed, _ = await _late_answer(wechat, RESIDENT, "谢谢")
    assert (await _case(staff, case_id))["reach"]["remaining"] == 4
    assert await wechat.deliver(sealed) == (200, "success")
    assert (await _case(staff, case_id))["reach"]["remaining"] == 4


# ---------------------------------------------------------------- staff replies through the API


async def test_staff_reply_to_a_claimed_wechat_case_arrives_as_a_customer_service_message(
    wechat_with_cases: WeChatService,
) -> None:
    wechat = wechat_with_cases
    staff = await wechat.staff()
    case_id = await _claimed_case(wechat, staff, RESIDENT)
    status, body = await _reply(staff, case_id, "材料收到了，请下周一带原件来。")
    assert (status, body["delivered"]) == (200, True)
    assert [(m.openid, m.msgtype, m.content) for m in wechat.simulator.sent] == [
        (RESIDENT, "text", "材料收到了，请下周一带原件来。")
    ]
    kinds = _event_kinds(await _case(staff, case_id))
    assert kinds.count("replied") == 1
    assert kinds.count("delivered") == 1


async def test_staff_reply_refused_by_wechat_is_recorded_as_undelivered_and_costs_nothing(
    wechat_with_cases: WeChatService,
) -> None:
    wechat = wechat_with_cases
    staff = await wechat.staff()
    case_id = await _claimed_case(wechat, staff, RESIDENT)
    wechat.simulator.fail_next(45009)
    status, body = await _reply(staff, case_id, "材料收到了。")
    assert (status, body["delivered"], body["remaining"]) == (200, False, 5)
    assert "微信暂时限制发送" in body["detail"]
    detail = await _case(staff, case_id)
    (failed,) = [event for event in detail["events"] if event["kind"] == "delivery_failed"]
    assert "微信暂时限制发送" in failed["detail"]["reason"]
    assert wechat.sent_texts(RESIDENT) == []
    status, body = await _reply(staff, case_id, "材料收到了。")
    assert (status, body["delivered"], body["remaining"]) == (200, True, 4)
    assert wechat.sent_texts(RESIDENT) == ["材料收到了。"]


async def test_staff_reply_longer_than_one_message_is_split_and_draws_on_the_budget(wechat: WeChatService) -> None:
    staff = await wechat.staff()
    case_id = await _claimed_case(wechat, staff, RESIDENT)
    long_reply = "\n".join(f"第{n}点：请带上户口簿、身份证和残疾人证的原件，以及每样两份复印件。" for n in range(1, 41))
    status, body = await _reply(staff, case_id, long_reply)
    sent = wechat.sent_texts(RESIDENT)
    assert (status, body["delivered"]) == (200, True)
    assert len(sent) >= 2
    assert "\n".join(sent) == long_reply
    assert body["remaining"] == 5 - len(sent)


# ---------------------------------------------------------------- the access token under load


async def test_twenty_late_answers_at_once_share_one_token_and_survive_its_expiry(wechat: WeChatService) -> None:
    assert wechat.services.wechat.settings is not None
    wechat.services.wechat.settings.reply_deadline = 0.05
    residents = [f"o6_resident_{n:02d}" for n in range(20)]
    locks = UserLocks(wechat.services.redis)

    async def late_answers(text: str) -> None:
        pushes = wechat.pushes()
        async with AsyncExitStack() as held:
            for openid in residents:
                await held.enter_async_context(locks.hold(UserKey("wechat", openid)))
            results = await asyncio.gather(*(pushes.push(pushes.text(openid, text)) for openid in residents))
            assert [result.body for result in results] == ["success"] * 20
        await wechat.settle()

    await late_answers("你好")
    assert wechat.simulator.token_fetches["stable_token"] == 1
    assert all(len(wechat.sent_texts(openid)) == 1 for openid in residents)
    wechat.simulator.expire_tokens()
    await late_answers("我想申请护理补贴")
    assert wechat.simulator.token_fetches["stable_token"] == 2
    assert all(NURSING_INTRO in wechat.sent_texts(openid)[-1] for openid in residents)
    assert len(wechat.simulator.sent) == 40


# ---------------------------------------------------------------- input that must be refused


def _request(
    wechat: WeChatService, xml: str | bytes, *, safe: bool = False, **query: str | None
) -> tuple[dict[str, str], bytes]:
    """A signed push of ``xml`` (bytes are sent as they are), with query parameters replaced or removed."""
    sealed = wechat.seal(xml if isinstance(xml, str) else "<xml/>", safe=safe)
    params = {**sealed.query}
    for name, value in query.items():
        if value is None:
            params.pop(name, None)
        else:
            params[name] = value
    return params, sealed.body if isinstance(xml, str) else xml


def _text_push(openid: str = RESIDENT, content: str = "你好") -> str:
    return (
        f"<xml><ToUserName><![CDATA[{ACCOUNT}]]></ToUserName><FromUserName><![CDATA[{openid}]]></FromUserName>"
        f"<CreateTime>1714037059</CreateTime><MsgType><![CDATA[text]]></MsgType>"
        f"<Content><![CDATA[{content}]]></Content><MsgId>1234567890123456</MsgId></xml>"
    )


def _envelope(wechat: WeChatService, encrypt: str) -> tuple[dict[str, str], bytes]:
    """A safe-mode push whose ``Encrypt`` is ``encrypt``, with both signatures right."""
    stamp, nonce = str(int(wechat.clock())), "20240425"
    query = {
        "signature": sign(TOKEN, stamp, nonce),
        "timestamp": stamp,
        "nonce": nonce,
        "encrypt_type": "aes",
        "msg_signature": hashlib.sha1("".join(sorted([TOKEN, stamp, nonce, encrypt])).encode()).hexdigest(),  # noqa: S324
    }
    return query, f"<xml><ToUserName><![CDATA[{ACCOUNT}]]></ToUserName><Encrypt>{encrypt}</Encrypt></xml>".encode()


def _sealed_for_another_app(wechat: WeChatService) -> tuple[dict[str, str], bytes]:
    stamp = str(int(wechat.clock()))
    encrypted = WeChatCrypto(TOKEN, AES_KEY, "wx_another_account").encrypt_message(_text_push(), "1", stamp)
    encrypt = encrypted.split("<Encrypt><![CDATA[")[1].split("]]>")[0]
    return _envelope(wechat, encrypt)


XXE = '<?xml version="1.0"?><!DOCTYPE xml [<!ENTITY x SYSTEM "file:///etc/passwd">]>' + _text_push(
    content="&x;"
).replace("<![CDATA[&x;]]>", "&x;")
LAUGHS = (
    '<?xml version="1.0"?><!DOCTYPE xml [<!ENTITY a "lol"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">'
    '<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;"><!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;">]>'
    + _text_push(content="&d;").replace("<![CDATA[&d;]]>", "&d;")
)

BadRequest = Callable[[WeChatService], tuple[dict[str, str], bytes]]
BAD_REQUESTS: dict[str, tuple[BadRequest, int]] = {
    "wrong signature": (lambda w: _request(w, _text_push(), signature=sign("guess", "1", "2")), 403),
    "missing signature": (lambda w: _request(w, _text_push(), signature=None), 403),
    "missing timestamp": (lambda w: _request(w, _text_push(), timestamp=None), 403),
    "missing nonce": (lambda w: _request(w, _text_push(), nonce=None), 403),
    "malformed body, wrong signature": (lambda w: _request(w, b"<xml><oops", signature="0" * 40), 403),
    "XXE, wrong signature": (lambda w: _request(w, XXE.encode(), signature="0" * 40), 403),
    "overlong signature": (lambda w: _request(w, _text_push(), signature="a" * 65), 403),
    "timestamp not a number": (lambda w: _signed_with_timestamp("yesterday"), 400),
    "timestamp with a fraction": (lambda w: _signed_with_timestamp(f"{w.clock():.3f}"), 400),
    "timestamp of 400 digits": (lambda w: _signed_with_timestamp("9" * 400), 400),
    "timestamp in other digits": (lambda w: _signed_with_timestamp("١٧١٤٠٣٧٠٥٩"), 400),
    "stale timestamp": (lambda w: _stale(w, -301), 403),
    "timestamp from the future": (lambda w: _stale(w, 310), 403),
    "malformed XML": (lambda w: _request(w, b"<xml><MsgType>text</MsgType>"), 400),
    "not XML at all": (lambda w: _request(w, b'{"MsgType": "text"}'), 400),
    "root is not <xml>": (lambda w: _request(w, _text_push().replace("xml>", "doc>").encode()), 400),
    "XXE entity": (lambda w: _request(w, XXE.encode()), 400),
    "billion laughs": (lambda w: _request(w, LAUGHS.encode()), 400),
    "body over 64 KiB": (lambda w: _request(w, _text_push(content="字" * 22_000).encode()), 413),
    "not UTF-8": (lambda w: _request(w, _text_push(content="你好").encode("gbk")), 400),
    "no MsgType": (
        lambda w: _request(w, _text_push().replace("<MsgType><![CDATA[text]]></MsgType>", "").encode()),
        400,
    ),
    "no FromUserName": (lambda w: _request(w, _text_push(openid="").encode()), 400),
    "nested Content": (lambda w: _request(w, _text_push().replace("<![CDATA[你好]]>", "<b>你好</b>").encode()), 400),
    "empty body": (lambda w: _request(w, b""), 400),
    "safe mode, body does not decrypt": (
        lambda w: _envelope(w, base64.b64encode(secrets.token_bytes(64)).decode()),
        400,
    ),
    "safe mode, Encrypt not base64": (lambda w: _envelope(w, "not base64 at all!"), 400),
    "safe mode, sealed for another AppID": (_sealed_for_another_app, 400),
    "safe mode, wrong msg_signature": (lambda w: _request(w, _text_push(), safe=True, msg_signature="0" * 40), 403),
    "safe mode, plaintext body": (lambda w: _request(w, _text_push().encode(), encrypt_type="aes"), 400),
}


def _signed_with_timestamp(timestamp: str) -> tuple[dict[str, str], bytes]:
    query = {"signature": sign(TOKEN, timestamp, "7"), "timestamp": timestamp, "nonce": "7"}
    return query, _text_push().encode()


def _stale(wechat: WeChatService, seconds: int) -> tuple[dict[str, str], bytes]:
    sealed = wechat.seal(_text_push(), timestamp=int(wechat.clock()) + seconds)
    return sealed.query, sealed.body


@pytest.mark.parametrize("name", list(BAD_REQUESTS))
async def test_bad_push_is_refused_with_its_status_and_the_service_keeps_answering(
    wechat: WeChatService, name: str
) -> None:
    build, expected = BAD_REQUESTS[name]
    query, body = build(wechat)
    status, answer = await wechat.post(query, body)
    assert status == expected, answer
    assert "Traceback" not in answer
    assert "root:" not in answer
    assert "你好" not in answer
    assert len(answer) < 200
    assert await wechat.services.redis.exists(wechat.conversation_key(RESIDENT)) == 0
    await _answered_right_after(wechat)


async def test_timestamp_a_little_off_is_still_accepted(wechat: WeChatService) -> None:
    for seconds in (-290, 290):
        sealed = wechat.seal(wechat.pushes().text(RESIDENT, "你好"), timestamp=int(wechat.clock()) + seconds)
        status, answer = await wechat.deliver(sealed)
        assert status == 200
        assert wechat.read_reply(answer) is not None


async def test_safe_mode_push_to_a_service_without_an_aes_key_is_refused(start_service: ServiceStarter) -> None:
    plain_only = await start_service(wechat_aes_key=None)
    status, answer = await plain_only.deliver(plain_only.seal(_text_push(), safe=True))
    assert (status, "Traceback" in answer) == (403, False)
    await _answered_right_after(plain_only)


async def _in_pieces(body: bytes, size: int) -> AsyncIterator[bytes]:
    """The body as a chunked upload whose pieces arrive a little apart, as over a slow network."""
    for start in range(0, len(body), size):
        yield body[start : start + size]
        await asyncio.sleep(0.02)


async def test_push_arriving_in_several_pieces_is_read_whole(wechat: WeChatService) -> None:
    sealed = wechat.seal(wechat.pushes().text(RESIDENT, "我想申请护理补贴，" + "请帮帮我。" * 100))
    assert len(sealed.body) > 1500
    status, answer = await wechat.post(sealed.query, _in_pieces(sealed.body, 1400))
    assert status == 200
    assert wechat.read_reply(answer) is not None


async def test_body_over_64_kib_without_a_length_is_refused_as_too_large(wechat: WeChatService) -> None:
    big = wechat.seal(_text_push(content="字" * 22_000))
    status, _ = await wechat.post(big.query, _in_pieces(big.body, 16_000))
    assert status == 413


async def test_a_captured_plaintext_signature_cannot_carry_another_message(wechat: WeChatService) -> None:
    """The plaintext signature covers only token, timestamp and nonce; reusing it with a forged body
    (here: someone else's openid) is refused, while the platform's own retry of the same body is not."""
    genuine = wechat.seal(wechat.pushes().text(RESIDENT, "你好"))
    status, _ = await wechat.deliver(genuine)
    assert status == 200

    forged = genuine.body.replace(RESIDENT.encode(), b"o6_someone_else").replace("你好".encode(), "转人工".encode())
    status, answer = await wechat.post(genuine.query, forged)
    assert status == 403
    assert "Traceback" not in answer
    assert await wechat.services.redis.exists(wechat.conversation_key("o6_someone_else")) == 0

    status, _ = await wechat.deliver(genuine)
    assert status == 200


async def test_pushes_are_answered_after_redis_forgot_its_scripts(wechat: WeChatService) -> None:
    """A Redis restart empties its script cache; the arrival bookkeeping loads its script again."""
    await wechat.services.redis.script_flush()
    pushes = wechat.pushes()

    answer = passive_text(await pushes.push(pushes.text(RESIDENT, "你好")))

    assert answer is not None
    assert WELCOME in answer
    reach = await wechat.staff_delivery.reach("wechat", RESIDENT)
    assert reach.remaining == 5


@pytest.mark.parametrize(
    ("request_body", "told", "not_told"),
    [
        ({"outcome": "approved", "note": "内部备注：张科长已签"}, "申请通过了。", "张科长"),
        (
            {"outcome": "rejected", "note": "您的等级是四级，护理补贴要一级或二级", "tell_resident": True},
            "这次不符合条件，没有通过。工作人员说：您的等级是四级，护理补贴要一级或二级。",
            "已经有工作人员",
        ),
        ({"outcome": "referred"}, "这件事已经转给能办的部门去办。", "工作人员说"),
    ],
)
async def test_the_resolve_notice_says_the_outcome_and_the_note_only_when_staff_send_it(
    start_service: ServiceStarter, request_body: dict[str, Any], told: str, not_told: str
) -> None:
    wechat = await start_service(notify_residents=True)
    staff = await wechat.staff()
    case_id = await _claimed_case(wechat, staff, RESIDENT)

    resolved = await staff.post(f"/staff/api/cases/{case_id}/resolve", json=request_body)

    assert resolved.status == 200, await resolved.text()
    notice = wechat.sent_texts(RESIDENT)[-1]
    assert f"编号{case_id}，已经办结了。" in notice
    assert told in notice
    assert not_told not in notice


async def test_a_resident_is_told_over_wechat_when_their_case_is_claimed_and_resolved(
    start_service: ServiceStarter,
) -> None:
    wechat = await start_service(notify_residents=True)
    staff = await wechat.staff()
    case_id = await _claimed_case(wechat, staff, RESIDENT)
    assert wechat.sent_texts(RESIDENT)[-1].startswith(f"您的申请，编号{case_id}，已经有工作人员在办理了")
    assert (await _case(staff, case_id))["reach"]["remaining"] == 4  # notices share the budget

    resolved = await staff.post(f"/staff/api/cases/{case_id}/resolve", json={"outcome": "approved"})
    assert resolved.status == 200
    assert f"编号{case_id}，已经办结了" in wechat.sent_texts(RESIDENT)[-1]
    kinds = _event_kinds(await _case(staff, case_id))
    assert kinds.count("notified") == 2
