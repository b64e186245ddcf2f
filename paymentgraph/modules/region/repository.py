"""All SQL of the region module (the generic reads of paymentgraph.db.repository)."""

from __future__ import annotations

from paymentgraph.db.repository import LiveRows
from paymentgraph.modules.region.models import Region

regions = LiveRows(Region, filterable=("id", "name", "currency_code"))
