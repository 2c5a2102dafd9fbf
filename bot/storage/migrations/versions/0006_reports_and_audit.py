"""Indexes for the supervisor dashboard's aggregates and the audit search, the staff audit trail of actions
that are not about one case (exports, account changes, retention runs), a forced password change at next
login, when a case's personal data was erased, and each case's outcome beside its resolve event.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

_OPEN = "status IN ('new', 'claimed', 'waiting')"
# A finished case's outcome, from its (last) resolve event.
_POSTGRES_BACKFILL = """UPDATE cases SET outcome = (SELECT detail ->> 'outcome' FROM case_events
WHERE case_events.case_id = cases.id AND case_events.kind = 'resolved' ORDER BY case_events.id DESC LIMIT 1)
WHERE status IN ('resolved', 'closed')"""
_SQLITE_BACKFILL = """UPDATE cases SET outcome = (SELECT json_extract(detail, '$.outcome') FROM case_events
WHERE case_events.case_id = cases.id AND case_events.kind = 'resolved' ORDER BY case_events.id DESC LIMIT 1)
WHERE status IN ('resolved', 'closed')"""


def upgrade() -> None:
    op.create_index(op.f("ix_cases_created_at"), "cases", ["created_at"])
    op.create_index(op.f("ix_case_events_kind_created_at"), "case_events", ["kind", "created_at"])
    op.create_index(op.f("ix_case_events_actor_created_at"), "case_events", ["actor", "created_at"])
    with op.batch_alter_table("cases") as batch:
        batch.add_column(sa.Column("erased_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("outcome", sa.String(32), nullable=True))
    op.execute(_POSTGRES_BACKFILL if op.get_bind().dialect.name == "postgresql" else _SQLITE_BACKFILL)
    op.create_index(op.f("ix_cases_service_outcome"), "cases", ["service", "outcome"])
    op.create_index(
        op.f("ix_cases_open_created_at"),
        "cases",
        ["team", "created_at"],
        postgresql_where=sa.text(_OPEN),
        sqlite_where=sa.text(_OPEN),
    )
    with op.batch_alter_table("staff_users") as batch:
        batch.add_column(sa.Column("must_change_password", sa.Boolean(), server_default=sa.false(), nullable=False))
    op.create_table(
        "staff_audit",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("actor", sa.String(64), nullable=False),
        sa.Column("action", sa.String(32), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=True),
        sa.Column("detail", sa.JSON(), nullable=False),
        sa.Column("reason_enc", sa.LargeBinary(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_staff_audit")),
    )
    op.create_index(op.f("ix_staff_audit_created_at"), "staff_audit", ["created_at"])
    op.create_index(op.f("ix_staff_audit_actor_created_at"), "staff_audit", ["actor", "created_at"])


def downgrade() -> None:
    op.drop_index(op.f("ix_staff_audit_actor_created_at"), table_name="staff_audit")
    op.drop_index(op.f("ix_staff_audit_created_at"), table_name="staff_audit")
    op.drop_table("staff_audit")
    with op.batch_alter_table("staff_users") as batch:
        batch.drop_column("must_change_password")
    op.drop_index(op.f("ix_cases_open_created_at"), table_name="cases")
    op.drop_index(op.f("ix_cases_service_outcome"), table_name="cases")
    with op.batch_alter_table("cases") as batch:
        batch.drop_column("outcome")
        batch.drop_column("erased_at")
    op.drop_index(op.f("ix_case_events_actor_created_at"), table_name="case_events")
    op.drop_index(op.f("ix_case_events_kind_created_at"), table_name="case_events")
    op.drop_index(op.f("ix_cases_created_at"), table_name="cases")
