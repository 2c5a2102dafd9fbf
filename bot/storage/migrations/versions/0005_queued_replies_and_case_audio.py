"""Queued staff replies (waiting for the resident to write again) and the audio of residents' voice
messages to staff, encrypted.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "queued_replies",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(32), nullable=False),
        sa.Column("user_ref", sa.String(128), nullable=False),
        sa.Column("text_enc", sa.LargeBinary(), nullable=False),
        sa.Column("reason", sa.String(32), nullable=False),
        sa.Column("status", sa.String(16), server_default=sa.text("'queued'"), nullable=False),
        sa.Column("attempts", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("lease_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.Column("delivered_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_queued_replies")),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_queued_replies_case_id_cases"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["event_id"], ["case_events.id"], name=op.f("fk_queued_replies_event_id_case_events"), ondelete="CASCADE"
        ),
        sa.UniqueConstraint("event_id", name=op.f("uq_queued_replies_event_id")),
        sa.CheckConstraint(
            "status IN ('queued', 'sending', 'delivered', 'failed')", name=op.f("ck_queued_replies_status")
        ),
    )
    op.create_index(op.f("ix_queued_replies_waiting"), "queued_replies", ["channel", "user_ref", "status"])
    op.create_table(
        "case_audio",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("format", sa.String(16), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("audio_enc", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_audio")),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_case_audio_case_id_cases"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["event_id"], ["case_events.id"], name=op.f("fk_case_audio_event_id_case_events"), ondelete="CASCADE"
        ),
        sa.UniqueConstraint("event_id", name=op.f("uq_case_audio_event_id")),
    )
    op.create_index(op.f("ix_case_audio_case_id"), "case_audio", ["case_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_case_audio_case_id"), table_name="case_audio")
    op.drop_table("case_audio")
    op.drop_index(op.f("ix_queued_replies_waiting"), table_name="queued_replies")
    op.drop_table("queued_replies")
