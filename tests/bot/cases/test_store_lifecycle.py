"""Replies, deliveries, transfers and resolutions: which moves each status allows, and what is recorded."""

from __future__ import annotations

from dataclasses import replace

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.cases.errors import CaseConflict, CaseNotFound, InvalidRequest
from bot.cases.store import CaseStore
from bot.cases.types import CaseStatus, StaffUser
from tests.bot.cases.factories import PHONE, new_case


async def _claimed_case(case_store: CaseStore, agent: StaffUser) -> int:
    case_id, _ = await case_store.create(new_case())
    await case_store.claim(case_id, staff=agent)
    return case_id


async def _status(case_store: CaseStore, case_id: int) -> str:
    [case] = [case for case in await case_store.list() if case.id == case_id]
    return case.status


# Replies


async def test_a_reply_is_recorded_with_its_length_and_the_case_stays_claimed(
    case_store: CaseStore, agent: StaffUser
) -> None:
    case_id = await _claimed_case(case_store, agent)
    event = await case_store.add_reply(case_id, staff=agent, text="您好，已收到")
    assert (event.case_id, event.kind, event.actor) == (case_id, "replied", "li.agent")
    assert event.detail == {"length": 6, "await_resident": False}
    assert await _status(case_store, case_id) == CaseStatus.CLAIMED


async def test_a_reply_that_asks_the_resident_something_makes_the_case_wait(
    case_store: CaseStore, agent: StaffUser
) -> None:
    case_id = await _claimed_case(case_store, agent)
    await case_store.add_reply(case_id, staff=agent, text="请发残疾证照片", await_resident=True)
    assert await _status(case_store, case_id) == CaseStatus.WAITING
    await case_store.add_reply(case_id, staff=agent, text="还在等您的照片")
    assert await _status(case_store, case_id) == CaseStatus.WAITING


async def test_reply_text_is_encrypted_at_rest(case_store: CaseStore, agent: StaffUser, engine: AsyncEngine) -> None:
    case_id = await _claimed_case(case_store, agent)
    await case_store.add_reply(case_id, staff=agent, text=f"我们会打 {PHONE}")
    async with engine.connect() as connection:
        body, detail = (
            await connection.execute(text("SELECT body_enc, detail FROM case_events WHERE kind = 'replied'"))
        ).one()
    assert PHONE.encode() not in body
    assert PHONE not in str(detail)


async def test_an_unclaimed_case_cannot_be_replied_to(case_store: CaseStore, agent: StaffUser) -> None:
    case_id, _ = await case_store.create(new_case())
    with pytest.raises(CaseConflict) as caught:
        await case_store.add_reply(case_id, staff=agent, text="您好")
    assert caught.value.code == "not_claimed"


async def test_a_resolved_case_cannot_be_replied_to(case_store: CaseStore, agent: StaffUser) -> None:
    case_id = await _claimed_case(case_store, agent)
    await case_store.resolve(case_id, staff=agent, outcome="approved", note="")
    with pytest.raises(CaseConflict) as caught:
        await case_store.add_reply(case_id, staff=agent, text="您好")
    assert caught.value.code == "case_resolved"


@pytest.mark.parametrize("reply", ["", "   ", "字" * 4001, "您好\x00"])
async def test_empty_or_overlong_replies_are_refused(case_store: CaseStore, agent: StaffUser, reply: str) -> None:
    case_id = await _claimed_case(case_store, agent)
    with pytest.raises(InvalidRequest):
        await case_store.add_reply(case_id, staff=agent, text=reply)


async def test_replying_to_a_missing_case_is_not_found(case_store: CaseStore, agent: StaffUser) -> None:
    with pytest.raises(CaseNotFound):
        await case_store.add_reply(404, staff=agent, text="您好")


# Deliveries


async def test_deliveries_are_recorded_against_the_reply(case_store: CaseStore, agent: StaffUser) -> None:
    case_id = await _claimed_case(case_store, agent)
    reply = await case_store.add_reply(case_id, staff=agent, text="您好")
    failed = await case_store.record_delivery(case_id, event_id=reply.id, ok=False, detail="48 小时窗口已过")
    sent = await case_store.record_delivery(case_id, event_id=reply.id, ok=True, detail="已发送")
    assert (failed.kind, failed.actor, failed.detail) == (
        "delivery_failed",
        "system",
        {"event_id": reply.id, "reason": "48 小时窗口已过"},
    )
    assert sent.kind == "delivered"


async def test_a_delivery_for_an_event_of_another_case_is_not_found(case_store: CaseStore, agent: StaffUser) -> None:
    case_id = await _claimed_case(case_store, agent)
    other_id = await _claimed_case(case_store, agent)
    reply = await case_store.add_reply(other_id, staff=agent, text="您好")
    with pytest.raises(CaseNotFound) as caught:
        await case_store.record_delivery(case_id, event_id=reply.id, ok=True, detail="已发送")
    assert caught.value.code == "event_not_found"


# Transfers


