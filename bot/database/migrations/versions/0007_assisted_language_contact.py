"""Reaching every family (issue 23): assisted answering, an answer's language, contact.

Respondents: who helped them answer (`assisted`), where their link and one reminder may
be sent and whether the worker recorded that it is safe, and when each went. Items: their
language and whether the safeguarding check could read them (existing items are English
and were checked). Flags: the language of a message nobody could check yet.

Revision ID: 0007_assisted_language_contact
Revises: 0006_demo
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007_assisted_language_contact"
down_revision = "0006_demo"
branch_labels = None
depends_on = None

_RESPONDENT_COLUMNS: tuple[sa.Column, ...] = (
    sa.Column("assisted", sa.String(20), nullable=True),
    sa.Column("contact_sms", sa.String(40), nullable=True),
    sa.Column("contact_email", sa.String(320), nullable=True),
    sa.Column("contact_safe", sa.Boolean(), nullable=False, server_default=sa.false()),
    sa.Column("contact_shared_ok", sa.Boolean(), nullable=False, server_default=sa.false()),
    sa.Column("invitation_sent_at", sa.DateTime(timezone=True), nullable=True),
    sa.Column("reminded_at", sa.DateTime(timezone=True), nullable=True),
)


def upgrade() -> None:
    with op.batch_alter_table("respondents") as batch:
        for column in _RESPONDENT_COLUMNS:
            batch.add_column(column)
    with op.batch_alter_table("items") as batch:
        batch.add_column(sa.Column("language", sa.String(8), nullable=False,
                                   server_default="en"))
        batch.add_column(sa.Column("safeguarding_checked", sa.Boolean(), nullable=False,
                                   server_default=sa.true()))
    with op.batch_alter_table("flags") as batch:
        batch.add_column(sa.Column("language", sa.String(8), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("flags") as batch:
        batch.drop_column("language")
    with op.batch_alter_table("items") as batch:
        batch.drop_column("safeguarding_checked")
        batch.drop_column("language")
    with op.batch_alter_table("respondents") as batch:
        for column in reversed(_RESPONDENT_COLUMNS):
            batch.drop_column(column.name)
