"""The region module's service: regions with a name and a currency."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, overload

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from paymentgraph.db.ids import new_id
from paymentgraph.db.repository import add, soft_delete, update
from paymentgraph.db.session import read_session, write_transaction
from paymentgraph.modules import validation
from paymentgraph.modules.region import repository
from paymentgraph.modules.region.dto import RegionDTO
from paymentgraph.modules.region.models import Region
from paymentgraph.money import normalize_currency

_CREATE_FIELDS = ("name", "currency_code", "metadata")


def _changes(values: Mapping[str, Any]) -> dict[str, Any]:
    changes: dict[str, Any] = {}
    if "name" in values:
        changes["name"] = validation.text(values["name"], "name")
    if "currency_code" in values:
        changes["currency_code"] = normalize_currency(values["currency_code"])
    if "metadata" in values:
        changes["metadata_"] = validation.metadata(values["metadata"])
    return changes


def _new_region(data: object) -> Region:
    values = validation.mapping(data, "region")
    validation.only_keys(values, _CREATE_FIELDS, "region")
    # Name and currency are required on create: absent ones are checked as None.
    return Region(id=new_id("reg"), **_changes({"name": None, "currency_code": None, **values}))


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
        single, raw = validation.one_or_many(data)
        rows = [_new_region(item) for item in raw]
        async with write_transaction(self.sessionmaker) as session:
            for row in rows:
                # A flush per row keeps created_at, the list order, in the order given.
                await add(session, [row])
            result = [RegionDTO.from_row(row) for row in rows]
        return result[0] if single else result

    async def update_regions(self, id: str, data: Mapping[str, Any]) -> RegionDTO:
        """Update a region's name, currency or metadata."""
        values = validation.mapping(data, "region")
        validation.only_keys(values, _CREATE_FIELDS, "region")
        changes = _changes(values)
        async with write_transaction(self.sessionmaker) as session:
            region = await repository.regions.require_one(session, id)
            await update(session, region, changes)
            return RegionDTO.from_row(region)

    async def retrieve_region(self, id: str) -> RegionDTO:
        async with read_session(self.sessionmaker) as session:
            return RegionDTO.from_row(await repository.regions.require_one(session, id))

    async def list_regions(
        self, filters: Mapping[str, Any] | None = None, *, skip: int = 0, take: int | None = None
    ) -> list[RegionDTO]:
        """Live regions matching equality filters on id, name, currency_code, oldest first."""
        where = validation.filters(filters, repository.regions.filterable)
        if "currency_code" in where and isinstance(where["currency_code"], str):
            where["currency_code"] = normalize_currency(where["currency_code"])
        skip, take = validation.page(skip, take)
        async with read_session(self.sessionmaker) as session:
            rows = await repository.regions.list_live(session, where, skip=skip, take=take)
        return [RegionDTO.from_row(row) for row in rows]

    async def delete_regions(self, ids: str | Sequence[str]) -> list[str]:
        """Soft-delete regions; any unknown id refuses the whole call. Returns the deleted ids."""
        wanted = validation.ids(ids)
        async with write_transaction(self.sessionmaker) as session:
            await soft_delete(session, await repository.regions.require_all(session, wanted))
        return wanted
