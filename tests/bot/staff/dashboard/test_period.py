"""Periods are whole days in Beijing time."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from bot.staff.dashboard.period import BadPeriod, Period, parse_month, parse_period

NOW = datetime(2026, 12, 2, 20, 0, tzinfo=UTC)  # already 3 December in Beijing


def test_the_default_is_the_last_30_days_up_to_today_in_beijing() -> None:
    assert parse_period(None, None, NOW) == Period(date(2026, 11, 4), date(2026, 12, 3))


def test_a_day_starts_at_midnight_beijing_time() -> None:
    period = Period(date(2026, 11, 1), date(2026, 11, 30))
    assert period.start == datetime(2026, 10, 31, 16, 0, tzinfo=UTC)
    assert period.end == datetime(2026, 11, 30, 16, 0, tzinfo=UTC)
    assert period.days == 30


@pytest.mark.parametrize(("first", "last"), [("2026-13-01", None), ("2026-11-30", "2026-11-01"), ("1990-01-01", None)])
def test_bad_dates_are_refused_with_a_reason(first: str, last: str | None) -> None:
    with pytest.raises(BadPeriod):
        parse_period(first, last, NOW)


def test_a_month_is_named_by_year_and_month_and_defaults_to_the_last_one() -> None:
    assert parse_month("2026-02", NOW) == Period(date(2026, 2, 1), date(2026, 2, 28))
    assert parse_month(None, NOW) == Period(date(2026, 11, 1), date(2026, 11, 30))
    with pytest.raises(BadPeriod):
        parse_month("November", NOW)
