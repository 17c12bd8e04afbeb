"""Questions made for each person (issue 19): the invited person's relationship to the
child (a professional's job: "Class teacher"), and the question set the worker chose for
them. Both are empty for existing invitations: no relationship, and the role's own set.

Revision ID: 0008_question_sets
Revises: 0007_assisted_language_contact
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008_question_sets"
down_revision = "0007_assisted_language_contact"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("respondents") as batch:
        batch.add_column(sa.Column("relationship", sa.String(100), nullable=True))
        batch.add_column(sa.Column("question_set", sa.String(20), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("respondents") as batch:
        batch.drop_column("question_set")
        batch.drop_column("relationship")
