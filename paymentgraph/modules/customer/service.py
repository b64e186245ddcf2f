"""The customer module's service: customers with an email and names."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, overload

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from paymentgraph.db.ids import new_id
from paymentgraph.db.session import read_session, write_transaction
from paymentgraph.errors import not_found
from paymentgraph.modules import inputs
from paymentgraph.modules.customer import repository
from paymentgraph.modules.customer.dto import CustomerDTO
from paymentgraph.modules.customer.models import Customer

_FIELDS = ("email", "first_name", "last_name", "metadata")


def _changes(values: Mapping[str, Any]) -> dict[str, Any]:
    changes: dict[str, Any] = {}
    if "email" in values:
        changes["email"] = inputs.email(values["email"], required=True)
    for name in ("first_name", "last_name"):
        if name in values:
            changes[name] = inputs.text(values[name], name, required=False)
    if "metadata" in values:
        changes["metadata_"] = inputs.metadata(values["metadata"])
    return changes


def _new_customer(data: object) -> Customer:
    values = inputs.mapping(data, "customer")
    inputs.only_keys(values, _FIELDS, "customer")
    changes = _changes(values)
    if "email" not in changes:
        inputs.email(None, required=True)
    return Customer(id=new_id("cus"), **changes)


class CustomerModuleService:
    """Customers with an email and optional names."""

    def __init__(self, sessionmaker: async_sessionmaker[AsyncSession]) -> None:
        self.sessionmaker = sessionmaker

    @overload
    async def create_customers(self, data: Mapping[str, Any]) -> CustomerDTO: ...
    @overload
    async def create_customers(self, data: Sequence[Mapping[str, Any]]) -> list[CustomerDTO]: ...
    async def create_customers(self, data: Any) -> CustomerDTO | list[CustomerDTO]:
        """Create one customer (dict in, DTO out) or several (list in, list out)."""
        single = isinstance(data, Mapping)
        rows = [_new_customer(item) for item in ([data] if single else list(data))]
        async with write_transaction(self.sessionmaker) as session:
            for row in rows:
                await repository.add(session, row)
            result = [CustomerDTO.from_row(row) for row in rows]
        return result[0] if single else result

    async def update_customers(self, id: str, data: Mapping[str, Any]) -> CustomerDTO:
        """Update a customer's email, names or metadata."""
        values = inputs.mapping(data, "customer")
        inputs.only_keys(values, _FIELDS, "customer")
        changes = _changes(values)
        async with write_transaction(self.sessionmaker) as session:
            rows = await repository.get_live(session, [id])
            if not rows:
                raise not_found("Customer", id)
            for name, value in changes.items():
                setattr(rows[0], name, value)
            await session.flush()
            return CustomerDTO.from_row(rows[0])

    async def retrieve_customer(self, id: str) -> CustomerDTO:
        async with read_session(self.sessionmaker) as session:
            rows = await repository.get_live(session, [id])
        if not rows:
            raise not_found("Customer", id)
        return CustomerDTO.from_row(rows[0])

    async def list_customers(
        self, filters: Mapping[str, Any] | None = None, *, skip: int = 0, take: int | None = None
    ) -> list[CustomerDTO]:
        """Live customers matching equality filters on id, email, first_name, last_name, oldest first."""
        where = inputs.filters(filters, repository.FILTERABLE)
        skip, take = inputs.page(skip, take)
        async with read_session(self.sessionmaker) as session:
            rows = await repository.list_live(session, where, skip=skip, take=take)
        return [CustomerDTO.from_row(row) for row in rows]

    async def delete_customers(self, ids: str | Sequence[str]) -> list[str]:
        """Soft-delete customers; any unknown id refuses the whole call. Returns the deleted ids."""
        wanted = inputs.ids(ids)
        async with write_transaction(self.sessionmaker) as session:
            rows = await repository.get_live(session, wanted)
            missing = set(wanted) - {row.id for row in rows}
            if missing:
                raise not_found("Customer", sorted(missing)[0])
            await repository.soft_delete(session, rows)
        return wanted
