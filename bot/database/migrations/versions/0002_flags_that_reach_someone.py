"""Issue 16's columns: worker kinds, case owners and viewers, flag levels and alert
chains, private answers and items, the family copy's name choice.

Existing rows get values: a worker's kind is "worker" ("administrator" for an
administrator), a case's owner is its creator, an access was granted when its case was
created, an answer or item is not private, a flag's level is "immediate" (the previous
release raised only those), an alert is step 1 written when its flag was raised (or
escalated). Flags raised before are left out of the new alert chains (their alert step
stays empty), so the upgrade alerts nobody again.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

TIME = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.add_column("workers", sa.Column("kind", sa.String(20), nullable=False,
                                       server_default="worker"))
    op.execute("UPDATE workers SET kind = 'administrator' WHERE is_admin")

    # Owner: added empty, filled with the creator, then required (SQLite copies the table).
    op.add_column("cases", sa.Column("owner_id", sa.String(32), nullable=True))
    op.execute("UPDATE cases SET owner_id = created_by")
    with op.batch_alter_table("cases") as batch:
        batch.alter_column("owner_id", existing_type=sa.String(32), nullable=False)
        batch.create_foreign_key("cases_owner_id_fkey", "workers", ["owner_id"], ["id"])
        batch.create_index("ix_cases_owner_id", ["owner_id"])

    op.add_column("case_access", sa.Column("granted_by", sa.String(150), nullable=True))
    op.add_column("case_access", sa.Column("granted_at", TIME, nullable=True))
    op.execute("UPDATE case_access SET granted_at = "
               "(SELECT cases.created_at FROM cases WHERE cases.id = case_access.case_id)")
    with op.batch_alter_table("case_access") as batch:
        batch.alter_column("granted_at", existing_type=TIME, nullable=False)

    op.add_column("respondents", sa.Column("pending_check", sa.String(20), nullable=True))
    op.add_column("respondents", sa.Column("named_in_family_copy", sa.Boolean(),
                                           nullable=True))

    op.add_column("answers", sa.Column("private", sa.Boolean(), nullable=False,
                                       server_default=sa.false()))
    op.add_column("items", sa.Column("private", sa.Boolean(), nullable=False,
                                     server_default=sa.false()))

    op.add_column("flags", sa.Column("level", sa.String(10), nullable=False,
                                     server_default="immediate"))
    op.add_column("flags", sa.Column("collapsed_into", sa.String(32), nullable=True))
    op.add_column("flags", sa.Column("alert_period", sa.String(20), nullable=True))
    op.add_column("flags", sa.Column("alert_step", sa.Integer(), nullable=True))
    op.add_column("flags", sa.Column("alerted_at", TIME, nullable=True))
    op.create_index("ix_flags_collapsed_into", "flags", ["collapsed_into"])

    op.add_column("alerts", sa.Column("address", sa.String(500), nullable=True))
    op.add_column("alerts", sa.Column("step", sa.Integer(), nullable=False,
                                      server_default="1"))
    op.add_column("alerts", sa.Column("period", sa.String(20), nullable=True))
    op.add_column("alerts", sa.Column("created_at", TIME, nullable=True))
    op.execute(
        "UPDATE alerts SET created_at = (SELECT CASE WHEN alerts.event = 'escalated' "
        "AND flags.escalated_at IS NOT NULL THEN flags.escalated_at ELSE flags.created_at "
        "END FROM flags WHERE flags.id = alerts.flag_id)")
    with op.batch_alter_table("alerts") as batch:
        batch.alter_column("created_at", existing_type=TIME, nullable=False)


def downgrade() -> None:
    with op.batch_alter_table("alerts") as batch:
        for column in ("created_at", "period", "step", "address"):
            batch.drop_column(column)
    op.drop_index("ix_flags_collapsed_into", table_name="flags")
    with op.batch_alter_table("flags") as batch:
        for column in ("alerted_at", "alert_step", "alert_period", "collapsed_into", "level"):
            batch.drop_column(column)
    with op.batch_alter_table("items") as batch:
        batch.drop_column("private")
    with op.batch_alter_table("answers") as batch:
        batch.drop_column("private")
    with op.batch_alter_table("respondents") as batch:
        batch.drop_column("named_in_family_copy")
        batch.drop_column("pending_check")
    with op.batch_alter_table("case_access") as batch:
        batch.drop_column("granted_at")
        batch.drop_column("granted_by")
    with op.batch_alter_table("cases") as batch:
        batch.drop_index("ix_cases_owner_id")
        batch.drop_constraint("cases_owner_id_fkey", type_="foreignkey")
        batch.drop_column("owner_id")
    with op.batch_alter_table("workers") as batch:
        batch.drop_column("kind")
