"""events: the outbox, subscribers' deliveries, scheduled job runs

Revision ID: events
Revises: identity
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import paymentgraph.db.types
from sqlalchemy import Text  # noqa: F401  (autogenerate renders JSONB(astext_type=Text()))
from sqlalchemy.dialects import postgresql

revision: str = 'events'
down_revision: str | None = 'identity'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('event',
    sa.Column('seq', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('id', sa.String(), nullable=False),
    sa.Column('name', sa.String(), nullable=False),
    sa.Column('entity_id', sa.String(), nullable=False),
    sa.Column('data', sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), 'postgresql'), nullable=False),
    sa.Column('created_at', paymentgraph.db.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('dispatched_at', paymentgraph.db.types.UTCDateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('seq', name=op.f('PK_event')),
    sa.UniqueConstraint('id', name=op.f('UQ_event_id'))
    )
    with op.batch_alter_table('event', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('IDX_event_created_at'), ['created_at'], unique=False)
        batch_op.create_index(batch_op.f('IDX_event_name'), ['name'], unique=False)
        batch_op.create_index('IDX_event_undispatched', ['seq'], unique=False, postgresql_where=sa.text('dispatched_at IS NULL'), sqlite_where=sa.text('dispatched_at IS NULL'))

    op.create_table('job_run',
    sa.Column('id', sa.String(), nullable=False),
    sa.Column('job', sa.String(), nullable=False),
    sa.Column('scheduled_at', paymentgraph.db.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('status', sa.String(), nullable=False),
    sa.Column('worker', sa.String(), nullable=False),
    sa.Column('started_at', paymentgraph.db.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('finished_at', paymentgraph.db.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('error', sa.Text(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('PK_job_run')),
    sa.UniqueConstraint('job', 'scheduled_at', name=op.f('UQ_job_run_job_scheduled_at'))
    )
    with op.batch_alter_table('job_run', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('IDX_job_run_started_at'), ['started_at'], unique=False)

    op.create_table('event_delivery',
    sa.Column('id', sa.String(), nullable=False),
    sa.Column('event_id', sa.String(), nullable=False),
    sa.Column('event_seq', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('entity_id', sa.String(), nullable=False),
    sa.Column('subscriber', sa.String(), nullable=False),
    sa.Column('status', sa.String(), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('next_attempt_at', paymentgraph.db.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.Column('handled_at', paymentgraph.db.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('created_at', paymentgraph.db.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', paymentgraph.db.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['event_id'], ['event.id'], name=op.f('FK_event_delivery_event_id_event'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('PK_event_delivery')),
    sa.UniqueConstraint('event_id', 'subscriber', name=op.f('UQ_event_delivery_event_id_subscriber'))
    )
    with op.batch_alter_table('event_delivery', schema=None) as batch_op:
        batch_op.create_index('IDX_event_delivery_claim', ['subscriber', 'status', 'event_seq'], unique=False)
        batch_op.create_index('IDX_event_delivery_entity', ['subscriber', 'entity_id', 'event_seq'], unique=False)
        batch_op.create_index(batch_op.f('IDX_event_delivery_event_id'), ['event_id'], unique=False)

    if op.get_bind().dialect.name == "postgresql":
        # One NOTIFY per transaction that wrote events, delivered at commit: dispatchers in every
        # process LISTEN and wake at once (paymentgraph/events/outbox.py NOTIFY_CHANNEL).
        op.execute(
            "CREATE FUNCTION paymentgraph_notify_events() RETURNS trigger LANGUAGE plpgsql AS "
            "$$ BEGIN PERFORM pg_notify('paymentgraph_events', ''); RETURN NULL; END $$"
        )
        op.execute(
            "CREATE TRIGGER event_notify AFTER INSERT ON event FOR EACH STATEMENT "
            "EXECUTE FUNCTION paymentgraph_notify_events()"
        )



def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS event_notify ON event")
        op.execute("DROP FUNCTION IF EXISTS paymentgraph_notify_events()")
    with op.batch_alter_table('event_delivery', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('IDX_event_delivery_event_id'))
        batch_op.drop_index('IDX_event_delivery_entity')
        batch_op.drop_index('IDX_event_delivery_claim')

    op.drop_table('event_delivery')
    with op.batch_alter_table('job_run', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('IDX_job_run_started_at'))

    op.drop_table('job_run')
    with op.batch_alter_table('event', schema=None) as batch_op:
        batch_op.drop_index('IDX_event_undispatched', postgresql_where=sa.text('dispatched_at IS NULL'), sqlite_where=sa.text('dispatched_at IS NULL'))
        batch_op.drop_index(batch_op.f('IDX_event_name'))
        batch_op.drop_index(batch_op.f('IDX_event_created_at'))

    op.drop_table('event')
