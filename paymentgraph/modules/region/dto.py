"""Region DTOs: what the region service returns (never ORM rows)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from paymentgraph.db.dto import dto_from_row
from paymentgraph.modules.region.models import Region


@dataclass(frozen=True)
class RegionDTO:
    id: str
    name: str
    currency_code: str
    metadata: dict[str, Any] | None
    created_at: datetime
    updated_at: datetime
    deleted_at: datetime | None = None

    @classmethod
    def from_row(cls, row: Region) -> RegionDTO:
        return dto_from_row(cls, row)
