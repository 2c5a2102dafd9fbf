"""The platform's three message modes (明文, 兼容, 安全) and the downgrade they must not allow.

Anyone who sees one push URL (a proxy's log keeps it) holds a valid ``signature``/``timestamp``/``nonce``
for five minutes. In safe mode a plaintext push is refused outright; in compatible mode the triple of any
push, sealed or not, carries only the body it first came with, and a plaintext answer never carries a
resident's personal numbers; in plain mode sealed pushes are refused.
"""

from __future__ import annotations

import pytest

from bot.channels.wechat.simulator.push_xml import cdata
from tests.bot.channels.wechat.conftest import ServiceStarter
from tests.bot.channels.wechat.service import ACCOUNT, WeChatService, passive_text
from tests.bot.scripts import ID_NUMBER, LIVING_ALLOWANCE_FOR_MYSELF, PHONE

VICTIM = "o6_victim_wei"
ATTACKER_SEES = "o6_someone_who_wrote_once"
SUMMARY = "请核对您申请生活补贴的信息"
ID_READ_BACK = "110105 19491231 002X"
PHONE_READ_BACK = "138 1234 5678"


def _plaintext(openid: str, content: str) -> bytes:
    return (
        f"<xml><ToUserName>{cdata(ACCOUNT)}</ToUserName><FromUserName>{cdata(openid)}</FromUserName>"
        f"<CreateTime>1714037059</CreateTime><MsgType>{cdata('text')}</MsgType>"
        f"<Content>{cdata(content)}</Content><MsgId>4242424242</MsgId></xml>"
    ).encode()


async def _at_the_summary(wechat: WeChatService, *, safe: bool) -> list[str]:
    """The victim's whole application, up to the summary that reads back their ID and phone."""
    return await wechat.converse(wechat.pushes(safe=safe), VICTIM, LIVING_ALLOWANCE_FOR_MYSELF)


async def _state(wechat: WeChatService) -> bytes | None:
    raw: bytes | None = await wechat.services.redis.get(wechat.conversation_key(VICTIM))
    return raw


@pytest.mark.parametrize("mode", [None, "safe"], ids=["default-with-a-key", "safe"])
async def test_in_safe_mode_a_sealed_pushs_url_cannot_carry_a_plaintext_push_for_someone_else(
    start_service: ServiceStarter, mode: str | None
) -> None:
    """The reproduction from the report: one valid sealed push, then the same three query parameters
    without ``encrypt_type`` and a plaintext "重复" for a resident at the summary step."""
    wechat = await start_service(wechat_mode=mode) if mode else await _service_in_default_mode(start_service)
    answers = await _at_the_summary(wechat, safe=True)
    assert SUMMARY in answers[-1]
    assert ID_READ_BACK in answers[-1]  # sealed: the resident reads their own numbers
    before = await _state(wechat)

    seen = wechat.seal(wechat.pushes(safe=True).text(ATTACKER_SEES, "你好"), safe=True)
    assert (await wechat.deliver(seen))[0] == 200
    triple = {name: seen.query[name] for name in ("signature", "timestamp", "nonce")}
    status, answer = await wechat.post(triple, _plaintext(VICTIM, "重复"))

    assert status == 403
    assert ID_NUMBER not in answer
    assert "1949" not in answer
    assert await _state(wechat) == before


async def _service_in_default_mode(start_service: ServiceStarter) -> WeChatService:
    """The production default: an AES key set and no BOT_WECHAT_MODE, which means safe."""
    wechat = await start_service(wechat_mode=None)
    assert wechat.services.settings.effective_wechat_mode == "safe"
    return wechat


async def test_in_safe_mode_any_plaintext_push_is_refused_even_freshly_signed(start_service: ServiceStarter) -> None:
    wechat = await start_service(wechat_mode="safe")
    status, answer = await wechat.deliver(wechat.seal(wechat.pushes().text(VICTIM, "你好")))
    assert (status, answer) == (403, "plaintext pushes are refused in safe mode")
    assert await _state(wechat) is None


async def test_in_compatible_mode_a_sealed_pushs_signature_is_single_use_for_its_body(
    start_service: ServiceStarter,
) -> None:
    wechat = await start_service(wechat_mode="compatible")
    await _at_the_summary(wechat, safe=True)
    before = await _state(wechat)

    seen = wechat.seal(wechat.pushes(safe=True).text(ATTACKER_SEES, "你好"), safe=True)
    assert (await wechat.deliver(seen))[0] == 200
    triple = {name: seen.query[name] for name in ("signature", "timestamp", "nonce")}
    status, answer = await wechat.post(triple, _plaintext(VICTIM, "是"))

    assert (status, answer) == (403, "signature already used")
    assert await _state(wechat) == before
    assert (await wechat.deliver(seen))[0] == 200  # the platform's own retry of the sealed push still works


async def test_in_compatible_mode_plaintext_answers_never_carry_personal_numbers(start_service: ServiceStarter) -> None:
    wechat = await start_service(wechat_mode="compatible")
    answers = await _at_the_summary(wechat, safe=False)
    summary = answers[-1]

    assert SUMMARY in summary
    assert ID_READ_BACK not in summary
    assert PHONE_READ_BACK not in summary
    assert "110*** ******** **2X" in summary
    assert "138 **** **78" in summary
    again = passive_text(await wechat.pushes().push(wechat.pushes().text(VICTIM, "重复")))
    assert again is not None
    assert PHONE not in again.replace(" ", "")
    sealed_again = passive_text(await wechat.pushes(safe=True).push(wechat.pushes(safe=True).text(VICTIM, "重复")))
    assert sealed_again is not None
    assert PHONE_READ_BACK in sealed_again


async def test_in_plain_mode_sealed_pushes_are_refused_and_plaintext_is_answered_whole(
    start_service: ServiceStarter,
) -> None:
    wechat = await start_service(wechat_mode="plain")
    status, answer = await wechat.deliver(wechat.seal(wechat.pushes().text(VICTIM, "你好"), safe=True))
    assert (status, answer) == (403, "sealed pushes are refused in plain mode (BOT_WECHAT_MODE)")

    answers = await _at_the_summary(wechat, safe=False)
    assert ID_READ_BACK in answers[-1]  # the operator chose plaintext for the whole account
