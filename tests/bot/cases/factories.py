"""Building blocks for case tests: a resident's request with recognisable personal numbers, and staff."""

from __future__ import annotations

from dataclasses import replace
from itertools import count
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.cases.models import StaffUserRow
from bot.cases.types import NewCase, Proxy, StaffUser

PHONE = "13877212345"
ID_NUMBER = "450202198001011234"
DISABILITY_CARD = "45020219800101123442"
PROXY_PHONE = "13900001111"
NAME = "韦小梅"
PROXY_NAME = "韦大山"

_keys = count(1)


def new_case(**changes: Any) -> NewCase:
    """A subsidy request by a proxy, with a fresh idempotency key unless one is given."""
    case = NewCase(
        idempotency_key=f"wechat:msg-{next(_keys)}",
        service="living_subsidy",
        team="subsidy",
        channel="wechat",
        user_ref="o6_resident_1",
        mode="voice",
        district="城中区",
        contact_phone=PHONE,
        beneficiary_name=NAME,
        proxy=Proxy(relationship="子女", name=PROXY_NAME, phone=PROXY_PHONE),
        answers={"id_number": ID_NUMBER, "disability_card": DISABILITY_CARD, "grade": "二级"},
        transcript=[{"role": "resident", "text": f"我的电话是{PHONE}"}],
        summary="生活补贴 · 城中区 · 电话 138****2345",
    )
    return replace(case, **changes)


async def add_staff(
    sessionmaker: async_sessionmaker[AsyncSession],
    username: str,
    *,
    role: str = "agent",
    teams: tuple[str, ...] = ("subsidy",),
) -> StaffUser:
    """A staff member (by default an agent of the subsidy team), written directly so that tests do not pay
    for password hashing."""
    row = StaffUserRow(username=username, password_hash="unused", role=role, teams=list(teams), active=True)
    async with sessionmaker.begin() as session:
        session.add(row)
    return StaffUser(row.id, row.username, row.role, tuple(row.teams), row.active)
