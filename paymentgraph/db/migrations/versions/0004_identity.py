"""identity: customers' credentials and sessions, admin API keys, failed logins; payment.canceled_by

Revision ID: identity
Revises: provider_changes
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import paymentgraph.db.types

revision: str = "identity"
down_revision: str | None = "provider_changes"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _datetime() -> paymentgraph.db.types.UTCDateTime:
    return paymentgraph.db.types.UTCDateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "customer_credential",
        sa.Column("id", sa.String(), nullable=False),
        sa.Column("customer_id", sa.String(), nullable=False),
        sa.Column("email", sa.String(), nullable=False),
        sa.Column("password_hash", sa.String(), nullable=False),
        sa.Column("created_at", _datetime(), nullable=False),
        sa.Column("updated_at", _datetime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("PK_customer_credential")),
        sa.UniqueConstraint("customer_id", name=op.f("UQ_customer_credential_customer_id")),
        sa.UniqueConstraint("email", name=op.f("UQ_customer_credential_email")),
    )
    op.create_table(
        "customer_session",
        sa.Column("id", sa.String(), nullable=False),
        sa.Column("customer_id", sa.String(), nullable=False),
        sa.Column("token_hash", sa.String(), nullable=False),
        sa.Column("created_at", _datetime(), nullable=False),
        sa.Column("expires_at", _datetime(), nullable=False),
        sa.Column("revoked_at", _datetime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("PK_customer_session")),
        sa.UniqueConstraint("token_hash", name=op.f("UQ_customer_session_token_hash")),
    )
    op.create_index(op.f("IDX_customer_session_customer_id"), "customer_session", ["customer_id"])
    op.create_table(
        "api_key",
        sa.Column("id", sa.String(), nullable=False),
        sa.Column("title", sa.String(), nullable=False),
        sa.Column("token_hash", sa.String(), nullable=False),
        sa.Column("redacted", sa.String(), nullable=False),
        sa.Column("created_by", sa.String(), nullable=True),
        sa.Column("created_at", _datetime(), nullable=False),
        sa.Column("last_used_at", _datetime(), nullable=True),
        sa.Column("revoked_at", _datetime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("PK_api_key")),
        sa.UniqueConstraint("token_hash", name=op.f("UQ_api_key_token_hash")),
    )
    op.create_table(
        "login_failure",
        sa.Column("id", sa.String(), nullable=False),
        sa.Column("key", sa.String(), nullable=False),
        sa.Column("created_at", _datetime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("PK_login_failure")),
    )
    op.create_index("IDX_login_failure_key_created_at", "login_failure", ["key", "created_at"])
    with op.batch_alter_table("payment") as batch_op:
        batch_op.add_column(sa.Column("canceled_by", sa.String(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("payment") as batch_op:
        batch_op.drop_column("canceled_by")
    op.drop_index("IDX_login_failure_key_created_at", table_name="login_failure")
    op.drop_table("login_failure")
    op.drop_table("api_key")
    op.drop_index(op.f("IDX_customer_session_customer_id"), table_name="customer_session")
    op.drop_table("customer_session")
    op.drop_table("customer_credential")
