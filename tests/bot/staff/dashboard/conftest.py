"""Cases filed, claimed and resolved at chosen moments, for checking the dashboard's figures."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.cases.models import CaseEventRow, CaseRow
from bot.cases.store import CaseStore
from bot.cases.types import NewCase, Proxy, StaffUser


@dataclass
class Filing:
    """Files cases through the real store, then moves their moments to where a test wants them."""

    store: CaseStore
    sessionmaker: async_sessionmaker[AsyncSession]
    staff: StaffUser
    count: int = 0

    async def case(
        self,
        filed: datetime,
        *,
        service: str = "nursing-allowance",
        team: str = "subsidy",
        district: str | None = "城中区",
        channel: str = "wechat",
        mode: str = "text",
        proxy: bool = False,
        urgent: bool = False,
        claimed_after: timedelta | None = None,
        resolved_after: timedelta | None = None,
        outcome: str = "approved",
    ) -> int:
        self.count += 1
        case_id, _ = await self.store.create(
            NewCase(
                idempotency_key=f"figures-{self.count}",
                service=service,
                team=team,
                channel=channel,
                user_ref=f"user-{self.count}",
                mode=mode,
                district=district,
                contact_phone="13912345678",
                beneficiary_name="韦小明",
                proxy=Proxy("子女", "韦大明", "13698765432") if proxy else None,
                answers={},
                transcript=[],
                summary="测试",
                urgent=urgent,
            )
        )
        await self._move(case_id, filed)
        if claimed_after is not None:
            await self.store.claim(case_id, staff=self.staff)
            await self._move_event(case_id, "claimed", filed + claimed_after)
        if resolved_after is not None:
            await self.store.resolve(case_id, staff=self.staff, outcome=outcome, note="")
            await self._move_event(case_id, "resolved", filed + resolved_after)
        return case_id

    async def _move(self, case_id: int, at: datetime) -> None:
        async with self.sessionmaker.begin() as session:
            await session.execute(update(CaseRow).where(CaseRow.id == case_id).values(created_at=at))
            await session.execute(update(CaseEventRow).where(CaseEventRow.case_id == case_id).values(created_at=at))

    async def _move_event(self, case_id: int, kind: str, at: datetime) -> None:
        async with self.sessionmaker.begin() as session:
            event = update(CaseEventRow).where(CaseEventRow.case_id == case_id, CaseEventRow.kind == kind)
            await session.execute(event.values(created_at=at))
