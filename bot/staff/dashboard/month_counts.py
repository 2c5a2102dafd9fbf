"""The dashboard's counts of cases by (dimension, value): past whole Beijing months from the counters of
sealed months (migration 0008), everything else grouped from the cases themselves.

A month is sealed the first time a period needs it after it is over: its cases are counted into
``case_month_counts`` and the month named in ``case_months_sealed`` in one transaction, during which no case
is filed or changed (on PostgreSQL a SHARE lock on ``cases``, taken after the writers under way commit and
held for the few milliseconds of one month's count; on SQLite the write lock every transaction takes). From
then on the trigger keeps the month's counters. Filings in the current month, never sealed, write no
counter, so they do not queue on shared counter rows.
"""

from __future__ import annotations

import logging
from collections import Counter
from datetime import date, datetime, timedelta

from sqlalchemy import func, insert, select, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.cases.models import CaseMonthCountRow, CaseMonthSealedRow, CaseRow
from bot.staff.dashboard.period import Period, month_of, today

log = logging.getLogger(__name__)

# The counters' dimension of service and district together: ``district:<service>``, the district as value.
DISTRICT = "district:"
# How long a seal waits for the transactions writing cases (new filings wait behind it meanwhile) before
# the dashboard gives up and counts the month from the cases this time; a filing takes milliseconds.
SEAL_LOCK_TIMEOUT = "500ms"
_LOCK_NOT_AVAILABLE = "55P03"


def whole_months(period: Period) -> Period | None:
    """The whole Beijing months inside ``period``, or None when it holds none."""
    first = period.first if period.first.day == 1 else (period.first.replace(day=1) + timedelta(days=32)).replace(day=1)
    after = period.last + timedelta(days=1)
    if after.day != 1:
        after = period.last.replace(day=1)
    return Period(first, after - timedelta(days=1)) if first < after else None


def sealable_months(period: Period, now: datetime) -> Period | None:
    """The whole months of ``period`` that are over by ``now`` (before the current Beijing month)."""
    months = whole_months(period)
    if months is None:
        return None
    current = today(now).replace(day=1)
    if months.first >= current:
        return None
    return Period(months.first, min(months.last, current - timedelta(days=1)))


def month_key(day: date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


def _months(months: Period) -> list[date]:
    found, day = [], months.first
    while day <= months.last:
        found.append(day)
        day = (day + timedelta(days=32)).replace(day=1)
    return found


async def seal_months(sessionmaker: async_sessionmaker[AsyncSession], period: Period, now: datetime) -> Period | None:
    """Seal every whole month of ``period`` that is over and not sealed yet, oldest first; the months whose
    counters can be read (None when none: a seal that could not get its lock leaves the rest to be counted
    from the cases this time)."""
    months = sealable_months(period, now)
    if months is None:
        return None
    async with sessionmaker() as session:
        sealed = set(
            (
                await session.scalars(
                    select(CaseMonthSealedRow.month).where(
                        CaseMonthSealedRow.month >= month_key(months.first),
                        CaseMonthSealedRow.month <= month_key(months.last),
                    )
                )
            ).all()
        )
    for first in _months(months):
        if month_key(first) in sealed:
            continue
        try:
            await seal(sessionmaker, first)
        except DBAPIError as error:
            if getattr(error.orig, "sqlstate", None) != _LOCK_NOT_AVAILABLE:
                raise
            log.warning("month %s not sealed: the cases stayed busy; counted from the cases", month_key(first))
            return None if first == months.first else Period(months.first, first - timedelta(days=1))
    return months


async def seal(sessionmaker: async_sessionmaker[AsyncSession], first: date) -> bool:
    """Count the month starting on ``first`` into its counters and mark it sealed, unless it already is;
    whether this call sealed it. Two calls at once for the same month count it once: the second waits on the
    first's sealed row and then finds it there."""
    month = month_of(first)
    key = month_key(first)
    postgres = sessionmaker.kw["bind"].dialect.name == "postgresql"
    async with sessionmaker.begin() as session:
        if postgres:
            await session.execute(text(f"SET LOCAL lock_timeout = '{SEAL_LOCK_TIMEOUT}'"))
            # Waits for the transactions writing cases to commit and holds new ones until this one does:
            # the count below and the trigger that counts from then on see every case exactly once.
            await session.execute(text("LOCK TABLE cases IN SHARE MODE"))
        mark = (
            postgresql.insert(CaseMonthSealedRow).on_conflict_do_nothing()
            if postgres
            else sqlite.insert(CaseMonthSealedRow).on_conflict_do_nothing()
        )
        won = await session.scalar(mark.values(month=key).returning(CaseMonthSealedRow.month))
        if won is None:
            return False
        counts = await count_cases(session, month.start, month.end)
        rows = [
            {"month": key, "dimension": dimension, "value": value, "count": n}
            for (dimension, value), n in sorted(counts.items())
        ]
        if rows:
            await session.execute(insert(CaseMonthCountRow), rows)
    return True


async def counts(session: AsyncSession, period: Period, sealed: Period | None) -> Counter[tuple[str, str]]:
    """The period's cases counted by (dimension, value): the ``sealed`` months (as ``seal_months`` gave
    them) from their counters, the days before and after them from the cases."""
    if sealed is None:
        return await count_cases(session, period.start, period.end)
    row = CaseMonthCountRow
    query = (
        select(row.dimension, row.value, func.sum(row.count))
        .where(row.month >= month_key(sealed.first), row.month <= month_key(sealed.last))
        .group_by(row.dimension, row.value)
    )
    found: Counter[tuple[str, str]] = Counter()
    for dimension, value, n in (await session.execute(query)).all():
        found[(str(dimension), str(value))] += int(n)
    for start, end in ((period.start, sealed.start), (sealed.end, period.end)):
        if start < end:
            found.update(await count_cases(session, start, end))
    return found


async def count_cases(session: AsyncSession, start: datetime, end: datetime) -> Counter[tuple[str, str]]:
    """The cases filed from ``start`` until ``end``, counted as the monthly counters count them. One scan,
    grouped by every dimension at once (a group for nearly every case)."""
    alone = CaseRow.proxy_relationship.is_(None).label("alone")
    dimensions = (CaseRow.service, CaseRow.district, CaseRow.channel, CaseRow.mode, alone, CaseRow.outcome)
    query = (
        select(*dimensions, func.count())
        .where(CaseRow.created_at >= start, CaseRow.created_at < end)
        .group_by(*dimensions)
    )
    found: Counter[tuple[str, str]] = Counter()
    for service, district, channel, mode, by_self, outcome, n in (await session.execute(query)).all():
        found[(DISTRICT + str(service), district or "")] += n
        found[("channel", str(channel))] += n
        found[("mode", str(mode))] += n
        found[("who", "self" if by_self else "proxy")] += n
        found[("outcome", outcome or "")] += n
    return found
