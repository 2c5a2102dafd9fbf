"""Reading a whole case decrypts it and is itself recorded, with who read it and when."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.cases.errors import CaseNotFound
from bot.cases.store import CaseStore
from bot.cases.types import Proxy, StaffUser
from tests.bot.cases.factories import ID_NUMBER, NAME, PHONE, PROXY_NAME, PROXY_PHONE, new_case


async def test_get_returns_the_decrypted_case(case_store: CaseStore) -> None:
    case_id, _ = await case_store.create(new_case())
    detail = await case_store.get(case_id, actor="li.agent")
    assert detail.summary.id == case_id
    assert detail.user_ref == "o6_resident_1"
    assert detail.beneficiary_name == NAME
    assert detail.contact_phone == PHONE
    assert detail.proxy == Proxy("子女", PROXY_NAME, PROXY_PHONE)
    assert detail.answers["id_number"] == ID_NUMBER
    assert detail.transcript == [{"role": "resident", "text": f"我的电话是{PHONE}"}]


async def test_each_reading_is_recorded_with_the_reader(case_store: CaseStore) -> None:
    case_id, _ = await case_store.create(new_case())
    before = datetime.now(UTC)
    await case_store.get(case_id, actor="li.agent")
    detail = await case_store.get(case_id, actor="wang.supervisor")
    viewed = [event for event in detail.events if event.kind == "viewed"]
    assert [event.actor for event in viewed] == ["li.agent", "wang.supervisor"]
    assert all(event.created_at >= before for event in viewed)


async def test_events_come_in_the_order_they_happened(case_store: CaseStore, agent: StaffUser) -> None:
    case_id, _ = await case_store.create(new_case())
    await case_store.claim(case_id, staff=agent)
    await case_store.add_reply(case_id, staff=agent, text="已收到")
    detail = await case_store.get(case_id, actor=agent.username)
    assert [event.kind for event in detail.events] == ["created", "claimed", "replied", "viewed"]


async def test_reply_text_and_resolve_note_are_shown_only_when_reading_the_case(
    case_store: CaseStore, agent: StaffUser
) -> None:
    case_id, _ = await case_store.create(new_case())
    await case_store.claim(case_id, staff=agent)
    reply = await case_store.add_reply(case_id, staff=agent, text=f"我们会打 {PHONE} 联系您")
    await case_store.resolve(case_id, staff=agent, outcome="approved", note="已核实残疾证")
    assert "text" not in reply.detail
    detail = await case_store.get(case_id, actor=agent.username)
    by_kind = {event.kind: event.detail for event in detail.events}
    assert by_kind["replied"]["text"] == f"我们会打 {PHONE} 联系您"
    assert by_kind["resolved"]["note"] == "已核实残疾证"


async def test_a_missing_case_is_not_found_and_nothing_is_recorded(case_store: CaseStore) -> None:
    with pytest.raises(CaseNotFound) as caught:
        await case_store.get(999, actor="li.agent")
    assert caught.value.code == "case_not_found"
    assert caught.value.message == "找不到这个申请"
