"""A resident and the staff member on their case talk both ways, through ``/wechat`` and the staff API.

Once staff reply, what the resident says goes to the case (and is acknowledged), until staff hand the
conversation back or resolve; commands and words of danger are still the assistant's.
"""

from __future__ import annotations

from typing import Any

from tests.bot.channels.wechat.service import StaffClient, WeChatService, passive_text
from tests.bot.scripts import CONFIRM, LIVING_ALLOWANCE_FOR_MYSELF, NURSING_ALLOWANCE_FOR_MY_MOTHER

RESIDENT = "o6_talk_resident"
FORWARDED = "已转给工作人员"
ANSWER = "2015年办的，户主是我爸刘建国"


async def _say(wechat: WeChatService, text: str, openid: str = RESIDENT) -> str:
    pushes = wechat.pushes()
    answer = passive_text(await pushes.push(pushes.text(openid, text))) or ""
    await wechat.settle()
    return answer


async def _file(wechat: WeChatService, script: tuple[str, ...]) -> None:
    await wechat.converse(wechat.pushes(), RESIDENT, [*script, CONFIRM])


async def _open_case(wechat: WeChatService, staff: StaffClient) -> int:
    await _file(wechat, LIVING_ALLOWANCE_FOR_MYSELF)
    cases = (await (await staff.get("/staff/api/cases?status=new")).json())["cases"]
    case_id = int(cases[-1]["id"])
    assert (await staff.post(f"/staff/api/cases/{case_id}/claim")).status == 200
    return case_id


async def _reply(staff: StaffClient, case_id: int, text: str) -> None:
    response = await staff.post(f"/staff/api/cases/{case_id}/reply", json={"text": text, "await_resident": True})
    assert response.status == 200, await response.text()


async def _detail(staff: StaffClient, case_id: int) -> dict[str, Any]:
    response = await staff.get(f"/staff/api/cases/{case_id}")
    assert response.status == 200
    detail: dict[str, Any] = await response.json()
    return detail


async def _case_count(staff: StaffClient) -> int:
    return len((await (await staff.get("/staff/api/cases")).json())["cases"])


async def test_the_residents_answer_to_a_staff_question_goes_to_the_case(wechat: WeChatService) -> None:
    staff = await wechat.staff()
    case_id = await _open_case(wechat, staff)
    await _reply(staff, case_id, "请问您的残疾人证是哪一年办的？户主是谁？")

    answer = await _say(wechat, ANSWER)

    assert FORWARDED in answer
    assert str(case_id) in answer
    detail = await _detail(staff, case_id)
    assert detail["messages"][-2]["from"] == "staff"
    assert detail["messages"][-1] == {"from": "resident", "text": ANSWER, "at": detail["messages"][-1]["at"]}
    assert detail["status"] == "claimed"  # it was waiting on the resident; now it is the staff's turn


async def test_before_staff_reply_the_resident_talks_with_the_assistant(wechat: WeChatService) -> None:
    staff = await wechat.staff()
    await _open_case(wechat, staff)  # claimed, but nobody has written to the resident yet

    answer = await _say(wechat, "护理补贴")

    assert FORWARDED not in answer
    assert "护理补贴" in answer


async def test_asking_for_a_person_while_talking_with_one_files_no_second_case(wechat: WeChatService) -> None:
    staff = await wechat.staff()
    case_id = await _open_case(wechat, staff)
    await _reply(staff, case_id, "您好，我是小王，您的申请我在办。")
    before = await _case_count(staff)

    answer = await _say(wechat, "转人工")

    assert FORWARDED in answer
    assert await _case_count(staff) == before


async def test_commands_and_danger_are_still_the_assistants(wechat: WeChatService) -> None:
    staff = await wechat.staff()
    case_id = await _open_case(wechat, staff)
    await _reply(staff, case_id, "请问您现在住在哪里？")

    assert FORWARDED not in await _say(wechat, "帮助")
    danger = await _say(wechat, "我不想活了")
    assert FORWARDED not in danger
    assert "110" in danger or "120" in danger or "12356" in danger or "热线" in danger
    messages = (await _detail(staff, case_id))["messages"]
    assert all(m["text"] not in ("帮助", "我不想活了") for m in messages if m["from"] == "resident")


