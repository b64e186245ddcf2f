"""All SQL of the customer module (the generic reads of paymentgraph.db.repository)."""

from __future__ import annotations

from paymentgraph.db.repository import LiveRows
from paymentgraph.modules.customer.models import Customer

customers = LiveRows(Customer, filterable=("id", "email", "first_name", "last_name"))
