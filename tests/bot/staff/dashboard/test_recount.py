"""The dashboard reads each case's first claim and first resolve from the case itself, where the database
keeps them (migration 0007). Whatever happens to the cases after they were first counted (claimed, resolved,
events moved, personal data erased), the figures equal a recount straight from the events."""

from __future__ import annotations

import random
from collections import Counter
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.cases.models import CaseEventRow, CaseRow
from bot.cases.retention import PersonalData
from bot.cases.store import CaseStore
from bot.security.crypto import Cipher
from bot.staff.dashboard.figures import Figures, Timing, collect, percentile
from bot.staff.dashboard.period import Period
from bot.staff.users import StaffUserStore
from tests.bot.staff.dashboard.conftest import Filing

PERIOD = Period(date(2026, 11, 1), date(2026, 11, 30))
NOW = datetime(2026, 12, 3, 6, 0, tzinfo=UTC)
TEAMS = {"rehab": "rehab", "nursing-allowance": "subsidy", "handoff": "hotline"}


@pytest.fixture
async def filing(
    case_store: CaseStore, staff_users: StaffUserStore, sessionmaker: async_sessionmaker[AsyncSession]
) -> Filing:
    staff = await staff_users.add("sara", "correct-horse-battery", "supervisor", ("subsidy", "rehab", "hotline"))
    return Filing(case_store, sessionmaker, staff)


async def _recount(sessionmaker: async_sessionmaker[AsyncSession]) -> dict[str, object]:
    """The figures computed here from every case and every event, without the copies on the case."""
    async with sessionmaker() as session:
        cases = (await session.execute(select(CaseRow))).scalars().all()
        events = (
            await session.execute(
                select(CaseEventRow.case_id, CaseEventRow.kind, CaseEventRow.created_at).where(
                    CaseEventRow.kind.in_(("claimed", "resolved"))
                )
            )
        ).all()
    first: dict[tuple[int, str], datetime] = {}
    for case_id, kind, at in events:
        key = (case_id, kind)
        first[key] = min(first.get(key, at), at)
    inside = [case for case in cases if PERIOD.start <= case.created_at < PERIOD.end]

    def timings(kind: str) -> list[Timing]:
        by_team: dict[str, list[float]] = {}
        for case in inside:
            if (case.id, kind) in first:
                waited = (first[(case.id, kind)] - case.created_at).total_seconds()
                by_team.setdefault(case.team, []).append(max(0.0, waited))
        return [
            Timing(team, len(values), percentile(sorted(values), 0.5), percentile(sorted(values), 0.9))
            for team, values in sorted(by_team.items())
        ]

    urgent = sorted(
        (case.id, (first.get((case.id, "claimed")) or NOW) - case.created_at) for case in inside if case.urgent
    )
    return {
        "total": len(inside),
        "by_service": Counter(case.service for case in inside),
        "by_district": Counter(case.district or "" for case in inside),
        "outcomes": Counter(case.outcome or "open" for case in inside),
        "claim_times": timings("claimed"),
        "resolve_times": timings("resolved"),
        "urgent": urgent,
    }


def _counted(figures: Figures) -> dict[str, object]:
    return {
        "total": figures.total,
        "by_service": Counter(figures.by_service),
        "by_district": Counter(figures.by_district),
        "outcomes": Counter(figures.outcomes),
        "claim_times": figures.claim_times,
        "resolve_times": figures.resolve_times,
        "urgent": sorted((case.case_id, case.waited) for case in figures.urgent_cases),
    }


def _assert_equal(found: dict[str, object], expected: dict[str, object]) -> None:
    assert found.keys() == expected.keys()
    for key, value in expected.items():
        if key.endswith("_times"):
            assert isinstance(value, list)
            for got, want in zip(found[key], value, strict=True):  # type: ignore[call-overload]
                assert (got.group, got.cases) == (want.group, want.cases)
                assert got.p50 == pytest.approx(want.p50, abs=0.01)
                assert got.p90 == pytest.approx(want.p90, abs=0.01)
        else:
            assert found[key] == value, key


async def test_figures_equal_a_recount_from_the_events_however_the_cases_change_after_being_counted(
    filing: Filing, sessionmaker: async_sessionmaker[AsyncSession], case_store: CaseStore, cipher: Cipher
) -> None:
    chosen = random.Random(15)
    ids = []
    for _ in range(40):
        service = chosen.choice(list(TEAMS))
        filed = datetime(2026, 10, 29, tzinfo=UTC) + timedelta(hours=chosen.uniform(0, 34 * 24))
        claimed = timedelta(minutes=chosen.uniform(1, 600)) if chosen.random() < 0.8 else None
        resolved = claimed + timedelta(hours=chosen.uniform(1, 90)) if claimed and chosen.random() < 0.6 else None
        ids.append(
            await filing.case(
                filed,
                service=service,
                team=TEAMS[service],
                district=chosen.choice(("城中区", "柳北区", None)),
                urgent=chosen.random() < 0.3,
                claimed_after=claimed,
                resolved_after=resolved,
                outcome=chosen.choice(("approved", "rejected", "referred")),
            )
        )
    _assert_equal(_counted(await collect(sessionmaker, PERIOD, NOW)), await _recount(sessionmaker))

    # After being counted: open cases claimed and resolved, events moved and removed, data erased.
    for case_id in chosen.sample(ids, 15):
        summary = await case_store.summary(case_id)
        if summary.status == "new":
            await case_store.claim(case_id, staff=filing.staff)
        elif summary.status == "claimed":
            await case_store.resolve(case_id, staff=filing.staff, outcome="approved", note="")
    async with sessionmaker.begin() as session:
        for case_id in chosen.sample(ids, 10):
            filed = (await session.execute(select(CaseRow.created_at).where(CaseRow.id == case_id))).scalar_one()
            await session.execute(
                update(CaseEventRow)
                .where(CaseEventRow.case_id == case_id, CaseEventRow.kind == "claimed")
                .values(created_at=filed + timedelta(minutes=chosen.uniform(1, 900)))
            )
        removed = chosen.choice(ids)
        await session.execute(
            delete(CaseEventRow).where(CaseEventRow.case_id == removed, CaseEventRow.kind == "resolved")
        )
    erased = await PersonalData(sessionmaker, cipher).erase_expired(NOW + timedelta(days=1))
    assert erased > 0
    _assert_equal(_counted(await collect(sessionmaker, PERIOD, NOW)), await _recount(sessionmaker))
