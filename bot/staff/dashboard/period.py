"""The period a dashboard or report covers: whole days in Beijing time, as staff name them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, timezone

BEIJING = timezone(timedelta(hours=8))
DEFAULT_DAYS = 30
MAX_DAYS = 3 * 366


class BadPeriod(ValueError):
    """A date that is not a date, or a period that ends before it starts."""


@dataclass(frozen=True)
class Period:
    first: date  # the first day, included
    last: date  # the last day, included

    @property
    def start(self) -> datetime:
        return datetime.combine(self.first, time(), BEIJING).astimezone(UTC)

    @property
    def end(self) -> datetime:
        """The moment after the last day: cases filed before it are in the period."""
        return datetime.combine(self.last + timedelta(days=1), time(), BEIJING).astimezone(UTC)

    @property
    def days(self) -> int:
        return (self.last - self.first).days + 1

    def key(self) -> str:
        return f"{self.first.isoformat()}..{self.last.isoformat()}"


def today(now: datetime) -> date:
    return now.astimezone(BEIJING).date()


def month_of(day: date) -> Period:
    first = day.replace(day=1)
    following = (first + timedelta(days=32)).replace(day=1)
    return Period(first, following - timedelta(days=1))


def parse_period(first: str | None, last: str | None, now: datetime) -> Period:
    """The period named by two ``YYYY-MM-DD`` dates; either left out means the last 30 days up to today."""
    end = _day(last) if last else today(now)
    start = _day(first) if first else end - timedelta(days=DEFAULT_DAYS - 1)
    if start > end:
        raise BadPeriod("开始日期不能晚于结束日期。")
    if (end - start).days + 1 > MAX_DAYS:
        raise BadPeriod("一次最多看三年。")
    return Period(start, end)


def parse_month(value: str | None, now: datetime) -> Period:
    """A month named ``YYYY-MM``; left out, the month before this one."""
    if not value:
        return month_of(today(now).replace(day=1) - timedelta(days=1))
    try:
        year, month = value.split("-")
        return month_of(date(int(year), int(month), 1))
    except ValueError:
        raise BadPeriod("月份格式不对，请写成 2026-11 这样。") from None


def _day(value: str) -> date:
    try:
        found = date.fromisoformat(value)
    except ValueError:
        raise BadPeriod("日期格式不对，请写成 2026-11-30 这样。") from None
    if not 2000 <= found.year <= 2100:
        raise BadPeriod("日期超出范围。")
    return found
