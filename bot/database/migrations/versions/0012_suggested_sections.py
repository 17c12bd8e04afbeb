"""Sorting that follows practice (issue 18): a child's words keep their house, and the
column they suggest is kept beside them for the worker (`suggested_section`); an adult's
words moved away from their question's column keep that column (`moved_from`, shown on
the board as "Moved from ..."). Both nullable: existing items suggest nothing, moved
nothing.

Revision ID: 0012_suggested_sections
Revises: 0011_easy_read
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012_suggested_sections"
down_revision = "0011_easy_read"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("items") as batch:
        batch.add_column(sa.Column("suggested_section", sa.String(20), nullable=True))
        batch.add_column(sa.Column("moved_from", sa.String(20), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("items") as batch:
        batch.drop_column("moved_from")
        batch.drop_column("suggested_section")
