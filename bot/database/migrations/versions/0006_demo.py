"""Issue 24's demo (`mapbot demo`): its worker and its case are marked as the demo's.

`mapbot demo --remove` deletes exactly what is marked. Existing workers and cases are
real: both columns are false for them.

Revision ID: 0006_demo
Revises: 0005_question_events
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006_demo"
down_revision = "0005_question_events"
branch_labels = None
depends_on = None


def upgrade() -> None:
    for table in ("workers", "cases"):
        op.add_column(table, sa.Column("demo", sa.Boolean(), nullable=False,
                                       server_default=sa.false()))


def downgrade() -> None:
    for table in ("workers", "cases"):
        with op.batch_alter_table(table) as batch:
            batch.drop_column("demo")
