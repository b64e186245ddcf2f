"""payment_collection.canceled_at: a collection canceled on purpose, told apart from one whose payments were

Revision ID: collection_canceled_at
Revises: events
Create Date: 2026-11-30 18:40:00
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import paymentgraph.db.types

revision: str = "collection_canceled_at"
down_revision: str | None = "events"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("payment_collection") as batch:
        batch.add_column(
            sa.Column("canceled_at", paymentgraph.db.types.UTCDateTime(timezone=True), nullable=True)
        )
    # Collections canceled before this revision were canceled on purpose (nothing else set the status).
    op.execute("UPDATE payment_collection SET canceled_at = updated_at WHERE status = 'canceled'")


def downgrade() -> None:
    with op.batch_alter_table("payment_collection") as batch:
        batch.drop_column("canceled_at")
