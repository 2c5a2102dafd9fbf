"""Cases, their audit events, staff accounts and resident preferences.

Revision ID: 0001
Revises:
Create Date: 2024-06-01
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def _timestamp(name: str) -> sa.Column[datetime]:
    return sa.Column(name, sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False)


def upgrade() -> None:
    op.create_table(
        "staff_users",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("username", sa.String(40), nullable=False),
        sa.Column("password_hash", sa.String(255), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("teams", sa.JSON(), nullable=False),
        sa.Column("active", sa.Boolean(), server_default=sa.true(), nullable=False),
        _timestamp("created_at"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_staff_users")),
        sa.UniqueConstraint("username", name=op.f("uq_staff_users_username")),
        sa.CheckConstraint("role IN ('admin', 'supervisor', 'agent')", name=op.f("ck_staff_users_role")),
    )
    op.create_table(
        "cases",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("idempotency_key", sa.String(200), nullable=False),
        sa.Column("service", sa.String(64), nullable=False),
        sa.Column("team", sa.String(16), nullable=False),
        sa.Column("status", sa.String(16), server_default=sa.text("'new'"), nullable=False),
        sa.Column("district", sa.String(64), nullable=True),
        sa.Column("channel", sa.String(32), nullable=False),
        sa.Column("user_ref", sa.String(128), nullable=False),
        sa.Column("mode", sa.String(16), nullable=False),
        sa.Column("proxy_relationship", sa.String(32), nullable=True),
        sa.Column("urgent", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("claimed_by", sa.Integer(), nullable=True),
        sa.Column("answers_enc", sa.LargeBinary(), nullable=False),
        sa.Column("transcript_enc", sa.LargeBinary(), nullable=False),
        sa.Column("contact_enc", sa.LargeBinary(), nullable=False),
        sa.Column("names_enc", sa.LargeBinary(), nullable=False),
        _timestamp("created_at"),
        _timestamp("updated_at"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cases")),
        sa.UniqueConstraint("idempotency_key", name=op.f("uq_cases_idempotency_key")),
        sa.ForeignKeyConstraint(["claimed_by"], ["staff_users.id"], name=op.f("fk_cases_claimed_by_staff_users")),
        sa.CheckConstraint(
            "status IN ('new', 'claimed', 'waiting', 'resolved', 'closed')", name=op.f("ck_cases_status")
        ),
        sqlite_autoincrement=True,
    )
    op.create_index(op.f("ix_cases_queue"), "cases", ["team", "status", "urgent", "created_at"])
    op.create_index(op.f("ix_cases_channel_user_ref"), "cases", ["channel", "user_ref"])
    op.create_table(
        "case_events",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("actor", sa.String(64), nullable=False),
        sa.Column("detail", sa.JSON(), nullable=False),
        sa.Column("body_enc", sa.LargeBinary(), nullable=True),
        _timestamp("created_at"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_events")),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_case_events_case_id_cases"), ondelete="CASCADE"
        ),
    )
    op.create_index(op.f("ix_case_events_case_id"), "case_events", ["case_id"])
    op.create_table(
        "resident_profiles",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("channel", sa.String(32), nullable=False),
        sa.Column("user_ref", sa.String(128), nullable=False),
        sa.Column("mode", sa.String(16), server_default=sa.text("'text'"), nullable=False),
        sa.Column("speech_rate", sa.Integer(), server_default=sa.text("0"), nullable=False),
        _timestamp("created_at"),
        _timestamp("updated_at"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_resident_profiles")),
        sa.UniqueConstraint("channel", "user_ref", name=op.f("uq_resident_profiles_channel_user_ref")),
        sa.CheckConstraint("mode IN ('voice', 'text', 'simple')", name=op.f("ck_resident_profiles_mode")),
        sa.CheckConstraint("speech_rate BETWEEN -2 AND 2", name=op.f("ck_resident_profiles_speech_rate")),
    )


def downgrade() -> None:
    op.drop_table("resident_profiles")
    op.drop_index(op.f("ix_case_events_case_id"), table_name="case_events")
    op.drop_table("case_events")
    op.drop_index(op.f("ix_cases_channel_user_ref"), table_name="cases")
    op.drop_index(op.f("ix_cases_queue"), table_name="cases")
    op.drop_table("cases")
    op.drop_table("staff_users")
