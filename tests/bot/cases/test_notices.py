"""Case notices: written with the case, told by the conversation or claimed once due, sent once, retried
with growing delays, and given up (asking staff to get in touch) only after about two days."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.cases.models import utcnow
from bot.cases.notices import (
    FIRST_TRY_AFTER,
    LEASE,
    MAX_ATTEMPTS,
    UNTOLD,
    NoticeStore,
    retry_delay,
)
from bot.cases.store import CaseStore
from bot.storage.db import create_engine, create_sessionmaker
from tests.bot.cases.factories import new_case


class MovableClock:
    def __init__(self) -> None:
        self.now = utcnow()

    def __call__(self) -> datetime:
        return self.now

    def advance(self, delta: timedelta) -> None:
        self.now += delta

    def past_first_try(self) -> None:
        """Past the moment a case filed just now becomes due (its time was taken after this clock's)."""
        self.now = utcnow() + FIRST_TRY_AFTER + timedelta(seconds=1)


@pytest.fixture
def clock() -> MovableClock:
    return MovableClock()


@pytest.fixture
def notices(sessionmaker: async_sessionmaker[AsyncSession], clock: MovableClock) -> NoticeStore:
    return NoticeStore(sessionmaker, clock=clock)


async def test_a_new_case_waits_for_the_conversation_to_tell_its_number(
    case_store: CaseStore, notices: NoticeStore, clock: MovableClock
) -> None:
    case_id, _ = await case_store.create(new_case())

    assert await notices.status_of(case_id) == "pending"
    assert await notices.claim_due() == []
    clock.past_first_try()
    (due,) = await notices.claim_due()
    assert (due.case_id, due.channel, due.user_ref, due.attempts) == (case_id, "wechat", "o6_resident_1", 1)


async def test_a_case_filed_again_by_a_retry_has_one_notice(
    case_store: CaseStore, notices: NoticeStore, clock: MovableClock
) -> None:
    again = new_case()
    first, _ = await case_store.create(again)
    second, created = await case_store.create(again)

    assert (second, created) == (first, False)
    clock.past_first_try()
    assert [due.case_id for due in await notices.claim_due()] == [first]


async def test_a_number_told_in_the_conversation_is_never_sent_again(
    case_store: CaseStore, notices: NoticeStore, clock: MovableClock
) -> None:
    case_id, _ = await case_store.create(new_case())

    assert await notices.told([case_id]) == 1
    assert await notices.told([case_id]) == 0  # a retry's remembered answer tells it again: nothing changes
    clock.advance(FIRST_TRY_AFTER * 10)
    assert await notices.claim_due() == []
    assert await notices.status_of(case_id) == "told"
    assert await notices.backlog() == 0


async def test_numbers_told_together_are_each_marked_and_other_residents_notices_wait(
    case_store: CaseStore, notices: NoticeStore
) -> None:
    first, _ = await case_store.create(new_case())
    second, _ = await case_store.create(new_case())
    untold, _ = await case_store.create(new_case())

    assert await notices.told([first, second]) == 2
    assert await notices.told([first, second], kind="another") == 0
    assert [await notices.status_of(case) for case in (first, second, untold)] == ["told", "told", "pending"]


async def test_a_claimed_notice_is_not_claimed_again_until_its_lease_runs_out(
    case_store: CaseStore, notices: NoticeStore, clock: MovableClock
) -> None:
    case_id, _ = await case_store.create(new_case())
    clock.past_first_try()
    assert len(await notices.claim_due()) == 1

    assert await notices.claim_due() == []  # the sender that claimed it may still be sending
    clock.advance(LEASE)
    (again,) = await notices.claim_due()  # it died: another takes over
    assert (again.case_id, again.attempts) == (case_id, 2)


async def test_a_sent_notice_is_done_and_recorded_on_the_case(
    case_store: CaseStore, notices: NoticeStore, clock: MovableClock
) -> None:
    case_id, _ = await case_store.create(new_case())
    clock.past_first_try()
    (due,) = await notices.claim_due()

    await notices.sent(due)

    clock.advance(LEASE * 10)
    assert await notices.claim_due() == []
    detail = await case_store.get(case_id, actor="li.agent")
    assert [(e.kind, e.detail) for e in detail.events if e.kind == "notified"] == [("notified", {"notice": "filed"})]


async def test_a_notice_that_did_not_arrive_is_tried_again_later_and_later(
    case_store: CaseStore, notices: NoticeStore, clock: MovableClock
) -> None:
    await case_store.create(new_case())
    clock.past_first_try()
    (due,) = await notices.claim_due()

    assert not await notices.not_sent(due, "暂时连不上微信")

    clock.advance(retry_delay(1) - timedelta(seconds=1))
    assert await notices.claim_due() == []
    clock.advance(timedelta(seconds=1))
    (again,) = await notices.claim_due()
    assert again.attempts == 2
    assert retry_delay(1) < retry_delay(2) < retry_delay(5) <= retry_delay(MAX_ATTEMPTS) == timedelta(hours=2)


async def test_after_the_last_try_staff_are_asked_to_get_in_touch_another_way(
    case_store: CaseStore, notices: NoticeStore, clock: MovableClock
) -> None:
    case_id, _ = await case_store.create(new_case())
    clock.past_first_try()
    for attempt in range(1, MAX_ATTEMPTS + 1):
        (due,) = await notices.claim_due()
        assert due.attempts == attempt
        given_up = await notices.not_sent(due, "居民超过48小时没有发消息")
        assert given_up == (attempt == MAX_ATTEMPTS)
        clock.advance(retry_delay(attempt))

    clock.advance(timedelta(days=7))
    assert await notices.claim_due() == []
    assert await notices.status_of(case_id) == "failed"
    events = {e.kind: e.detail for e in (await case_store.get(case_id, actor="li.agent")).events}
    assert events["contact_required"] == {"reason": UNTOLD}
    assert events["notice_not_sent"]["detail"] == "居民超过48小时没有发消息"


async def test_two_workers_claiming_at_once_never_both_get_a_notice(
    postgres_database_url: str, cipher: object, clock: MovableClock
) -> None:
    """On PostgreSQL, with real row locks: every due notice goes to exactly one of the claimers."""
    from bot.security.crypto import Cipher

    assert isinstance(cipher, Cipher)
    engines = [create_engine(postgres_database_url) for _ in range(4)]
    try:
        store = CaseStore(create_sessionmaker(engines[0]), cipher)
        case_ids = [(await store.create(new_case()))[0] for _ in range(30)]
        clock.past_first_try()
        claimers = [NoticeStore(create_sessionmaker(engine), clock=clock) for engine in engines]

        batches = await asyncio.gather(*(claimer.claim_due(limit=10) for claimer in claimers for _ in range(2)))

        claimed = [due.case_id for batch in batches for due in batch]
        assert sorted(claimed) == sorted(case_ids)
    finally:
        for engine in engines:
            await engine.dispose()
