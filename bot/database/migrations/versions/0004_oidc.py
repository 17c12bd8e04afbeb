"""OpenID Connect sign-in (issue 21, item 8): a worker's provider identity.

A worker who signs in with their council account is found by the provider's issuer and
subject. Existing workers are local accounts: both columns stay empty.

Revision ID: 0004_oidc
Revises: 0003_accounts
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004_oidc"
down_revision = "0003_accounts"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("workers") as batch:
        batch.add_column(sa.Column("oidc_issuer", sa.String(255), nullable=True))
        batch.add_column(sa.Column("oidc_subject", sa.String(255), nullable=True))
        batch.create_unique_constraint("uq_workers_oidc_identity",
                                       ["oidc_issuer", "oidc_subject"])


def downgrade() -> None:
    with op.batch_alter_table("workers") as batch:
        batch.drop_constraint("uq_workers_oidc_identity", type_="unique")
        batch.drop_column("oidc_subject")
        batch.drop_column("oidc_issuer")
