"""The dashboard counts whole Beijing months that are over from the counters of sealed months (migration
0008), sealing each the first time a period needs it, and the current month and the days around whole
months from the cases. Whatever the period and whatever happens to the cases after their month was sealed
(claimed, resolved, filed late into it, moved into it or out of it, corrected, erased, removed), the counts
equal a recount of the cases themselves; filings in the current month write no counter."""

from __future__ import annotations

import asyncio
import random
from collections import Counter
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import delete, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.cases.models import CaseEventRow, CaseMonthCountRow, CaseMonthSealedRow, CaseRow
from bot.cases.retention import PersonalData
from bot.cases.store import CaseStore
from bot.security.crypto import Cipher
from bot.staff.dashboard.figures import Figures, collect
from bot.staff.dashboard.month_counts import count_cases, seal, sealable_months, whole_months
from bot.staff.dashboard.period import BEIJING, Period
from bot.staff.users import StaffUserStore
from tests.bot.staff.dashboard.conftest import Filing

NOW = datetime(2027, 1, 3, 6, 0, tzinfo=UTC)
TEAMS = {
    "rehab": "rehab",
    "nursing-allowance": "subsidy",
    "living-allowance": "subsidy",
    "handoff": "hotline",
}
PERIODS = (
    Period(date(2026, 9, 15), date(2026, 11, 20)),  # a whole month with days before and after it
    Period(date(2026, 10, 1), date(2026, 11, 30)),  # whole months only
    Period(date(2026, 8, 31), date(2026, 12, 1)),  # one day either side of three whole months
    Period(date(2026, 10, 5), date(2026, 10, 25)),  # inside one month: no whole month
    Period(date(2026, 9, 1), date(2026, 12, 31)),  # every sealed month
    Period(date(2026, 11, 1), date(2027, 1, 31)),  # sealed months and the current one, whole
    Period(date(2026, 8, 1), date(2027, 1, 3)),  # everything filed, up to today
)
SEALED = ["2026-08", "2026-09", "2026-10", "2026-11", "2026-12"]
MICROSECOND = timedelta(microseconds=1)


