"""Each case's first claim and first resolve beside it, kept by the database from the case's events, so the
dashboard's timings read the cases alone (no join with the events, which are several times as many); on
PostgreSQL one index holds every column the dashboard counts (read without the table), and urgent cases
have an index of their own.

The two columns are copies, never written by the service: a trigger on ``case_events`` sets them to the
earliest ``claimed`` and ``resolved`` event of the case whenever such an event is added, moved or removed,
so they always equal what a recount of the events gives.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

FIGURE_COLUMNS = [
    "service",
    "district",
    "channel",
    "mode",
    "proxy_relationship",
    "outcome",
    "team",
    "urgent",
    "first_claimed_at",
    "first_resolved_at",
]
_KINDS = "('claimed', 'resolved')"


def _refresh(case_id: str) -> str:
    first = "(SELECT min(created_at) FROM case_events WHERE case_id = {id} AND kind = '{kind}')"
    # ``case_id`` is NEW.case_id or OLD.case_id, written here: nothing from outside reaches this SQL.
    return (
        f"UPDATE cases SET first_claimed_at = {first.format(id=case_id, kind='claimed')}, "  # noqa: S608
        f"first_resolved_at = {first.format(id=case_id, kind='resolved')} WHERE id = {case_id};"
    )


_POSTGRES_FUNCTION = f"""CREATE FUNCTION case_events_milestones() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP <> 'DELETE' THEN
        IF NEW.kind IN {_KINDS} THEN
            {_refresh("NEW.case_id")}
        END IF;
    END IF;
    IF TG_OP <> 'INSERT' THEN
        IF OLD.kind IN {_KINDS} THEN
            {_refresh("OLD.case_id")}
        END IF;
    END IF;
    RETURN NULL;
END $$"""
_POSTGRES_TRIGGER = """CREATE TRIGGER case_events_milestones
AFTER INSERT OR DELETE OR UPDATE OF kind, case_id, created_at ON case_events
FOR EACH ROW EXECUTE FUNCTION case_events_milestones()"""
_SQLITE_TRIGGERS = (
    f"""CREATE TRIGGER case_events_milestones_insert AFTER INSERT ON case_events
WHEN NEW.kind IN {_KINDS} BEGIN {_refresh("NEW.case_id")} END""",
    f"""CREATE TRIGGER case_events_milestones_update AFTER UPDATE OF kind, case_id, created_at ON case_events
WHEN NEW.kind IN {_KINDS} OR OLD.kind IN {_KINDS} BEGIN {_refresh("NEW.case_id")} {_refresh("OLD.case_id")} END""",
    f"""CREATE TRIGGER case_events_milestones_delete AFTER DELETE ON case_events
WHEN OLD.kind IN {_KINDS} BEGIN {_refresh("OLD.case_id")} END""",
)
_BACKFILL = """UPDATE cases SET
first_claimed_at = (SELECT min(created_at) FROM case_events WHERE case_id = cases.id AND kind = 'claimed'),
first_resolved_at = (SELECT min(created_at) FROM case_events WHERE case_id = cases.id AND kind = 'resolved')"""
_URGENT = "urgent"


def upgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    with op.batch_alter_table("cases") as batch:
        batch.add_column(sa.Column("first_claimed_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("first_resolved_at", sa.DateTime(timezone=True), nullable=True))
    op.execute(_BACKFILL)
    if postgres:
        op.execute(_POSTGRES_FUNCTION)
        op.execute(_POSTGRES_TRIGGER)
    else:
        for trigger in _SQLITE_TRIGGERS:
            op.execute(trigger)
    op.drop_index(op.f("ix_cases_created_at"), table_name="cases")
    op.create_index(op.f("ix_cases_figures"), "cases", ["created_at"], postgresql_include=FIGURE_COLUMNS)
    op.create_index(
        op.f("ix_cases_urgent_created_at"),
        "cases",
        ["created_at"],
        postgresql_where=sa.text(_URGENT),
        sqlite_where=sa.text(_URGENT),
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_cases_urgent_created_at"), table_name="cases")
    op.drop_index(op.f("ix_cases_figures"), table_name="cases")
    op.create_index(op.f("ix_cases_created_at"), "cases", ["created_at"])
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER case_events_milestones ON case_events")
        op.execute("DROP FUNCTION case_events_milestones()")
    else:
        for name in ("insert", "update", "delete"):
            op.execute(f"DROP TRIGGER case_events_milestones_{name}")
    with op.batch_alter_table("cases") as batch:
        batch.drop_column("first_resolved_at")
        batch.drop_column("first_claimed_at")
