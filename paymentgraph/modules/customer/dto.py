"""Customer DTOs: what the customer service returns (never ORM rows)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from paymentgraph.db.dto import dto_from_row
from paymentgraph.modules.customer.models import Customer


@dataclass(frozen=True)
class CustomerDTO:
    id: str
    email: str
    first_name: str | None
    last_name: str | None
    metadata: dict[str, Any] | None
    created_at: datetime
    updated_at: datetime
    deleted_at: datetime | None = None

    @classmethod
    def from_row(cls, row: Customer) -> CustomerDTO:
        return dto_from_row(cls, row)
