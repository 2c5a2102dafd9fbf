"""Resident preferences carry a version, counted up by every save, so copies elsewhere can tell old from new.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("resident_profiles") as table:
        table.add_column(sa.Column("version", sa.BigInteger(), server_default=sa.text("1"), nullable=False))


def downgrade() -> None:
    with op.batch_alter_table("resident_profiles") as table:
        table.drop_column("version")
