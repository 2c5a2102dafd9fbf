"""The staff members case tests act as."""

from __future__ import annotations

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.cases.types import StaffUser
from tests.bot.cases.factories import add_staff


@pytest.fixture
async def agent(sessionmaker: async_sessionmaker[AsyncSession]) -> StaffUser:
    return await add_staff(sessionmaker, "li.agent")


@pytest.fixture
async def other_agent(sessionmaker: async_sessionmaker[AsyncSession]) -> StaffUser:
    return await add_staff(sessionmaker, "wang.agent")


@pytest.fixture
async def supervisor(sessionmaker: async_sessionmaker[AsyncSession]) -> StaffUser:
    return await add_staff(sessionmaker, "zhou.lead", role="supervisor", teams=())
