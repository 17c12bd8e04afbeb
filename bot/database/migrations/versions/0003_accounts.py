"""Issue 21's local accounts: a worker can be switched off (`workers.disabled_at`).

Existing workers stay switched on (the column is empty).

Revision ID: 0003_accounts
Revises: 0002
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003_accounts"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("workers", sa.Column("disabled_at", sa.DateTime(timezone=True),
                                       nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("workers") as batch:
        batch.drop_column("disabled_at")