async def test_a_transfer_puts_the_case_back_in_the_new_teams_queue(case_store: CaseStore, agent: StaffUser) -> None:
    case_id = await _claimed_case(case_store, agent)
    moved = await case_store.transfer(case_id, staff=agent, team="hotline")
    assert (moved.team, moved.status, moved.claimed_by) == ("hotline", CaseStatus.NEW, None)
    events = (await case_store.get(case_id, actor=agent.username)).events
    [transferred] = [event for event in events if event.kind == "transferred"]
    assert (transferred.actor, transferred.detail) == ("li.agent", {"from": "subsidy", "to": "hotline"})


async def test_a_transferred_case_can_be_claimed_again(
    case_store: CaseStore, agent: StaffUser, supervisor: StaffUser
) -> None:
    case_id = await _claimed_case(case_store, agent)
    await case_store.transfer(case_id, staff=agent, team="hotline")
    claimed = await case_store.claim_next("hotline", staff=supervisor)
    assert claimed is not None
    assert claimed.id == case_id


async def test_transfer_to_an_unknown_or_the_same_team_is_refused(case_store: CaseStore, agent: StaffUser) -> None:
    case_id, _ = await case_store.create(new_case())
    with pytest.raises(InvalidRequest) as unknown:
        await case_store.transfer(case_id, staff=agent, team="kitchen")
    with pytest.raises(InvalidRequest) as same:
        await case_store.transfer(case_id, staff=agent, team="subsidy")
    assert (unknown.value.code, same.value.code) == ("unknown_team", "same_team")


async def test_a_resolved_case_cannot_be_transferred(case_store: CaseStore, agent: StaffUser) -> None:
    case_id = await _claimed_case(case_store, agent)
    await case_store.resolve(case_id, staff=agent, outcome="duplicate", note="")
    with pytest.raises(CaseConflict) as caught:
        await case_store.transfer(case_id, staff=agent, team="hotline")
    assert caught.value.code == "case_resolved"


# Resolutions


async def test_resolving_records_the_outcome_and_seals_the_note(
    case_store: CaseStore, agent: StaffUser, engine: AsyncEngine
) -> None:
    case_id = await _claimed_case(case_store, agent)
    resolved = await case_store.resolve(case_id, staff=agent, outcome="approved", note=f"电话 {PHONE}")
    assert resolved.status == CaseStatus.RESOLVED
    async with engine.connect() as connection:
        body, detail = (
            await connection.execute(text("SELECT body_enc, detail FROM case_events WHERE kind = 'resolved'"))
        ).one()
    assert PHONE.encode() not in body
    assert PHONE not in str(detail)


@pytest.mark.parametrize("status_before", ["claimed", "waiting"])
async def test_claimed_cases_can_be_resolved(case_store: CaseStore, agent: StaffUser, status_before: str) -> None:
    case_id = await _claimed_case(case_store, agent)
    if status_before == "waiting":
        await case_store.add_reply(case_id, staff=agent, text="请补充", await_resident=True)
    resolved = await case_store.resolve(case_id, staff=agent, outcome="referred", note="")
    assert resolved.status == CaseStatus.RESOLVED


async def test_a_case_cannot_be_resolved_twice(case_store: CaseStore, agent: StaffUser) -> None:
    case_id = await _claimed_case(case_store, agent)
    await case_store.resolve(case_id, staff=agent, outcome="approved", note="")
    with pytest.raises(CaseConflict) as caught:
        await case_store.resolve(case_id, staff=agent, outcome="approved", note="")
    assert caught.value.code == "case_resolved"


@pytest.mark.parametrize(
    ("actor", "outcome", "note"),
    [("li.agent", " ", ""), ("li.agent", "approved", "注" * 4001), ("", "approved", ""), ("x" * 65, "approved", "")],
)
async def test_a_resolution_needs_an_outcome_a_short_note_and_an_actor(
    case_store: CaseStore, agent: StaffUser, actor: str, outcome: str, note: str
) -> None:
    case_id = await _claimed_case(case_store, agent)
    with pytest.raises(InvalidRequest):
        await case_store.resolve(case_id, staff=replace(agent, username=actor), outcome=outcome, note=note)
    assert await _status(case_store, case_id) == CaseStatus.CLAIMED


async def test_resolving_a_missing_case_is_not_found(case_store: CaseStore, agent: StaffUser) -> None:
    with pytest.raises(CaseNotFound):
        await case_store.resolve(404, staff=agent, outcome="approved", note="")


# Other events


async def test_any_other_event_can_be_recorded(case_store: CaseStore) -> None:
    case_id, _ = await case_store.create(new_case())
    event = await case_store.record_event(
        case_id, kind="resident_asked_status", actor="resident", detail={"channel": "wechat"}
    )
    assert (event.kind, event.actor, event.detail) == ("resident_asked_status", "resident", {"channel": "wechat"})
    assert event.created_at.tzinfo is not None


async def test_events_for_a_missing_case_or_with_non_json_detail_are_refused(case_store: CaseStore) -> None:
    case_id, _ = await case_store.create(new_case())
    with pytest.raises(CaseNotFound):
        await case_store.record_event(404, kind="note", actor="system", detail={})
    with pytest.raises(InvalidRequest):
        await case_store.record_event(case_id, kind="note", actor="system", detail={"at": object()})
    with pytest.raises(InvalidRequest):
        await case_store.record_event(case_id, kind="note", actor="system", detail={"score": float("nan")})
