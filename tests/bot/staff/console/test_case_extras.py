"""The case page's notes, contact preference, canned replies and reply window, and the queue's columns."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from markupsafe import escape

from bot.cases.types import NewCase
from bot.staff.delivery import Reach
from tests.bot.staff.console.conftest import ID_NUMBER, PHONE, Console

DEAF = "我听不见，别打电话，有事发微信"


async def _deaf_residents_case(console: Console, said: str = DEAF) -> int:
    case_id, _ = await console.cases.create(
        NewCase(
            idempotency_key=f"said-{said}",
            service="disability-card",
            team="subsidy",
            channel="wechat",
            user_ref="openid-deaf",
            mode="text",
            district="柳北区",
            contact_phone=PHONE,
            beneficiary_name="蓝阿妹",
            proxy=None,
            answers={},
            transcript=[{"who": "bot", "text": "还有什么要告诉我们的？"}, {"who": "resident", "text": said}],
            summary="残疾人证办理；柳北区；蓝*",
        )
    )
    return case_id


async def test_the_contact_preference_heard_from_the_resident_is_on_top_of_the_case_and_in_the_queue(
    console: Console,
) -> None:
    await console.add_user("anna")
    await console.login("anna")
    case_id = await _deaf_residents_case(console)
    page = await (await console.client.get(f"/staff/cases/{case_id}")).text()
    heading = '<h2 id="contact-title">联系方式：只发文字，不要打电话</h2>'
    assert heading in page
    assert page.index(heading) < page.index('id="facts-title"')  # before everything else
    assert f"说：“{DEAF}”" in page
    queue = await (await console.client.get("/staff/")).text()
    assert '<th scope="col">联系方式</th>' in queue
    assert "<strong>只发文字</strong>" in queue


async def test_staff_change_the_contact_preference_with_a_checked_form(console: Console) -> None:
    await console.add_user("anna")
    await console.login("anna")
    case_id = await console.new_case()
    page = f"/staff/cases/{case_id}"
    status, text = await console.post(f"{page}/contact-preference", {"preference": "via_family"}, page=page)
    assert status == 200
    assert "联系方式已保存" in text
    assert '<h2 id="contact-title">联系方式：通过家人联系</h2>' in text
    assert "anna 在" in text
    assert await console.cases.contact_preferences([case_id]) == {case_id: "via_family"}
    status, text = await console.post(f"{page}/contact-preference", {"preference": "telegram"}, page=page)
    assert status == 400
    assert "请选择联系方式" in text
    no_token = await console.client.post(f"{page}/contact-preference", data={"preference": "may_call"})
    assert no_token.status == 403
    assert await console.cases.contact_preferences([case_id]) == {case_id: "via_family"}


async def test_a_private_note_is_shown_with_author_and_time_escaped_and_never_sent(console: Console) -> None:
    await console.add_user("anna")
    await console.login("anna")
    case_id = await console.new_case()
    page = f"/staff/cases/{case_id}"
    note = "<b>家属</b>说下午才在家"
    status, text = await console.post(f"{page}/notes", {"note_text": note}, page=page)
    assert status == 200
    assert "备注已保存" in text
    assert f'<span class="who">anna：</span>{escape(note)}' in text
    assert note not in text
    assert console.delivery.sent == []
    assert console.delivery.notices == []
    status, text = await console.post(f"{page}/notes", {"note_text": "   "}, page=page)
    assert status == 400
    assert "这一项不能为空" in text


async def test_a_phone_number_in_a_note_is_masked_until_shown(console: Console) -> None:
    await console.add_user("anna")
    await console.login("anna")
    case_id = await console.new_case()
    page = f"/staff/cases/{case_id}"
    _, text = await console.post(f"{page}/notes", {"note_text": f"女儿电话{PHONE}"}, page=page)
    assert PHONE not in text
    _, text = await console.post(f"{page}/reveal", {}, page=page)
    assert f"女儿电话{PHONE}" in text


async def test_canned_replies_are_offered_and_one_is_put_in_the_reply_box_without_javascript(console: Console) -> None:
    await console.add_user("anna")
    await console.login("anna")
    case_id = await console.new_case()
    page = f"/staff/cases/{case_id}"
    await console.post(f"{page}/claim", {"seen": "new||subsidy"}, page=page)
    text = await (await console.client.get(page)).text()
    assert '<label for="canned">常用回复</label>' in text
    assert 'data-text="您的申请我们收到了，正在办理。有进展会告诉您。"' in text
    assert "在框里先打 / 再打关键字" in text
    text = await (await console.client.get(page, params={"reply": "need-time"})).text()
    box = re.search(r'<textarea id="reply-text"[^>]*>([^<]*)</textarea>', text)
    assert box is not None
    assert box.group(1).startswith("这件事需要几天时间核实")
    assert "常用回复已放进回复框" in text


async def test_the_reply_window_is_said_in_words_with_its_clock_time(console: Console) -> None:
    await console.add_user("anna")
    await console.login("anna")
    case_id = await console.new_case()
    closes = datetime.now(UTC) + timedelta(hours=3, minutes=20, seconds=30)
    console.delivery.reachable = Reach(can_send=True, remaining=4, closes_at=closes.timestamp())
    text = await (await console.client.get(f"/staff/cases/{case_id}")).text()
    assert "快到期：还剩 3 小时 20 分钟，还能发 4 条（北京时间" in text
    queue = await (await console.client.get("/staff/")).text()
    assert '<strong class="warn">快到期：还剩 3 小时 20 分钟，还能发 4 条</strong>' in queue
    assert "<td>不到 1 分钟</td>" in queue  # waited
    console.delivery.reachable = Reach(can_send=False, remaining=0, reason="居民超过48小时没有发消息，微信不允许再发。")
    queue = await (await console.client.get("/staff/")).text()
    assert "微信不允许再发" in queue


async def test_full_numbers_appear_only_after_show_and_every_show_is_recorded(console: Console) -> None:
    await console.add_user("anna")
    await console.login("anna")
    case_id = await console.new_case()
    page = f"/staff/cases/{case_id}"
    await console.post(f"{page}/claim", {"seen": "new||subsidy"}, page=page)
    await console.post(f"{page}/notes", {"note_text": f"他说换了号码 {ID_NUMBER}"}, page=page)
    surfaces = [
        "/staff/",
        "/staff/?status=all",
        "/staff/?status=all&part=list",
        f"/staff/?status=all&q={PHONE[-4:]}",
        page,
        f"{page}?reply=received",
    ]
    for surface in surfaces:
        text = await (await console.client.get(surface)).text()
        assert PHONE not in text, surface
        assert ID_NUMBER not in text, surface

    async def shown() -> list[str]:
        detail = await console.cases.get(case_id, actor="auditor")
        return [event.actor for event in detail.events if event.kind == "numbers_shown"]

    assert await shown() == []
    assert (await console.client.get(f"{page}/reveal")).status == 405
    forged = await console.client.post(f"{page}/reveal", data={"csrf": "forged-token-000000000000"})
    assert forged.status == 403
    assert PHONE not in await forged.text()
    assert await shown() == []
    _, text = await console.post(f"{page}/reveal", {}, page=page)
    assert PHONE in text
    assert ID_NUMBER in text
    assert "这次查看已记入处理记录" in text
    assert await shown() == ["anna"]


async def test_a_number_in_the_words_a_preference_was_heard_in_is_masked_too(console: Console) -> None:
    await console.add_user("anna")
    await console.login("anna")
    case_id = await _deaf_residents_case(console, f"打我手机{PHONE}")
    text = await (await console.client.get(f"/staff/cases/{case_id}")).text()
    assert '<h2 id="contact-title">联系方式：可以打电话</h2>' in text
    assert "说：“打我手机139****5678”" in text
    assert PHONE not in text
