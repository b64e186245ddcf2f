"""merchant webhooks: endpoints, deliveries, attempts

Revision ID: merchant_webhooks
Revises: collection_canceled_at
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import paymentgraph.db.types
from sqlalchemy import Text  # noqa: F401  (autogenerate renders JSONB(astext_type=Text()))
from sqlalchemy.dialects import postgresql

revision: str = 'merchant_webhooks'
down_revision: str | None = 'collection_canceled_at'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('webhook_endpoint',
    sa.Column('id', sa.String(), nullable=False),
    sa.Column('url', sa.String(), nullable=False),
    sa.Column('events', sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), 'postgresql'), nullable=False),
    sa.Column('description', sa.Text(), nullable=True),
    sa.Column('is_enabled', sa.Boolean(), nullable=False),
    sa.Column('secret', sa.String(), nullable=False),
    sa.Column('created_at', paymentgraph.db.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', paymentgraph.db.types.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('PK_webhook_endpoint'))
    )
    op.create_table('webhook_delivery',
    sa.Column('id', sa.String(), nullable=False),
    sa.Column('endpoint_id', sa.String(), nullable=False),
    sa.Column('event_id', sa.String(), nullable=False),
    sa.Column('status', sa.String(), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('response_status', sa.Integer(), nullable=True),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.Column('next_attempt_at', paymentgraph.db.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('retry_until', paymentgraph.db.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('claim', sa.String(), nullable=True),
    sa.Column('delivered_at', paymentgraph.db.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('created_at', paymentgraph.db.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', paymentgraph.db.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['endpoint_id'], ['webhook_endpoint.id'], name=op.f('FK_webhook_delivery_endpoint_id_webhook_endpoint'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['event_id'], ['event.id'], name=op.f('FK_webhook_delivery_event_id_event'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('PK_webhook_delivery')),
    sa.UniqueConstraint('endpoint_id', 'event_id', name=op.f('UQ_webhook_delivery_endpoint_id_event_id'))
    )
    with op.batch_alter_table('webhook_delivery', schema=None) as batch_op:
        batch_op.create_index('IDX_webhook_delivery_due', ['status', 'next_attempt_at'], unique=False)
        batch_op.create_index('IDX_webhook_delivery_endpoint', ['endpoint_id', 'created_at'], unique=False)
        batch_op.create_index(batch_op.f('IDX_webhook_delivery_event_id'), ['event_id'], unique=False)

    op.create_table('webhook_delivery_attempt',
    sa.Column('id', sa.String(), nullable=False),
    sa.Column('delivery_id', sa.String(), nullable=False),
    sa.Column('attempted_at', paymentgraph.db.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('response_status', sa.Integer(), nullable=True),
    sa.Column('error', sa.Text(), nullable=True),
    sa.Column('duration_ms', sa.Integer(), nullable=False),
    sa.Column('next_attempt_at', paymentgraph.db.types.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['delivery_id'], ['webhook_delivery.id'], name=op.f('FK_webhook_delivery_attempt_delivery_id_webhook_delivery'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('PK_webhook_delivery_attempt'))
    )
    with op.batch_alter_table('webhook_delivery_attempt', schema=None) as batch_op:
        batch_op.create_index('IDX_webhook_delivery_attempt_delivery', ['delivery_id', 'attempted_at'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('webhook_delivery_attempt', schema=None) as batch_op:
        batch_op.drop_index('IDX_webhook_delivery_attempt_delivery')

    op.drop_table('webhook_delivery_attempt')
    with op.batch_alter_table('webhook_delivery', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('IDX_webhook_delivery_event_id'))
        batch_op.drop_index('IDX_webhook_delivery_endpoint')
        batch_op.drop_index('IDX_webhook_delivery_due')

    op.drop_table('webhook_delivery')
    op.drop_table('webhook_endpoint')
