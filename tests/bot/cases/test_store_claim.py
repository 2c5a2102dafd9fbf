"""Claiming: a case belongs to one staff member, however many try at once."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import text

from bot.cases.errors import CaseConflict, CaseNotFound, InvalidRequest
from bot.cases.store import CaseStore
from bot.cases.types import CaseStatus, StaffUser
from bot.security.crypto import Cipher
from bot.storage.db import create_engine, create_sessionmaker
from tests.bot.cases.factories import add_staff, new_case


async def test_claim_takes_a_new_case_and_records_it(case_store: CaseStore, agent: StaffUser) -> None:
    case_id, _ = await case_store.create(new_case())
    claimed = await case_store.claim(case_id, staff=agent)
    assert claimed.status == CaseStatus.CLAIMED
    assert claimed.claimed_by == "li.agent"
    events = (await case_store.get(case_id, actor=agent.username)).events
    assert [(e.kind, e.actor) for e in events if e.kind == "claimed"] == [("claimed", "li.agent")]


async def test_a_claimed_case_cannot_be_claimed_again(
    case_store: CaseStore, agent: StaffUser, other_agent: StaffUser
) -> None:
    case_id, _ = await case_store.create(new_case())
    await case_store.claim(case_id, staff=agent)
    with pytest.raises(CaseConflict) as caught:
        await case_store.claim(case_id, staff=other_agent)
    assert caught.value.code == "already_claimed"
    assert caught.value.message == "这个申请已被其他人认领"


@pytest.mark.parametrize("finish", ["resolve", "waiting"])
async def test_only_new_cases_can_be_claimed(case_store: CaseStore, agent: StaffUser, finish: str) -> None:
    case_id, _ = await case_store.create(new_case())
    await case_store.claim(case_id, staff=agent)
    if finish == "resolve":
        await case_store.resolve(case_id, staff=agent, outcome="duplicate", note="")
    else:
        await case_store.add_reply(case_id, staff=agent, text="请补充材料", await_resident=True)
    with pytest.raises(CaseConflict):
        await case_store.claim(case_id, staff=agent)


async def test_claiming_a_missing_case_is_not_found(case_store: CaseStore, agent: StaffUser) -> None:
    with pytest.raises(CaseNotFound):
        await case_store.claim(404, staff=agent)


async def test_claiming_as_an_unknown_staff_id_is_refused_and_changes_nothing(case_store: CaseStore) -> None:
    case_id, _ = await case_store.create(new_case())
    with pytest.raises(InvalidRequest) as caught:
        await case_store.claim(case_id, staff=StaffUser(999, "ghost", "agent", ("subsidy",), True))
    assert caught.value.code == "unknown_staff"
    [listed] = await case_store.list()
    assert listed.status == CaseStatus.NEW


async def test_twenty_concurrent_claims_have_exactly_one_winner(case_store: CaseStore, agent: StaffUser) -> None:
    case_id, _ = await case_store.create(new_case())
    results = await asyncio.gather(
        *(case_store.claim(case_id, staff=agent) for _ in range(20)),
        return_exceptions=True,
    )
    winners = [result for result in results if not isinstance(result, BaseException)]
    losers = [result for result in results if isinstance(result, BaseException)]
    assert len(winners) == 1
    assert all(isinstance(loser, CaseConflict) for loser in losers)
    events = (await case_store.get(case_id, actor=agent.username)).events
    assert sum(event.kind == "claimed" for event in events) == 1


async def test_claim_next_takes_the_most_pressing_case_of_the_team(case_store: CaseStore, agent: StaffUser) -> None:
    oldest, _ = await case_store.create(new_case())
    await case_store.create(new_case(team="rehab", urgent=True))
    urgent, _ = await case_store.create(new_case(urgent=True))
    first = await case_store.claim_next("subsidy", staff=agent)
    second = await case_store.claim_next("subsidy", staff=agent)
    assert first is not None
    assert second is not None
    assert (first.id, second.id) == (urgent, oldest)
    assert await case_store.claim_next("subsidy", staff=agent) is None


async def test_two_workers_calling_claim_next_take_different_cases(
    case_store: CaseStore, agent: StaffUser, other_agent: StaffUser
) -> None:
    ids = {(await case_store.create(new_case()))[0] for _ in range(2)}
    taken = await asyncio.gather(
        case_store.claim_next("subsidy", staff=agent),
        case_store.claim_next("subsidy", staff=other_agent),
    )
    assert {case.id for case in taken if case is not None} == ids
    assert {case.claimed_by for case in taken if case is not None} == {"li.agent", "wang.agent"}


async def test_claim_next_of_an_unknown_team_is_refused(case_store: CaseStore, agent: StaffUser) -> None:
    with pytest.raises(InvalidRequest):
        await case_store.claim_next("kitchen", staff=agent)


async def test_on_postgresql_separate_processes_never_both_win(postgres_database_url: str, cipher: Cipher) -> None:
    # Two engines stand for two worker processes, each with its own connection pool.
    engines = [create_engine(postgres_database_url) for _ in range(2)]
    try:
        stores = [CaseStore(create_sessionmaker(engine), cipher) for engine in engines]
        staff = await add_staff(create_sessionmaker(engines[0]), "zhao.agent")
        case_id, _ = await stores[0].create(new_case())
        results = await asyncio.gather(
            *(stores[i % 2].claim(case_id, staff=staff) for i in range(20)),
            return_exceptions=True,
        )
    finally:
        for engine in engines:
            await engine.dispose()
    assert sum(not isinstance(result, BaseException) for result in results) == 1
    assert all(isinstance(r, CaseConflict) for r in results if isinstance(r, BaseException))


async def test_on_postgresql_a_row_locked_by_another_claim_counts_as_taken(
    postgres_database_url: str, cipher: Cipher
) -> None:
    engine = create_engine(postgres_database_url)
    try:
        store = CaseStore(create_sessionmaker(engine), cipher)
        staff = await add_staff(create_sessionmaker(engine), "zhao.agent")
        case_id, _ = await store.create(new_case())
        async with engine.connect() as holder:
            await holder.execute(text("SELECT id FROM cases WHERE id = :id FOR UPDATE"), {"id": case_id})
            with pytest.raises(CaseConflict) as caught:
                await store.claim(case_id, staff=staff)
            assert await store.claim_next("subsidy", staff=staff) is None
            await holder.rollback()
        assert caught.value.code == "case_busy"
        claimed = await store.claim(case_id, staff=staff)
        assert claimed.claimed_by == "zhao.agent"
    finally:
        await engine.dispose()


async def test_on_postgresql_a_case_being_read_can_still_be_claimed(postgres_database_url: str, cipher: Cipher) -> None:
    # Recording an event makes PostgreSQL hold a KEY SHARE lock on the case until that transaction ends.
    engine = create_engine(postgres_database_url)
    try:
        store = CaseStore(create_sessionmaker(engine), cipher)
        staff = await add_staff(create_sessionmaker(engine), "zhao.agent")
        case_id, _ = await store.create(new_case())
        async with engine.connect() as reader:
            await reader.execute(
                text("INSERT INTO case_events (case_id, kind, actor, detail) VALUES (:id, 'viewed', 'x', '{}')"),
                {"id": case_id},
            )
            claimed = await store.claim(case_id, staff=staff)
            await reader.rollback()
    finally:
        await engine.dispose()
    assert claimed.claimed_by == "zhao.agent"
