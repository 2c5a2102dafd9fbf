"""Staff replies WeChat cannot take now wait for the resident, and reach them when they next write.

The real service on PostgreSQL and Redis, the platform played by the simulator: a reply outside the
48-hour window, or past the five messages a resident's message allows, is answered 202 ``queued`` with
its reason and nothing is sent; staff see "未送达…" on the reply; the resident's next message (any push)
sends it first, through the new window, marked delivered once, even when two pushes arrive at once.
"""

from __future__ import annotations

import asyncio
import re
from typing import Any

import pytest
import yaml

from bot.staff.console.stream import encoded
from bot.staff.live import AnnouncingCaseStore, CaseChange
from tests.bot.channels.wechat.conftest import ServiceStarter
from tests.bot.channels.wechat.service import HOUR, StaffClient, WeChatService, passive_text
from tests.paths import CONTENT_DIR

RESIDENT = "o6_queued_resident"
TEXTS = yaml.safe_load((CONTENT_DIR / "delivery.yaml").read_text(encoding="utf-8"))
OUTSIDE_WINDOW = "未送达：居民超过48小时没有发消息，等居民下次发消息时送出。"
REPLY = "材料收到了，请下周一带原件来。"


@pytest.fixture
async def wechat(start_service: ServiceStarter, postgres_database_url: str) -> WeChatService:
    return await start_service(database_url=postgres_database_url)


async def _claimed_case(wechat: WeChatService, staff: StaffClient) -> int:
    """A request for a person (the hotline's), the shortest way to a case, claimed by ``staff``."""
    await wechat.converse(wechat.pushes(), RESIDENT, ["转人工", "想问补贴的事"])
    cases = (await (await staff.get("/staff/api/cases?status=new")).json())["cases"]
    case_id = int(cases[-1]["id"])
    assert (await staff.post(f"/staff/api/cases/{case_id}/claim")).status == 200
    return case_id


async def _reply(staff: StaffClient, case_id: int, text: str) -> tuple[int, dict[str, Any]]:
    response = await staff.post(f"/staff/api/cases/{case_id}/reply", json={"text": text})
    body: dict[str, Any] = await response.json()
    return response.status, body


async def _staff_messages(staff: StaffClient, case_id: int) -> list[dict[str, Any]]:
    detail = await (await staff.get(f"/staff/api/cases/{case_id}")).json()
    return [m for m in detail["messages"] if m["from"] == "staff"]


async def _delivered_events(staff: StaffClient, case_id: int) -> list[int]:
    detail = await (await staff.get(f"/staff/api/cases/{case_id}")).json()
    return [e["detail"]["event_id"] for e in detail["events"] if e["kind"] == "delivered"]


def test_the_words_staff_see_are_the_content_files() -> None:
    assert TEXTS["queued"]["outside_window"] == OUTSIDE_WINDOW


async def test_a_reply_outside_the_window_is_queued_and_reaches_the_resident_first_when_they_write(
    wechat: WeChatService,
) -> None:
    staff = await wechat.staff(teams=("hotline",))
    case_id = await _claimed_case(wechat, staff)
    before = len(wechat.sent_texts(RESIDENT))
    wechat.clock.advance(49 * HOUR)

    status, body = await _reply(staff, case_id, REPLY)

    assert status == 202
    assert body == {
        "event_id": body["event_id"],
        "delivered": False,
        "status": "queued",
        "reason": "outside_window",
        "detail": OUTSIDE_WINDOW,
        "remaining": 0,
    }
    assert len(wechat.sent_texts(RESIDENT)) == before
    (message,) = await _staff_messages(staff, case_id)
    assert message["delivery"] == {"status": "queued", "detail": OUTSIDE_WINDOW}
    page = await staff.get(f"/staff/cases/{case_id}")
    assert OUTSIDE_WINDOW in await page.text()  # the console says it too, beside the reply

    pushes = wechat.pushes()
    answer = passive_text(await pushes.push(pushes.text(RESIDENT, "你好")))
    await wechat.settle()

    # Sent through the window the message opened (the answer waits up to a second for it, to come after).
    assert wechat.sent_texts(RESIDENT)[before:] == [REPLY]
    assert answer
    (message,) = await _staff_messages(staff, case_id)
    assert message["delivery"] == {"status": "delivered", "detail": TEXTS["delivered_later"]}
    await wechat.converse(pushes, RESIDENT, ["谢谢"])
    assert wechat.sent_texts(RESIDENT).count(REPLY) == 1
    assert await _delivered_events(staff, case_id) == [body["event_id"]]


