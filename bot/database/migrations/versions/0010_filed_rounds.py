"""A round filed in the case record (issue 22): when, and by whom.

Retention keeps a filed round for MAPBOT_RETENTION_FILED_DAYS from its filing, an
unfiled one for MAPBOT_RETENTION_UNFILED_DAYS from its last activity
(bot/services/retention.py). Existing rounds start unfiled.

Revision ID: 0010_filed_rounds
Revises: 0009_rounds_analysis
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010_filed_rounds"
down_revision = "0009_rounds_analysis"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("rounds") as batch:
        batch.add_column(sa.Column("filed_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("filed_by", sa.String(150), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("rounds") as batch:
        batch.drop_column("filed_by")
        batch.drop_column("filed_at")
