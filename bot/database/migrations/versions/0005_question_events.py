"""The managers' figures (issue 24): questions skipped or met with "I don't understand".

Counts only: the question's key, the event and the turn, never any words.

Revision ID: 0005_question_events
Revises: 0004_oidc
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005_question_events"
down_revision = "0004_oidc"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "question_events",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("respondent_id", sa.String(32),
                  sa.ForeignKey("respondents.id", ondelete="CASCADE"), nullable=False),
        sa.Column("question_key", sa.String(80), nullable=False),
        sa.Column("event", sa.String(20), nullable=False),
        sa.Column("turn", sa.Integer, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("respondent_id", "turn", "event", "question_key",
                            name="uq_question_events_turn"),
    )
    op.create_index("ix_question_events_respondent_id", "question_events", ["respondent_id"])


def downgrade() -> None:
    op.drop_index("ix_question_events_respondent_id", table_name="question_events")
    op.drop_table("question_events")
