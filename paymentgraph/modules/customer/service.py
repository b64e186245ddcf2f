"""The customer module's service: customers with an email and names."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, overload

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from paymentgraph.db.ids import new_id
from paymentgraph.db.repository import add, soft_delete, update
from paymentgraph.db.session import read_session, write_transaction
from paymentgraph.modules import validation
from paymentgraph.modules.customer import repository
from paymentgraph.modules.customer.dto import CustomerDTO
from paymentgraph.modules.customer.models import Customer

_FIELDS = ("email", "first_name", "last_name", "metadata")


def _changes(values: Mapping[str, Any]) -> dict[str, Any]:
    changes: dict[str, Any] = {}
    if "email" in values:
        changes["email"] = validation.email(values["email"], required=True)
    for name in ("first_name", "last_name"):
        if name in values:
            changes[name] = validation.text(values[name], name, required=False)
    if "metadata" in values:
        changes["metadata_"] = validation.metadata(values["metadata"])
    return changes


def _new_customer(data: object) -> Customer:
    values = validation.mapping(data, "customer")
    validation.only_keys(values, _FIELDS, "customer")
    changes = _changes(values)
    if "email" not in changes:
        validation.email(None, required=True)
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
        single, raw = validation.one_or_many(data)
        rows = [_new_customer(item) for item in raw]
        async with write_transaction(self.sessionmaker) as session:
            for row in rows:
                # A flush per row keeps created_at, the list order, in the order given.
                await add(session, [row])
            result = [CustomerDTO.from_row(row) for row in rows]
        return result[0] if single else result

    async def update_customers(self, id: str, data: Mapping[str, Any]) -> CustomerDTO:
        """Update a customer's email, names or metadata."""
        values = validation.mapping(data, "customer")
        validation.only_keys(values, _FIELDS, "customer")
        changes = _changes(values)
        async with write_transaction(self.sessionmaker) as session:
            customer = await repository.customers.require_one(session, id)
            await update(session, customer, changes)
            return CustomerDTO.from_row(customer)

    async def retrieve_customer(self, id: str) -> CustomerDTO:
        async with read_session(self.sessionmaker) as session:
            return CustomerDTO.from_row(await repository.customers.require_one(session, id))

    async def list_customers(
        self, filters: Mapping[str, Any] | None = None, *, skip: int = 0, take: int | None = None
    ) -> list[CustomerDTO]:
        """Live customers matching equality filters on id, email, first_name, last_name, oldest first."""
        where = validation.filters(filters, repository.customers.filterable)
        skip, take = validation.page(skip, take)
        async with read_session(self.sessionmaker) as session:
            rows = await repository.customers.list_live(session, where, skip=skip, take=take)
        return [CustomerDTO.from_row(row) for row in rows]

    async def delete_customers(self, ids: str | Sequence[str]) -> list[str]:
        """Soft-delete customers; any unknown id refuses the whole call. Returns the deleted ids."""
        wanted = validation.ids(ids)
        async with write_transaction(self.sessionmaker) as session:
            await soft_delete(session, await repository.customers.require_all(session, wanted))
        return wanted
