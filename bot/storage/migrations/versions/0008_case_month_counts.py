"""The dashboard's counts per month, kept by the database: for each Beijing month, how many cases filed in it
there are by service and district together, by channel, by mode, by self or proxy, and by outcome. A
year's figures then read twelve months of a few dozen counters each instead of grouping fifty thousand
cases (the grouping gives nearly one group per case: there are that many combinations).

The counters are never written by the service: a trigger on ``cases`` adds each case filed (or moved into
a month) and takes away each case removed (or moved out), and a change of any counted column moves the case
from its old counter to its new one, so a month's counters always equal a recount of its cases.

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


def _counters(row: str, change: int, month: str, source: str = "") -> str:
    """The counters ``row`` (NEW, OLD or the table itself, read ``source``) belongs to, each with ``change``."""
    at = month.format(at=f"{row}.created_at")
    pairs = (
        (f"'district:' || {row}.service", f"coalesce({row}.district, '')"),
        ("'channel'", f"{row}.channel"),
        ("'mode'", f"{row}.mode"),
        ("'who'", f"CASE WHEN {row}.proxy_relationship IS NULL THEN 'self' ELSE 'proxy' END"),
        ("'outcome'", f"coalesce({row}.outcome, '')"),
    )
    # Only these fixed expressions and NEW/OLD/cases reach this SQL: nothing from outside.
    return " UNION ALL ".join(
        f"SELECT {at} AS month, {dimension} AS dimension, {value} AS value, {change} AS change{source}"
        for dimension, value in pairs
    )


def _apply(changes: str) -> str:
    # One statement taking the rows in key order: concurrent filings lock shared counters in the same order.
    return (
        "INSERT INTO case_month_counts (month, dimension, value, count) "  # noqa: S608
        f"SELECT month, dimension, value, sum(change) FROM ({changes}) AS changes WHERE true "
        "GROUP BY month, dimension, value HAVING sum(change) <> 0 ORDER BY month, dimension, value "
        "ON CONFLICT (month, dimension, value) DO UPDATE SET count = case_month_counts.count + excluded.count;"
    )


def _postgres_function() -> str:
    month = _POSTGRES_MONTH
    moved = f"{_counters('OLD', -1, month)} UNION ALL {_counters('NEW', 1, month)}"
    return f"""CREATE FUNCTION case_month_counts() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        {_apply(_counters("NEW", 1, month))}
    ELSIF TG_OP = 'DELETE' THEN
        {_apply(_counters("OLD", -1, month))}
    ELSE
        {_apply(moved)}
    END IF;
    RETURN NULL;
END $$"""


_POSTGRES_TRIGGER = f"""CREATE TRIGGER case_month_counts
AFTER INSERT OR DELETE OR UPDATE OF {", ".join(COUNTED)} ON cases
FOR EACH ROW EXECUTE FUNCTION case_month_counts()"""
# TRUNCATE removes the cases without their row triggers (SQLite has no TRUNCATE: its DELETE runs them).
_POSTGRES_TRUNCATE_FUNCTION = """CREATE FUNCTION case_month_counts_truncate() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM case_month_counts;
    RETURN NULL;
END $$"""
_POSTGRES_TRUNCATE_TRIGGER = """CREATE TRIGGER case_month_counts_truncate AFTER TRUNCATE ON cases
FOR EACH STATEMENT EXECUTE FUNCTION case_month_counts_truncate()"""


def _sqlite_triggers() -> tuple[str, ...]:
    month = _SQLITE_MONTH
    moved = f"{_counters('OLD', -1, month)} UNION ALL {_counters('NEW', 1, month)}"
    return (
        f"CREATE TRIGGER case_month_counts_insert AFTER INSERT ON cases BEGIN {_apply(_counters('NEW', 1, month))} END",
        f"CREATE TRIGGER case_month_counts_update AFTER UPDATE OF {', '.join(COUNTED)} ON cases "
        f"BEGIN {_apply(moved)} END",
        f"CREATE TRIGGER case_month_counts_delete AFTER DELETE ON cases "
        f"BEGIN {_apply(_counters('OLD', -1, month))} END",
    )


def _backfill(month: str) -> str:
    return (
        "INSERT INTO case_month_counts (month, dimension, value, count) "  # noqa: S608
        f"SELECT month, dimension, value, sum(change) FROM ({_counters('cases', 1, month, ' FROM cases')}) AS changes "
        "GROUP BY month, dimension, value"
    )


def upgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    if postgres:
        # No case filed or changed between the count below and the trigger that counts from then on.
        op.execute("LOCK TABLE cases IN SHARE ROW EXCLUSIVE MODE")
    op.create_table(
        "case_month_counts",
        sa.Column("month", sa.String(length=7), nullable=False),
        sa.Column("dimension", sa.String(length=80), nullable=False),
        sa.Column("value", sa.String(length=64), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("month", "dimension", "value", name=op.f("pk_case_month_counts")),
    )
    op.execute(_backfill(_POSTGRES_MONTH if postgres else _SQLITE_MONTH))
    if postgres:
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
