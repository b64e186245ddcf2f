"""Alembic environment: runs on the connection handed in by paymentgraph.db.migrate."""

from __future__ import annotations

from alembic import context

# Tables outside the modules (idempotency keys; workflow runs and their recovery points).
import paymentgraph.events.models
import paymentgraph.events.outbox
import paymentgraph.events.webhooks.models
import paymentgraph.idempotency.models
import paymentgraph.identity.models
import paymentgraph.workflows.models  # noqa: F401
from paymentgraph.db.base import metadata
from paymentgraph.links.registry import default_registry

default_registry()  # imports every module's tables and builds the link tables on ``metadata``

connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=metadata,
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
