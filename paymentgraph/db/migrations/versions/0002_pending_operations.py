"""pending operations: a capture's or refund's request key, and an index of pending rows

Revision ID: pending_operations
Revises: 0001
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "pending_operations"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_KEYED = sa.text("idempotency_key IS NOT NULL")
_PENDING = sa.text("status = 'pending'")


def upgrade() -> None:
    for table in ("capture", "refund"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column("idempotency_key", sa.String(), nullable=True))
            batch_op.create_index(
                f"UQ_{table}_payment_id_idempotency_key",
                ["payment_id", "idempotency_key"],
                unique=True,
                postgresql_where=_KEYED,
                sqlite_where=_KEYED,
            )
            batch_op.create_index(
                f"IDX_{table}_pending_created_at",
                ["created_at"],
                unique=False,
                postgresql_where=_PENDING,
                sqlite_where=_PENDING,
            )


def downgrade() -> None:
    for table in ("refund", "capture"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_index(f"IDX_{table}_pending_created_at")
            batch_op.drop_index(f"UQ_{table}_payment_id_idempotency_key")
            batch_op.drop_column("idempotency_key")