def _month_starts() -> list[datetime]:
    """Midnight in Beijing on the first of September to January, in UTC: where one month's counters end."""
    return [
        datetime(2026 + month // 13, (month - 1) % 12 + 1, 1, tzinfo=BEIJING).astimezone(UTC)
        for month in (9, 10, 11, 12, 13)
    ]


def _in_current_month(chosen: random.Random) -> datetime:
    return datetime(2027, 1, 1, tzinfo=BEIJING) + timedelta(hours=chosen.uniform(0, 53))


def test_whole_months_are_the_months_a_period_holds_from_their_first_to_their_last_day() -> None:
    assert whole_months(Period(date(2026, 9, 15), date(2026, 11, 20))) == Period(date(2026, 10, 1), date(2026, 10, 31))
    assert whole_months(Period(date(2026, 10, 1), date(2026, 11, 30))) == Period(date(2026, 10, 1), date(2026, 11, 30))
    assert whole_months(Period(date(2026, 2, 1), date(2026, 2, 28))) == Period(date(2026, 2, 1), date(2026, 2, 28))
    assert whole_months(Period(date(2025, 12, 4), date(2026, 12, 3))) == Period(date(2026, 1, 1), date(2026, 11, 30))
    assert whole_months(Period(date(2026, 10, 2), date(2026, 10, 31))) is None
    assert whole_months(Period(date(2026, 10, 15), date(2026, 11, 14))) is None


def test_the_months_sealed_are_the_whole_months_before_the_current_one() -> None:
    assert sealable_months(Period(date(2026, 9, 15), date(2027, 1, 31)), NOW) == Period(
        date(2026, 10, 1), date(2026, 12, 31)
    )
    assert sealable_months(Period(date(2026, 12, 1), date(2027, 2, 28)), NOW) == Period(
        date(2026, 12, 1), date(2026, 12, 31)
    )
    assert sealable_months(Period(date(2027, 1, 1), date(2027, 1, 31)), NOW) is None
    assert sealable_months(Period(date(2026, 12, 2), date(2027, 1, 3)), NOW) is None


@pytest.fixture
async def filing(
    case_store: CaseStore, staff_users: StaffUserStore, sessionmaker: async_sessionmaker[AsyncSession]
) -> Filing:
    staff = await staff_users.add("sara", "correct-horse-battery", "supervisor", tuple(set(TEAMS.values())))
    return Filing(case_store, sessionmaker, staff)


async def _recount(sessionmaker: async_sessionmaker[AsyncSession], period: Period) -> dict[str, object]:
    """The counts computed here from the period's cases, read one by one."""
    async with sessionmaker() as session:
        cases = (await session.execute(select(CaseRow))).scalars().all()
    inside = [case for case in cases if period.start <= case.created_at < period.end]
    return {
        "total": len(inside),
        "by_service": Counter(case.service for case in inside),
        "by_district": Counter(case.district or "" for case in inside),
        "by_channel": Counter(case.channel for case in inside),
        "by_mode": Counter(case.mode for case in inside),
        "by_proxy": Counter("self" if case.proxy_relationship is None else "proxy" for case in inside),
        "outcomes": Counter(case.outcome or "open" for case in inside),
        "subsidy_by_district": Counter(
            (case.district or "", case.service)
            for case in inside
            if case.service in ("living-allowance", "nursing-allowance")
        ),
    }


def _counted(figures: Figures) -> dict[str, object]:
    return {
        "total": figures.total,
        "by_service": Counter(figures.by_service),
        "by_district": Counter(figures.by_district),
        "by_channel": Counter(figures.by_channel),
        "by_mode": Counter(figures.by_mode),
        "by_proxy": Counter(figures.by_proxy),
        "outcomes": Counter(figures.outcomes),
        "subsidy_by_district": Counter(figures.subsidy_by_district),
    }


async def _assert_every_period_equals_a_recount(sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    for period in PERIODS:
        figures = await collect(sessionmaker, period, NOW)
        assert _counted(figures) == await _recount(sessionmaker, period), period
        assert 0 not in figures.by_service.values()
    async with sessionmaker() as session:
        sealed = (await session.scalars(select(CaseMonthSealedRow.month).order_by(CaseMonthSealedRow.month))).all()
        counted = set((await session.scalars(select(CaseMonthCountRow.month))).all())
    assert list(sealed) == SEALED  # the current month is never sealed
    assert counted <= set(SEALED)


async def test_counts_equal_a_recount_for_whole_months_and_the_days_around_them_however_the_cases_change(
    filing: Filing, sessionmaker: async_sessionmaker[AsyncSession], case_store: CaseStore, cipher: Cipher
) -> None:
    chosen = random.Random(8)
    # Some at random, some a microsecond either side of a month's end in Beijing.
    moments = [datetime(2026, 9, 1, tzinfo=BEIJING) + timedelta(hours=chosen.uniform(0, 122 * 24)) for _ in range(36)]
    moments += [start + shift for start in _month_starts() for shift in (-MICROSECOND, timedelta(0))]
    moments += [_in_current_month(chosen) for _ in range(6)]
    ids = []
    for filed in moments:
        service = chosen.choice(list(TEAMS))
        claimed = timedelta(minutes=chosen.uniform(1, 600)) if chosen.random() < 0.7 else None
        resolved = claimed + timedelta(hours=chosen.uniform(1, 90)) if claimed and chosen.random() < 0.6 else None
        ids.append(
            await filing.case(
                filed,
                service=service,
                team=TEAMS[service],
                district=chosen.choice(("城中区", "柳北区", "鱼峰区", None)),
                channel=chosen.choice(("wechat", "web")),
                mode=chosen.choice(("text", "voice", "simple")),
                proxy=chosen.random() < 0.3,
                claimed_after=claimed,
                resolved_after=resolved,
                outcome=chosen.choice(("approved", "rejected", "referred")),
            )
        )
    await _assert_every_period_equals_a_recount(sessionmaker)

    # Cases filed late into sealed months (the store files them now; they are then moved there) and into
    # the current month.
    for filed in [
        datetime(2026, 9, 1, tzinfo=BEIJING) + timedelta(hours=chosen.uniform(0, 122 * 24)) for _ in range(6)
    ]:
        ids.append(await filing.case(filed, service="rehab", team="rehab", claimed_after=timedelta(minutes=5)))
    ids += [await filing.case(_in_current_month(chosen), service="handoff", team="hotline") for _ in range(3)]
    await _assert_every_period_equals_a_recount(sessionmaker)

    # Open cases claimed and resolved (their outcome changes), events moved.
    for case_id in chosen.sample(ids, 20):
        summary = await case_store.summary(case_id)
        if summary.status == "new":
            await case_store.claim(case_id, staff=filing.staff)
        elif summary.status == "claimed":
            await case_store.resolve(
                case_id, staff=filing.staff, outcome=chosen.choice(("approved", "answered")), note=""
            )
    async with sessionmaker.begin() as session:
        for case_id in chosen.sample(ids, 8):
            await session.execute(
                update(CaseEventRow)
                .where(CaseEventRow.case_id == case_id)
                .values(created_at=datetime(2026, 12, 20, tzinfo=UTC) + timedelta(minutes=chosen.uniform(1, 900)))
            )
    await _assert_every_period_equals_a_recount(sessionmaker)

    # Cases moved from the current month into a sealed one and back, and the other way round.
    async with sessionmaker.begin() as session:
        filed_now = (await session.scalars(select(CaseRow.id).where(CaseRow.created_at >= _month_starts()[-1]))).all()
        for case_id in filed_now[:2]:
            await session.execute(
                update(CaseRow).where(CaseRow.id == case_id).values(created_at=_month_starts()[-1] - MICROSECOND)
            )
        for case_id in chosen.sample(ids[:36], 2):
            await session.execute(update(CaseRow).where(CaseRow.id == case_id).values(created_at=_month_starts()[-1]))
    await _assert_every_period_equals_a_recount(sessionmaker)
    async with sessionmaker.begin() as session:
        await session.execute(
            update(CaseRow).where(CaseRow.id.in_(filed_now[:1])).values(created_at=_in_current_month(chosen))
        )
    await _assert_every_period_equals_a_recount(sessionmaker)

    # Cases moved to another month (and across a month's end by a microsecond), corrected, erased, removed.
    async with sessionmaker.begin() as session:
        for case_id in chosen.sample(ids, 8):
            moved = datetime(2026, 9, 1, tzinfo=BEIJING) + timedelta(hours=chosen.uniform(0, 122 * 24))
            await session.execute(update(CaseRow).where(CaseRow.id == case_id).values(created_at=moved))
        for case_id in chosen.sample(ids, 4):
            filed = (await session.execute(select(CaseRow.created_at).where(CaseRow.id == case_id))).scalar_one()
            over = min(_month_starts(), key=lambda start: abs(start - filed))
            await session.execute(update(CaseRow).where(CaseRow.id == case_id).values(created_at=over - MICROSECOND))
        for case_id in chosen.sample(ids, 6):
            await session.execute(
                update(CaseRow)
                .where(CaseRow.id == case_id)
                .values(
                    district=chosen.choice(("柳南区", None)),
                    proxy_relationship=chosen.choice(("配偶", None)),
                    mode="voice",
                    channel="web",
                    service="living-allowance",
                )
            )
        await session.execute(delete(CaseRow).where(CaseRow.id.in_(chosen.sample(ids, 3))))
    erased = await PersonalData(sessionmaker, cipher).erase_expired(NOW + timedelta(days=1))
    assert erased > 0
    await _assert_every_period_equals_a_recount(sessionmaker)


async def test_filings_in_the_current_month_write_no_counter(
    filing: Filing, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    chosen = random.Random(3)
    await filing.case(datetime(2026, 12, 5, tzinfo=BEIJING))
    await collect(sessionmaker, Period(date(2026, 12, 1), date(2027, 1, 3)), NOW)
    for _ in range(3):
        await filing.case(_in_current_month(chosen))
    async with sessionmaker() as session:
        counters = (await session.execute(select(CaseMonthCountRow.month, CaseMonthCountRow.count))).all()
    assert {month for month, _ in counters} == {"2026-12"}
    assert sum(n for _, n in counters) == 5  # one case in each of five dimensions


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
async def test_two_dashboards_sealing_one_month_at_once_count_it_once_with_the_filing_under_way(
    filing: Filing, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    for day in (3, 9, 30):
        await filing.case(datetime(2026, 10, day, 12, tzinfo=BEIJING))
    moved = await filing.case(datetime(2026, 11, 4, tzinfo=BEIJING))
    october = Period(date(2026, 10, 1), date(2026, 10, 31))
    async with sessionmaker.begin() as writer:
        # A change into the month under way: both seals wait for it, and count the case once.
        at = datetime(2026, 10, 31, 20, tzinfo=BEIJING)
        await writer.execute(update(CaseRow).where(CaseRow.id == moved).values(created_at=at))
        sealing = [asyncio.create_task(seal(sessionmaker, october.first)) for _ in range(2)]
        waiting = "SELECT count(*) FROM pg_locks WHERE relation = 'cases'::regclass AND NOT granted"
        for _ in range(500):
            if await writer.scalar(text(waiting)) == 2:
                break
            await asyncio.sleep(0.01)
        else:
            pytest.fail("the seals did not wait for the change under way")
    assert sorted(await asyncio.gather(*sealing)) == [False, True]
    async with sessionmaker() as session:
        counters = (
            await session.execute(
                select(CaseMonthCountRow.dimension, CaseMonthCountRow.value, CaseMonthCountRow.count).where(
                    CaseMonthCountRow.month == "2026-10"
                )
            )
        ).all()
        recount = await count_cases(session, october.start, october.end)
    assert {(dimension, value): n for dimension, value, n in counters} == recount
    assert recount[("channel", "wechat")] == 4


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
async def test_a_month_whose_cases_stay_busy_is_counted_from_the_cases_and_sealed_later(
    filing: Filing, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    for day in (3, 9):
        await filing.case(datetime(2026, 10, day, 12, tzinfo=BEIJING))
    period = Period(date(2026, 10, 1), date(2026, 10, 31))
    async with sessionmaker.begin() as writer:
        # A transaction writing cases for longer than a seal waits for it.
        await writer.execute(update(CaseRow).values(summary="改过"))
        figures = await collect(sessionmaker, period, NOW)
        assert figures.total == 2
        assert await writer.scalar(select(CaseMonthSealedRow.month)) is None
    figures = await collect(sessionmaker, period, NOW)
    assert figures.total == 2
    async with sessionmaker() as session:
        assert (await session.scalars(select(CaseMonthSealedRow.month))).all() == ["2026-10"]
