"""The dashboard's figures, counted by the database (SQLite and PostgreSQL) from cases filed, claimed and
resolved at known moments."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.cases.store import CaseStore
from bot.staff.dashboard.figures import collect, percentile
from bot.staff.dashboard.period import Period
from bot.staff.users import StaffUserStore
from tests.bot.staff.dashboard.conftest import Filing

PERIOD = Period(date(2026, 11, 1), date(2026, 11, 30))
NOW = datetime(2026, 12, 3, 6, 0, tzinfo=UTC)
IN_PERIOD = datetime(2026, 11, 10, 2, 0, tzinfo=UTC)
MINUTE = timedelta(minutes=1)


@pytest.fixture
async def filing(
    case_store: CaseStore, staff_users: StaffUserStore, sessionmaker: async_sessionmaker[AsyncSession]
) -> Filing:
    staff = await staff_users.add("sara", "correct-horse-battery", "supervisor", ())
    return Filing(case_store, sessionmaker, staff)


async def test_requests_are_counted_by_service_district_channel_mode_and_who_applied(filing: Filing) -> None:
    await filing.case(IN_PERIOD, service="rehab", team="rehab", district="柳北区", mode="voice", proxy=True)
    await filing.case(IN_PERIOD, channel="web", mode="simple")
    await filing.case(IN_PERIOD + timedelta(days=1))
    await filing.case(datetime(2026, 10, 31, 15, 59, tzinfo=UTC))  # 23:59 on 31 October in Beijing: outside
    await filing.case(datetime(2026, 11, 30, 15, 59, tzinfo=UTC))  # 23:59 on 30 November: inside
    figures = await collect(filing.sessionmaker, PERIOD, NOW)
    assert figures.total == 4
    assert figures.by_service == {"nursing-allowance": 3, "rehab": 1}
    assert figures.by_district == {"城中区": 3, "柳北区": 1}
    assert figures.by_channel == {"wechat": 3, "web": 1}
    assert figures.by_mode == {"text": 2, "voice": 1, "simple": 1}
    assert figures.by_proxy == {"self": 3, "proxy": 1}


async def test_outcomes_count_the_period_cases_by_how_they_ended(filing: Filing) -> None:
    await filing.case(IN_PERIOD, claimed_after=MINUTE, resolved_after=2 * MINUTE, outcome="approved")
    await filing.case(IN_PERIOD, claimed_after=MINUTE, resolved_after=2 * MINUTE, outcome="rejected")
    await filing.case(IN_PERIOD, claimed_after=MINUTE)
    figures = await collect(filing.sessionmaker, PERIOD, NOW)
    assert figures.outcomes == {"approved": 1, "rejected": 1, "open": 1}


async def test_claim_and_resolve_times_are_median_and_90th_percentile_per_team(filing: Filing) -> None:
    for minutes in (10, 20, 40):
        await filing.case(IN_PERIOD, claimed_after=minutes * MINUTE, resolved_after=minutes * 60 * MINUTE)
    await filing.case(IN_PERIOD, team="hotline", claimed_after=5 * MINUTE)
    figures = await collect(filing.sessionmaker, PERIOD, NOW)
    claims = {timing.group: timing for timing in figures.claim_times}
    assert claims["subsidy"].cases == 3
    assert claims["subsidy"].p50 == pytest.approx(20 * 60, abs=1)
    assert claims["subsidy"].p90 == pytest.approx(36 * 60, abs=1)  # 20 + (40 - 20) × 0.8 minutes
    assert claims["hotline"].p50 == pytest.approx(5 * 60, abs=1)
    [resolves] = figures.resolve_times
    assert (resolves.group, resolves.cases) == ("subsidy", 3)
    assert resolves.p50 == pytest.approx(20 * 3600, abs=1)


async def test_past_due_counts_open_cases_older_than_their_teams_time_now(filing: Filing) -> None:
    await filing.case(NOW - timedelta(days=2), team="hotline")  # a day is the hotline's time: late
    await filing.case(NOW - timedelta(days=2), team="subsidy")  # a week for the others: not yet
    await filing.case(NOW - timedelta(days=8), team="subsidy")  # late
    await filing.case(NOW - timedelta(days=9), team="hotline", claimed_after=MINUTE, resolved_after=MINUTE)  # done
    figures = await collect(filing.sessionmaker, PERIOD, NOW)
    assert figures.past_due == {"hotline": 1, "subsidy": 1}


async def test_urgent_cases_not_claimed_within_15_minutes_are_listed_first(filing: Filing) -> None:
    quick = await filing.case(IN_PERIOD, urgent=True, team="hotline", claimed_after=5 * MINUTE)
    slow = await filing.case(IN_PERIOD, urgent=True, team="hotline", claimed_after=30 * MINUTE)
    never = await filing.case(NOW - timedelta(days=3), urgent=True, team="hotline")
    figures = await collect(filing.sessionmaker, Period(date(2026, 11, 1), date(2026, 12, 3)), NOW)
    assert [case.case_id for case in figures.urgent_cases] == [slow, never, quick]
    assert [case.late for case in figures.urgent_cases] == [True, True, False]
    assert figures.urgent_cases[1].claimed_at is None
    assert (figures.urgent_total, figures.urgent_late, figures.urgent.cases) == (3, 2, 2)
    assert figures.urgent.p50 == pytest.approx(17.5 * 60, abs=1)


async def test_outcomes_since_the_start_feed_the_plan_targets(filing: Filing) -> None:
    before = datetime(2025, 6, 1, tzinfo=UTC)
    for outcome in ("approved", "approved", "rejected"):
        await filing.case(
            before, service="home-accessibility", claimed_after=MINUTE, resolved_after=MINUTE, outcome=outcome
        )
    figures = await collect(filing.sessionmaker, PERIOD, NOW)
    assert figures.total == 0
    assert figures.outcomes_ever == {("home-accessibility", "approved"): 2, ("home-accessibility", "rejected"): 1}


def test_percentiles_interpolate_like_postgresql() -> None:
    assert percentile([], 0.5) is None
    assert percentile([7.0], 0.9) == 7.0
    assert percentile([1.0, 2.0, 3.0, 4.0], 0.5) == 2.5
