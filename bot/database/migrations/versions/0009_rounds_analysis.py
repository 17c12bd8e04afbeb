"""Rounds of mapping and the worker's part of the map (issue 20).

A case has rounds (the first mapping, then one a review); each invitation belongs to
one. Every existing case gets its first round, started when the case was made, with
the round's id the case's own (ids are unique within a table, and this one statement
needs no generated ids); every existing invitation belongs to it. The worker's part
(`analyses`) starts empty.

Revision ID: 0009_rounds_analysis
Revises: 0008_question_sets
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009_rounds_analysis"
down_revision = "0008_question_sets"
branch_labels = None
depends_on = None

TIME = sa.DateTime(timezone=True)
FIRST_LABEL = "First mapping"  # bot/services/rounds.py: FIRST_LABEL


def upgrade() -> None:
    op.create_table(
        "rounds",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("case_id", sa.String(32), sa.ForeignKey("cases.id", ondelete="CASCADE"),
                  nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("label", sa.String(100), nullable=False),
        sa.Column("started_at", TIME, nullable=False),
        sa.UniqueConstraint("case_id", "number"),
    )
    op.create_index("ix_rounds_case_id", "rounds", ["case_id"])
    op.create_table(
        "analyses",
        sa.Column("round_id", sa.String(32), sa.ForeignKey("rounds.id", ondelete="CASCADE"),
                  primary_key=True),
        sa.Column("case_id", sa.String(32), sa.ForeignKey("cases.id", ondelete="CASCADE"),
                  nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("content", sa.Text(), nullable=False),
        sa.Column("updated_at", TIME, nullable=False),
        sa.Column("updated_by", sa.String(150), nullable=True),
    )
    op.create_index("ix_analyses_case_id", "analyses", ["case_id"])
    with op.batch_alter_table("respondents") as batch:
        batch.add_column(sa.Column("round_id", sa.String(32), nullable=True))
        batch.create_foreign_key("respondents_round_id_fkey", "rounds", ["round_id"], ["id"],
                                 ondelete="SET NULL")
        batch.create_index("ix_respondents_round_id", ["round_id"])
    op.execute(sa.text("INSERT INTO rounds (id, case_id, number, label, started_at) "
                       "SELECT id, id, 1, :label, created_at FROM cases")
               .bindparams(label=FIRST_LABEL))
    op.execute("UPDATE respondents SET round_id = case_id")


def downgrade() -> None:
    with op.batch_alter_table("respondents") as batch:
        batch.drop_index("ix_respondents_round_id")
        batch.drop_constraint("respondents_round_id_fkey", type_="foreignkey")
        batch.drop_column("round_id")
    op.drop_index("ix_analyses_case_id", "analyses")
    op.drop_table("analyses")
    op.drop_index("ix_rounds_case_id", "rounds")
    op.drop_table("rounds")