async def test_a_retried_push_adds_the_words_to_the_case_once(wechat: WeChatService) -> None:
    staff = await wechat.staff()
    case_id = await _open_case(wechat, staff)
    await _reply(staff, case_id, "户主是谁？")
    sealed = wechat.seal(wechat.pushes().text(RESIDENT, ANSWER))

    for _ in range(3):
        status, _body = await wechat.deliver(sealed)
        assert status == 200

    said = [m for m in (await _detail(staff, case_id))["messages"] if m["text"] == ANSWER]
    assert len(said) == 1


async def test_after_hand_back_or_resolve_the_assistant_answers_again(wechat: WeChatService) -> None:
    staff = await wechat.staff()
    case_id = await _open_case(wechat, staff)
    await _reply(staff, case_id, "材料收到了吗？")
    assert FORWARDED in await _say(wechat, "收到了")

    handed = await staff.post(f"/staff/api/cases/{case_id}/handback")
    assert handed.status == 200, await handed.text()
    assert FORWARDED not in await _say(wechat, "护理补贴")

    await _reply(staff, case_id, "还有一个问题。")
    assert FORWARDED in await _say(wechat, "您说")
    resolved = await staff.post(f"/staff/api/cases/{case_id}/resolve", json={"outcome": "approved", "note": ""})
    assert resolved.status == 200, await resolved.text()
    assert FORWARDED not in await _say(wechat, "护理补贴")


async def _two_open_cases(wechat: WeChatService) -> tuple[StaffClient, int, int]:
    """A living-allowance and a nursing-allowance case of one resident, both claimed by one staff member."""
    staff = await wechat.staff()
    first = await _open_case(wechat, staff)
    await _file(wechat, NURSING_ALLOWANCE_FOR_MY_MOTHER)
    cases = (await (await staff.get("/staff/api/cases?status=new")).json())["cases"]
    second = int(cases[-1]["id"])
    assert (await staff.post(f"/staff/api/cases/{second}/claim")).status == 200
    return staff, first, second


async def test_a_resident_with_two_open_conversations_is_asked_which_one(wechat: WeChatService) -> None:
    staff, first, second = await _two_open_cases(wechat)
    await _reply(staff, first, "生活补贴这边还差一张照片。")
    await _reply(staff, second, "护理补贴这边想问一下您妈妈的情况。")

    asked = await _say(wechat, "她现在卧床")
    assert FORWARDED not in asked
    assert f"编号{first}" in asked
    assert f"编号{second}" in asked

    options = asked.split("\n")
    second_option = next(line for line in options if f"编号{second}" in line)
    number = second_option.strip().split(".")[0].split("、")[0]
    answer = await _say(wechat, number)

    assert FORWARDED in answer
    assert f"编号{second}" in answer
    said = [m["text"] for m in (await _detail(staff, second))["messages"] if m["from"] == "resident"]
    assert said[-1] == "她现在卧床"
    assert "她现在卧床" not in [m["text"] for m in (await _detail(staff, first))["messages"]]


async def test_more_words_instead_of_a_choice_are_kept_with_the_first(wechat: WeChatService) -> None:
    staff, first, second = await _two_open_cases(wechat)
    await _reply(staff, first, "照片带了吗？")
    await _reply(staff, second, "您妈妈能走路吗？")

    await _say(wechat, "她现在卧床")
    asked_again = await _say(wechat, "还要一个轮椅")
    assert FORWARDED not in asked_again
    answer = await _say(wechat, "1")  # the most recently replied case comes first

    assert FORWARDED in answer
    said = [m["text"] for m in (await _detail(staff, second))["messages"] if m["from"] == "resident"]
    assert said[-1] == "她现在卧床\n还要一个轮椅"


async def test_only_the_claimer_hands_the_conversation_back(wechat: WeChatService) -> None:
    staff = await wechat.staff()
    colleague = await wechat.staff("li.agent")
    case_id = await _open_case(wechat, staff)
    await _reply(staff, case_id, "您的照片收到了。")

    refused = await colleague.post(f"/staff/api/cases/{case_id}/handback")

    assert refused.status == 403
    assert (await refused.json())["error"]["code"] == "claimed_by_other"
    assert FORWARDED in await _say(wechat, "好的")
