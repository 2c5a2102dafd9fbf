"""Case notices: what a resident must be told about their case (first: its number), kept until it arrives.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "case_notices",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("status", sa.String(16), server_default=sa.text("'pending'"), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("attempts", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("last_error", sa.String(200), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_notices")),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_case_notices_case_id_cases"), ondelete="CASCADE"
        ),
        sa.UniqueConstraint("case_id", "kind", name=op.f("uq_case_notices_case_id_kind")),
        sa.CheckConstraint("status IN ('pending', 'told', 'sent', 'failed')", name=op.f("ck_case_notices_status")),
    )
    op.create_index(op.f("ix_case_notices_due"), "case_notices", ["status", "due_at"])


def downgrade() -> None:
    op.drop_index(op.f("ix_case_notices_due"), table_name="case_notices")
    op.drop_table("case_notices")