async def test_a_queued_reply_delivered_later_is_announced_live_to_the_open_consoles(wechat: WeChatService) -> None:
    staff = await wechat.staff(teams=("hotline",))
    case_id = await _claimed_case(wechat, staff)
    wechat.clock.advance(49 * HOUR)
    assert (await _reply(staff, case_id, REPLY))[0] == 202
    cases = wechat.services.cases
    assert isinstance(cases, AnnouncingCaseStore)
    async with cases.feed.subscribe() as changes:
        pushes = wechat.pushes()
        await pushes.push(pushes.text(RESIDENT, "你好"))
        await wechat.settle()
        heard: list[CaseChange] = []
        while not any(change.kind == "delivered" for change in heard):
            batch = await changes.take(wait=5)
            assert batch.changes, "no change announced"
            heard.extend(batch.changes)
    delivered = next(change for change in heard if change.kind == "delivered")
    assert (delivered.case_id, delivered.team) == (case_id, "hotline")
    assert "等待的回复已经送到居民" in encoded(delivered).decode()


async def test_a_reply_past_the_five_messages_waits_for_the_quota_of_the_next_message(wechat: WeChatService) -> None:
    staff = await wechat.staff(teams=("hotline",))
    case_id = await _claimed_case(wechat, staff)
    for n in range(5):
        assert (await _reply(staff, case_id, f"第{n + 1}条"))[0] == 200

    status, body = await _reply(staff, case_id, "第6条")

    assert (status, body["status"], body["reason"], body["detail"]) == (
        202,
        "queued",
        "quota",
        TEXTS["queued"]["quota"],
    )
    assert "第6条" not in wechat.sent_texts(RESIDENT)
    await wechat.converse(wechat.pushes(), RESIDENT, ["好的"])
    assert wechat.sent_texts(RESIDENT).count("第6条") == 1


async def test_when_wechat_refuses_for_quota_the_reply_is_queued_not_lost(wechat: WeChatService) -> None:
    staff = await wechat.staff(teams=("hotline",))
    case_id = await _claimed_case(wechat, staff)
    wechat.simulator.fail_next(45047)

    status, body = await _reply(staff, case_id, REPLY)

    assert (status, body["status"], body["reason"]) == (202, "queued", "quota")
    status, body = await _reply(staff, case_id, "还有一件事。")  # WeChat closed the window: still the quota
    assert (status, body["reason"], body["detail"]) == (202, "quota", TEXTS["queued"]["quota"])
    await wechat.converse(wechat.pushes(), RESIDENT, ["在吗"])
    assert wechat.sent_texts(RESIDENT).count(REPLY) == 1
    assert wechat.sent_texts(RESIDENT).count("还有一件事。") == 1


async def test_two_messages_at_once_in_two_workers_send_each_waiting_reply_once(wechat: WeChatService) -> None:
    staff = await wechat.staff(teams=("hotline",))
    case_id = await _claimed_case(wechat, staff)
    wechat.clock.advance(49 * HOUR)
    waiting = [f"第{n}条回复" for n in range(1, 4)]
    for text in waiting:
        assert (await _reply(staff, case_id, text))[0] == 202
    pushes = wechat.pushes()
    flush = wechat.services.wechat.queued
    assert flush is not None

    # Two pushes of the same resident, plus a second worker's flush, all at the same moment.
    await asyncio.gather(
        pushes.push(pushes.text(RESIDENT, "你好")), pushes.push(pushes.text(RESIDENT, "在吗")), flush.flush(RESIDENT)
    )
    await wechat.settle()

    assert [text for text in wechat.sent_texts(RESIDENT) if text in waiting] == waiting
    assert len(await _delivered_events(staff, case_id)) == 3


async def test_a_reply_from_the_console_page_is_queued_and_the_page_says_so(wechat: WeChatService) -> None:
    staff = await wechat.staff(teams=("hotline",))
    case_id = await _claimed_case(wechat, staff)
    wechat.clock.advance(49 * HOUR)
    page = await (await staff.get(f"/staff/cases/{case_id}")).text()
    fields = dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)">', page))

    response = await staff.post(
        f"/staff/cases/{case_id}/reply",
        data={**fields, "text": REPLY},
        headers={"Sec-Fetch-Site": "same-origin"},
        allow_redirects=False,
    )

    assert response.status == 303
    assert "done=reply_queued" in response.headers["Location"]
    shown = await (await staff.get(response.headers["Location"])).text()
    assert f'role="status"><p>回复已保存，还没送到居民。{OUTSIDE_WINDOW}</p>' in shown
    assert OUTSIDE_WINDOW in shown
    assert REPLY not in wechat.sent_texts(RESIDENT)
