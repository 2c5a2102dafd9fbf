"""Numbers told while others are being marked go in one next statement; each caller learns how its own went."""

from __future__ import annotations

import asyncio

import pytest

from bot.cases.notices import NoticeStore
from bot.cases.store import CaseStore
from bot.cases.told_together import ToldTogether
from tests.bot.cases.factories import new_case


class CountingNotices(NoticeStore):
    """The real store, counting its statements."""

    statements: int = 0

    async def told(self, case_ids: object, kind: str = "filed") -> int:
        self.statements += 1
        return await super().told(case_ids, kind)  # type: ignore[arg-type]


async def test_numbers_told_at_once_are_all_marked_in_fewer_statements(case_store: CaseStore) -> None:
    notices = CountingNotices(case_store.sessionmaker)
    together = ToldTogether(notices)
    cases = [(await case_store.create(new_case()))[0] for _ in range(6)]

    await asyncio.gather(*(together.told([case]) for case in cases))

    assert [await notices.status_of(case) for case in cases] == ["told"] * 6
    assert notices.statements == 1  # all six came before the statement began


async def test_a_number_told_on_a_quiet_service_is_marked_at_once(case_store: CaseStore) -> None:
    notices = CountingNotices(case_store.sessionmaker)
    case_id, _ = await case_store.create(new_case())

    await ToldTogether(notices).told([case_id])

    assert await notices.status_of(case_id) == "told"


async def test_every_caller_of_a_failed_batch_hears_the_failure(case_store: CaseStore) -> None:
    class Down(NoticeStore):
        async def told(self, case_ids: object, kind: str = "filed") -> int:
            raise OSError("database down")

    together = ToldTogether(Down(case_store.sessionmaker))
    results = await asyncio.gather(together.told([1]), together.told([2]), return_exceptions=True)
    assert [type(result) for result in results] == [OSError, OSError]


async def test_a_caller_that_stops_waiting_does_not_stop_the_others(case_store: CaseStore) -> None:
    notices = CountingNotices(case_store.sessionmaker)
    together = ToldTogether(notices)
    first, _ = await case_store.create(new_case())
    second, _ = await case_store.create(new_case())

    impatient = asyncio.ensure_future(together.told([first]))
    patient = asyncio.ensure_future(together.told([second]))
    await asyncio.sleep(0)
    impatient.cancel()
    await patient
    with pytest.raises(asyncio.CancelledError):
        await impatient
    assert [await notices.status_of(case) for case in (first, second)] == ["told", "told"]
