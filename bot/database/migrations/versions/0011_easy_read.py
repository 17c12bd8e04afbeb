"""Easy Read (issue 23): an invitation option giving the shortest wording, with simple
pictures on the chat page. Existing invitations keep the ordinary wording (false).

Revision ID: 0011_easy_read
Revises: 0010_filed_rounds
Create Date: 2026-12-20
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011_easy_read"
down_revision = "0010_filed_rounds"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("respondents") as batch:
        batch.add_column(sa.Column("easy_read", sa.Boolean(), nullable=False,
                                   server_default=sa.false()))


def downgrade() -> None:
    with op.batch_alter_table("respondents") as batch:
        batch.drop_column("easy_read")
