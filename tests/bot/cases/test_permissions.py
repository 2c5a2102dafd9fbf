"""A claimed case belongs to its claimer: who may claim, reply to, transfer and resolve a case."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.cases.errors import CaseConflict, CaseForbidden
from bot.cases.store import CaseStore
from bot.cases.types import CaseStatus, StaffUser
from tests.bot.cases.factories import PHONE, add_staff, new_case


async def _claimed_by(case_store: CaseStore, staff: StaffUser) -> int:
    case_id, _ = await case_store.create(new_case())
    await case_store.claim(case_id, staff=staff)
    return case_id


async def _events(case_store: CaseStore, case_id: int, kind: str) -> list[tuple[str, dict[str, object]]]:
    detail = await case_store.get(case_id, actor="auditor")
    return [(event.actor, event.detail) for event in detail.events if event.kind == kind]


# Someone else's claim


async def test_another_agent_of_the_team_cannot_reply_to_transfer_or_resolve_a_claimed_case(
    case_store: CaseStore, agent: StaffUser, other_agent: StaffUser
) -> None:
    case_id = await _claimed_by(case_store, agent)
    for action in (
        case_store.add_reply(case_id, staff=other_agent, text="我来回复"),
        case_store.transfer(case_id, staff=other_agent, team="hotline"),
        case_store.resolve(case_id, staff=other_agent, outcome="approved", note=""),
    ):
        with pytest.raises(CaseForbidden) as caught:
            await action
        assert caught.value.code == "claimed_by_other"
        assert "认领" in caught.value.message
    [case] = await case_store.list()
    assert (case.status, case.claimed_by, case.team) == (CaseStatus.CLAIMED, "li.agent", "subsidy")
    assert await _events(case_store, case_id, "replied") == []


async def test_a_supervisor_may_act_on_anyones_claim_and_the_event_says_so(
    case_store: CaseStore, agent: StaffUser, supervisor: StaffUser
) -> None:
    case_id = await _claimed_by(case_store, agent)
    await case_store.add_reply(case_id, staff=supervisor, text="组长补充一句")
    resolved = await case_store.resolve(case_id, staff=supervisor, outcome="approved", note="")
    assert resolved.status == CaseStatus.RESOLVED
    [(actor, replied)] = await _events(case_store, case_id, "replied")
    assert (actor, replied["acting_as"]) == ("zhou.lead", "supervisor")
    [(actor, resolution)] = await _events(case_store, case_id, "resolved")
    assert (actor, resolution["acting_as"]) == ("zhou.lead", "supervisor")


async def test_the_claimers_own_actions_carry_no_acting_as(case_store: CaseStore, agent: StaffUser) -> None:
    case_id = await _claimed_by(case_store, agent)
    await case_store.add_reply(case_id, staff=agent, text="您好")
    [(_, replied)] = await _events(case_store, case_id, "replied")
    assert "acting_as" not in replied


# Claims and status


async def test_resolving_needs_a_claim_even_for_a_supervisor(case_store: CaseStore, supervisor: StaffUser) -> None:
    case_id, _ = await case_store.create(new_case())
    with pytest.raises(CaseConflict) as caught:
        await case_store.resolve(case_id, staff=supervisor, outcome="approved", note="")
    assert caught.value.code == "not_claimed"
    [case] = await case_store.list()
    assert case.status == CaseStatus.NEW


@pytest.mark.parametrize("who", ["claimer", "other"])
async def test_acting_on_a_resolved_case_says_it_is_resolved(
    case_store: CaseStore, agent: StaffUser, other_agent: StaffUser, who: str
) -> None:
    case_id = await _claimed_by(case_store, agent)
    await case_store.resolve(case_id, staff=agent, outcome="approved", note="")
    staff = agent if who == "claimer" else other_agent
    for action in (
        case_store.add_reply(case_id, staff=staff, text="您好"),
        case_store.transfer(case_id, staff=staff, team="hotline"),
        case_store.resolve(case_id, staff=staff, outcome="approved", note=""),
    ):
        with pytest.raises(CaseConflict) as caught:
            await action
        assert (caught.value.code, caught.value.message) == ("case_resolved", "这个申请已经办结")


async def test_an_agent_cannot_claim_another_teams_case(
    case_store: CaseStore, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    lawyer = await add_staff(sessionmaker, "lu.legal", teams=("legal",))
    case_id, _ = await case_store.create(new_case())
    with pytest.raises(CaseForbidden):
        await case_store.claim(case_id, staff=lawyer)
    with pytest.raises(CaseForbidden):
        await case_store.claim_next("subsidy", staff=lawyer)
    [case] = await case_store.list()
    assert case.status == CaseStatus.NEW


# Transfers


async def test_an_agent_transfers_only_to_the_hotline_or_their_own_teams(
    case_store: CaseStore, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    both = await add_staff(sessionmaker, "mo.agent", teams=("subsidy", "rehab"))
    case_id = await _claimed_by(case_store, both)
    with pytest.raises(CaseForbidden) as caught:
        await case_store.transfer(case_id, staff=both, team="legal")
    assert caught.value.code == "transfer_not_allowed"
    assert (await case_store.transfer(case_id, staff=both, team="rehab")).team == "rehab"
    await case_store.claim(case_id, staff=both)
    assert (await case_store.transfer(case_id, staff=both, team="hotline")).team == "hotline"


async def test_hotline_agents_and_supervisors_transfer_anywhere(
    case_store: CaseStore, supervisor: StaffUser, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    triage = await add_staff(sessionmaker, "he.hotline", teams=("hotline",))
    case_id, _ = await case_store.create(new_case(team="hotline"))
    assert (await case_store.transfer(case_id, staff=triage, team="legal")).team == "legal"
    assert (await case_store.transfer(case_id, staff=supervisor, team="rehab")).team == "rehab"


async def test_a_transfer_keeps_its_reason_encrypted(
    case_store: CaseStore, agent: StaffUser, engine: AsyncEngine
) -> None:
    case_id = await _claimed_by(case_store, agent)
    await case_store.transfer(case_id, staff=agent, team="hotline", reason=f"居民说要法律援助，电话 {PHONE}")
    [(actor, detail)] = await _events(case_store, case_id, "transferred")
    assert (actor, detail) == (
        "li.agent",
        {"from": "subsidy", "to": "hotline", "reason": f"居民说要法律援助，电话 {PHONE}"},
    )
    async with engine.connect() as connection:
        body, stored = (
            await connection.execute(text("SELECT body_enc, detail FROM case_events WHERE kind = 'transferred'"))
        ).one()
    assert PHONE.encode() not in body
    assert PHONE not in str(stored)
