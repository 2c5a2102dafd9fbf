"""The dashboard's counts per sealed month: for each Beijing month the dashboard has sealed, how many cases
filed in it there are by service and district together, by channel, by mode, by self or proxy, and by
outcome. A year's figures then read the counters of its past months instead of grouping fifty thousand cases
(the grouping gives nearly one group per case: there are that many combinations).

A month is sealed by the dashboard (``bot/staff/dashboard/month_counts.py``) once it is over: it counts the
month's cases into ``case_month_counts`` and names the month in ``case_months_sealed`` in one transaction.
From then on a trigger on ``cases`` keeps the month's counters equal to a recount: it adds each case filed
(or moved into it) and takes away each case removed (or moved out), and a change of any counted column moves
the case from its old counter to its new one. For a month not sealed (the current one above all, where the
filings are) the trigger only looks the month up and writes nothing: concurrent filings would otherwise
queue on the same few counter rows until each commits.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

COUNTED = ("service", "district", "channel", "mode", "proxy_relationship", "outcome", "created_at")
# The Beijing month (fixed UTC+8, as the dashboard's periods) of a moment, as 'YYYY-MM'. SQLite's date
# functions round to the millisecond, so its fraction of a second is cut off first: 15:59:59.9999 is
# still the day before.
_POSTGRES_MONTH = "to_char(({at} AT TIME ZONE 'UTC') + interval '8 hours', 'YYYY-MM')"
_SQLITE_MONTH = "strftime('%Y-%m', substr({at}, 1, 19), '+8 hours')"


def _counters(row: str, change: int, month: str) -> str:
    """The counters ``row`` (NEW or OLD) belongs to, each with ``change``."""
    at = month.format(at=f"{row}.created_at")
    pairs = (
        (f"'district:' || {row}.service", f"coalesce({row}.district, '')"),
        ("'channel'", f"{row}.channel"),
        ("'mode'", f"{row}.mode"),
        ("'who'", f"CASE WHEN {row}.proxy_relationship IS NULL THEN 'self' ELSE 'proxy' END"),
        ("'outcome'", f"coalesce({row}.outcome, '')"),
    )
    # Only these fixed expressions and NEW/OLD reach this SQL: nothing from outside.
    return " UNION ALL ".join(
        f"SELECT {at} AS month, {dimension} AS dimension, {value} AS value, {change} AS change"
        for dimension, value in pairs
    )


def _apply(changes: str) -> str:
    # One statement taking the rows in key order: concurrent changes lock shared counters in the same order.
    # Only sealed months have counters; a case moved out of an unsealed month into a sealed one is added there.
    return (
        "INSERT INTO case_month_counts (month, dimension, value, count) "  # noqa: S608
        f"SELECT month, dimension, value, sum(change) FROM ({changes}) AS changes "
        "WHERE month IN (SELECT month FROM case_months_sealed) "
        "GROUP BY month, dimension, value HAVING sum(change) <> 0 ORDER BY month, dimension, value "
        "ON CONFLICT (month, dimension, value) DO UPDATE SET count = case_month_counts.count + excluded.count;"
    )


def _sealed(*rows: str, month: str) -> str:
    """Whether the month of any of ``rows`` is sealed: one or two lookups in its primary key."""
    months = ", ".join(month.format(at=f"{row}.created_at") for row in rows)
    return f"EXISTS (SELECT 1 FROM case_months_sealed WHERE month IN ({months}))"  # noqa: S608


def _postgres_function() -> str:
    month = _POSTGRES_MONTH
    moved = f"{_counters('OLD', -1, month)} UNION ALL {_counters('NEW', 1, month)}"
    return f"""CREATE FUNCTION case_month_counts() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        IF {_sealed("NEW", month=month)} THEN
            {_apply(_counters("NEW", 1, month))}
        END IF;
    ELSIF TG_OP = 'DELETE' THEN
        IF {_sealed("OLD", month=month)} THEN
            {_apply(_counters("OLD", -1, month))}
        END IF;
    ELSIF {_sealed("OLD", "NEW", month=month)} THEN
        {_apply(moved)}
    END IF;
    RETURN NULL;
END $$"""


_POSTGRES_TRIGGER = f"""CREATE TRIGGER case_month_counts
AFTER INSERT OR DELETE OR UPDATE OF {", ".join(COUNTED)} ON cases
FOR EACH ROW EXECUTE FUNCTION case_month_counts()"""
# TRUNCATE removes the cases without their row triggers (SQLite has no TRUNCATE: its DELETE runs them). Every
# month is unsealed again: the next dashboard that needs one counts it anew.
_POSTGRES_TRUNCATE_FUNCTION = """CREATE FUNCTION case_month_counts_truncate() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM case_month_counts;
    DELETE FROM case_months_sealed;
    RETURN NULL;
END $$"""
_POSTGRES_TRUNCATE_TRIGGER = """CREATE TRIGGER case_month_counts_truncate AFTER TRUNCATE ON cases
FOR EACH STATEMENT EXECUTE FUNCTION case_month_counts_truncate()"""


def _sqlite_triggers() -> tuple[str, ...]:
    month = _SQLITE_MONTH
    moved = f"{_counters('OLD', -1, month)} UNION ALL {_counters('NEW', 1, month)}"
    return (
        f"CREATE TRIGGER case_month_counts_insert AFTER INSERT ON cases WHEN {_sealed('NEW', month=month)} "
        f"BEGIN {_apply(_counters('NEW', 1, month))} END",
        f"CREATE TRIGGER case_month_counts_update AFTER UPDATE OF {', '.join(COUNTED)} ON cases "
        f"WHEN {_sealed('OLD', 'NEW', month=month)} BEGIN {_apply(moved)} END",
        f"CREATE TRIGGER case_month_counts_delete AFTER DELETE ON cases WHEN {_sealed('OLD', month=month)} "
        f"BEGIN {_apply(_counters('OLD', -1, month))} END",
    )


def upgrade() -> None:
    op.create_table(
        "case_months_sealed",
        sa.Column("month", sa.String(length=7), nullable=False),
        sa.PrimaryKeyConstraint("month", name=op.f("pk_case_months_sealed")),
    )
    op.create_table(
        "case_month_counts",
        sa.Column("month", sa.String(length=7), nullable=False),
        sa.Column("dimension", sa.String(length=80), nullable=False),
        sa.Column("value", sa.String(length=64), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("month", "dimension", "value", name=op.f("pk_case_month_counts")),
    )
    # No month is sealed yet, so nothing is counted here: the dashboard seals each past month it needs.
    if op.get_bind().dialect.name == "postgresql":
        for statement in (
            _postgres_function(),
            _POSTGRES_TRIGGER,
            _POSTGRES_TRUNCATE_FUNCTION,
            _POSTGRES_TRUNCATE_TRIGGER,
        ):
            op.execute(statement)
    else:
        for trigger in _sqlite_triggers():
            op.execute(trigger)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for name in ("case_month_counts", "case_month_counts_truncate"):
            op.execute(f"DROP TRIGGER {name} ON cases")
            op.execute(f"DROP FUNCTION {name}()")
    else:
        for name in ("insert", "update", "delete"):
            op.execute(f"DROP TRIGGER case_month_counts_{name}")
    op.drop_table("case_month_counts")
    op.drop_table("case_months_sealed")
