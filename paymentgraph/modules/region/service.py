"""The region module's service: regions with a name and a currency."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, overload

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from paymentgraph.db.ids import new_id
from paymentgraph.db.session import read_session, write_transaction
from paymentgraph.errors import not_found
from paymentgraph.modules import inputs
from paymentgraph.modules.region import repository
from paymentgraph.modules.region.dto import RegionDTO
from paymentgraph.modules.region.models import Region
from paymentgraph.money import normalize_currency

_CREATE_FIELDS = ("name", "currency_code", "metadata")


def _new_region(data: object) -> Region:
    values = inputs.mapping(data, "region")
    inputs.only_keys(values, _CREATE_FIELDS, "region")
    return Region(
        id=new_id("reg"),
        name=inputs.text(values.get("name"), "name"),
        currency_code=normalize_currency(values.get("currency_code")),
        metadata_=inputs.metadata(values.get("metadata")),
    )


class RegionModuleService:
    """Regions with a name and a currency."""

    def __init__(self, sessionmaker: async_sessionmaker[AsyncSession]) -> None:
        self.sessionmaker = sessionmaker

    @overload
    async def create_regions(self, data: Mapping[str, Any]) -> RegionDTO: ...
    @overload
    async def create_regions(self, data: Sequence[Mapping[str, Any]]) -> list[RegionDTO]: ...
    async def create_regions(self, data: Any) -> RegionDTO | list[RegionDTO]:
        """Create one region (dict in, DTO out) or several (list in, list out)."""
        single = isinstance(data, Mapping)
        rows = [_new_region(item) for item in ([data] if single else list(data))]
        async with write_transaction(self.sessionmaker) as session:
            for row in rows:
                await repository.add(session, row)
            result = [RegionDTO.from_row(row) for row in rows]
        return result[0] if single else result

    async def update_regions(self, id: str, data: Mapping[str, Any]) -> RegionDTO:
        """Update a region's name, currency or metadata."""
        values = inputs.mapping(data, "region")
        inputs.only_keys(values, _CREATE_FIELDS, "region")
        changes: dict[str, Any] = {}
        if "name" in values:
            changes["name"] = inputs.text(values["name"], "name")
        if "currency_code" in values:
            changes["currency_code"] = normalize_currency(values["currency_code"])
        if "metadata" in values:
            changes["metadata_"] = inputs.metadata(values["metadata"])
        async with write_transaction(self.sessionmaker) as session:
            rows = await repository.get_live(session, [id])
            if not rows:
                raise not_found("Region", id)
            for name, value in changes.items():
                setattr(rows[0], name, value)
            await session.flush()
            return RegionDTO.from_row(rows[0])

    async def retrieve_region(self, id: str) -> RegionDTO:
        async with read_session(self.sessionmaker) as session:
            rows = await repository.get_live(session, [id])
        if not rows:
            raise not_found("Region", id)
        return RegionDTO.from_row(rows[0])

    async def list_regions(
        self, filters: Mapping[str, Any] | None = None, *, skip: int = 0, take: int | None = None
    ) -> list[RegionDTO]:
        """Live regions matching equality filters on id, name, currency_code, oldest first."""
        where = inputs.filters(filters, repository.FILTERABLE)
        if "currency_code" in where and isinstance(where["currency_code"], str):
            where["currency_code"] = normalize_currency(where["currency_code"])
        skip, take = inputs.page(skip, take)
        async with read_session(self.sessionmaker) as session:
            rows = await repository.list_live(session, where, skip=skip, take=take)
        return [RegionDTO.from_row(row) for row in rows]

    async def delete_regions(self, ids: str | Sequence[str]) -> list[str]:
        """Soft-delete regions; any unknown id refuses the whole call. Returns the deleted ids."""
        wanted = inputs.ids(ids)
        async with write_transaction(self.sessionmaker) as session:
            rows = await repository.get_live(session, wanted)
            missing = set(wanted) - {row.id for row in rows}
            if missing:
                raise not_found("Region", sorted(missing)[0])
            await repository.soft_delete(session, rows)
        return wanted
