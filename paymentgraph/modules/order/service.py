"""The order module's service: orders with items and display ids, claims and exchanges.

Display ids are 1, 2, 3... assigned under a lock (PostgreSQL advisory lock, SQLite write lock), so
concurrent creates never collide. At most one live order exists per cart: a second create for the
same cart is refused with CONFLICT naming the existing order (a soft-deleted order frees its cart, so a
checkout undone by compensation can be retried).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, overload

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from paymentgraph.db.ids import new_id
from paymentgraph.db.repository import add, soft_delete
from paymentgraph.db.session import read_session, write_transaction
from paymentgraph.errors import Conflict, InvalidData, not_found
from paymentgraph.events.outbox import event_row, record_events
from paymentgraph.modules import validation
from paymentgraph.modules.order import repository
from paymentgraph.modules.order.dto import OrderClaimDTO, OrderDTO, OrderExchangeDTO
from paymentgraph.modules.order.models import Order, OrderClaim, OrderExchange, OrderLineItem
from paymentgraph.money import normalize_currency

_ORDER_FIELDS = ("region_id", "currency_code", "email", "customer_id", "cart_id", "items", "metadata")
CLAIM_TYPES = ("refund", "replace")


def _new_order(data: object) -> tuple[Order, list[OrderLineItem]]:
    """An order without its display id (assigned under the lock) and its item rows."""
    values = validation.mapping(data, "order")
    validation.only_keys(values, _ORDER_FIELDS, "order")
    currency = normalize_currency(values.get("currency_code"))
    items = validation.line_items(values.get("items"), currency)
    order = Order(
        id=new_id("order"),
        region_id=validation.text(values.get("region_id"), "region_id"),
        customer_id=validation.text(values.get("customer_id"), "customer_id", required=False),
        cart_id=validation.text(values.get("cart_id"), "cart_id", required=False),
        email=validation.email(values.get("email")),
        currency_code=currency,
        total=validation.sum_totals((item.total for item in items), currency),
        metadata_=validation.metadata(values.get("metadata")),
    )
    rows = [
        OrderLineItem(
            id=new_id("ordli"),
            order_id=order.id,
            title=item.title,
            quantity=item.quantity,
            unit_price=item.unit_price,
            total=item.total,
        )
        for item in items
    ]
    return order, rows


class OrderModuleService:
    """Orders, order claims and order exchanges."""

    def __init__(self, sessionmaker: async_sessionmaker[AsyncSession]) -> None:
        self.sessionmaker = sessionmaker

    @overload
    async def create_orders(self, data: Mapping[str, Any]) -> OrderDTO: ...
    @overload
    async def create_orders(self, data: Sequence[Mapping[str, Any]]) -> list[OrderDTO]: ...
    async def create_orders(self, data: Any) -> OrderDTO | list[OrderDTO]:
        """Create orders from ``{region_id, currency_code, email?, customer_id?, cart_id?, items?}``."""
        single, raw = validation.one_or_many(data)
        built = [_new_order(item) for item in raw]
        cart_ids = [order.cart_id for order, _ in built if order.cart_id]
        if len(cart_ids) != len(set(cart_ids)):
            raise Conflict("Two orders in one call name the same cart_id", cart_id=cart_ids[0])
        async with write_transaction(self.sessionmaker) as session:
            await repository.lock_display_ids(session)
            display_id = await repository.next_display_id(session)
            existing_orders = await repository.live_orders_for_carts(session, cart_ids)
            for order, items in built:
                existing = existing_orders.get(order.cart_id) if order.cart_id else None
                if existing is not None:
                    raise Conflict(
                        f"Cart {order.cart_id} already has order {existing.id}",
                        cart_id=order.cart_id,
                        order_id=existing.id,
                    )
                order.display_id = display_id
                display_id += 1
                await add(session, [order])
                await add(session, items)
            placed = [event_row("order.placed", {"id": o.id, "cart_id": o.cart_id}) for o, _ in built]
            await record_events(session, placed)
            result = [OrderDTO.from_row(order, items) for order, items in built]
        return result[0] if single else result

    async def retrieve_order(self, id: str) -> OrderDTO:
        """A live order with its items."""
        async with read_session(self.sessionmaker) as session:
            order = await repository.orders.require_one(session, id)
            items = await repository.items_of(session, [id])
        return OrderDTO.from_row(order, items.get(id, []))

    async def list_orders(
        self, filters: Mapping[str, Any] | None = None, *, skip: int = 0, take: int | None = None
    ) -> list[OrderDTO]:
        """Live orders (with items) matching equality filters, oldest first."""
        where = validation.filters(filters, repository.orders.filterable)
        skip, take = validation.page(skip, take)
        async with read_session(self.sessionmaker) as session:
            orders = await repository.orders.list_live(session, where, skip=skip, take=take)
            items = await repository.items_of(session, [o.id for o in orders]) if orders else {}
        return [OrderDTO.from_row(order, items.get(order.id, [])) for order in orders]

    async def delete_orders(self, ids: str | Sequence[str]) -> dict[str, list[str]]:
        """Soft-delete orders with their items, claims and exchanges.

        Returns the deleted ids under their link keys (``order_id``, ``claim_id``, ``exchange_id``),
        ready for ``link.delete({"order": result})`` to cascade across links.
        """
        wanted = validation.ids(ids)
        async with write_transaction(self.sessionmaker) as session:
            orders = await repository.orders.require_all(session, wanted)
            items, claims, exchanges = await repository.children_of(session, wanted)
            await soft_delete(session, [*orders, *items, *claims, *exchanges])
        return {
            "order_id": wanted,
            "claim_id": [claim.id for claim in claims],
            "exchange_id": [exchange.id for exchange in exchanges],
        }

    async def restore_orders(self, ids: str | Sequence[str]) -> dict[str, list[str]]:
        """Restore soft-deleted orders and the items, claims and exchanges deleted with them.

        Returns the restored ids under their link keys, as ``delete_orders`` does.
        """
        wanted = validation.ids(ids)
        async with write_transaction(self.sessionmaker) as session:
            orders = await repository.orders.require_deleted(session, wanted)
            children: list[Any] = []
            for order in orders:
                assert order.deleted_at is not None
                children += await repository.deleted_with(session, order.id, order.deleted_at)
            for row in [*orders, *children]:
                row.deleted_at = None
            await session.flush()
        return {
            "order_id": wanted,
            "claim_id": [row.id for row in children if isinstance(row, OrderClaim)],
            "exchange_id": [row.id for row in children if isinstance(row, OrderExchange)],
        }

    async def list_and_count_orders(
        self, filters: Mapping[str, Any] | None = None, *, skip: int = 0, take: int | None = None
    ) -> tuple[list[OrderDTO], int]:
        """A page of ``list_orders`` and how many live orders match in all."""
        page = await self.list_orders(filters, skip=skip, take=take)
        return page, await self._count(repository.orders, filters)

    async def list_and_count_order_claims(
        self, filters: Mapping[str, Any] | None = None, *, skip: int = 0, take: int | None = None
    ) -> tuple[list[OrderClaimDTO], int]:
        page = await self.list_order_claims(filters, skip=skip, take=take)
        return page, await self._count(repository.claims, filters)

    async def list_and_count_order_exchanges(
        self, filters: Mapping[str, Any] | None = None, *, skip: int = 0, take: int | None = None
    ) -> tuple[list[OrderExchangeDTO], int]:
        page = await self.list_order_exchanges(filters, skip=skip, take=take)
        return page, await self._count(repository.exchanges, filters)

    async def _count(self, rows: Any, filters: Mapping[str, Any] | None) -> int:
        where = validation.filters(filters, rows.filterable)
        async with read_session(self.sessionmaker) as session:
            return int(await rows.count_live(session, where))

    @overload
    async def create_order_claims(self, data: Mapping[str, Any]) -> OrderClaimDTO: ...
    @overload
    async def create_order_claims(self, data: Sequence[Mapping[str, Any]]) -> list[OrderClaimDTO]: ...
    async def create_order_claims(self, data: Any) -> OrderClaimDTO | list[OrderClaimDTO]:
        """Create claims from ``{order_id, type}`` (type ``refund`` or ``replace``)."""
        single, raw = validation.one_or_many(data)
        rows = []
        for item in raw:
            values = validation.mapping(item, "order claim")
            validation.only_keys(values, ("order_id", "type"), "order claim")
            claim_type = values.get("type")
            if claim_type not in CLAIM_TYPES:
                raise InvalidData(
                    f"type must be one of {', '.join(CLAIM_TYPES)}, got {claim_type!r}", field="type"
                )
            order_id = validation.text(values.get("order_id"), "order_id") or ""
            rows.append(OrderClaim(id=new_id("claim"), order_id=order_id, type=claim_type))
        async with write_transaction(self.sessionmaker) as session:
            await self._require_orders(session, [row.order_id for row in rows])
            await add(session, rows)
            result = [OrderClaimDTO.from_row(row) for row in rows]
        return result[0] if single else result

    async def retrieve_order_claim(self, id: str) -> OrderClaimDTO:
        async with read_session(self.sessionmaker) as session:
            return OrderClaimDTO.from_row(await repository.claims.require_one(session, id))

    async def list_order_claims(
        self, filters: Mapping[str, Any] | None = None, *, skip: int = 0, take: int | None = None
    ) -> list[OrderClaimDTO]:
        where = validation.filters(filters, repository.claims.filterable)
        skip, take = validation.page(skip, take)
        async with read_session(self.sessionmaker) as session:
            rows = await repository.claims.list_live(session, where, skip=skip, take=take)
        return [OrderClaimDTO.from_row(row) for row in rows]

    @overload
    async def create_order_exchanges(self, data: Mapping[str, Any]) -> OrderExchangeDTO: ...
    @overload
    async def create_order_exchanges(self, data: Sequence[Mapping[str, Any]]) -> list[OrderExchangeDTO]: ...
    async def create_order_exchanges(self, data: Any) -> OrderExchangeDTO | list[OrderExchangeDTO]:
        """Create exchanges from ``{order_id}``."""
        single, raw = validation.one_or_many(data)
        rows = []
        for item in raw:
            values = validation.mapping(item, "order exchange")
            validation.only_keys(values, ("order_id",), "order exchange")
            order_id = validation.text(values.get("order_id"), "order_id") or ""
            rows.append(OrderExchange(id=new_id("exc"), order_id=order_id))
        async with write_transaction(self.sessionmaker) as session:
            await self._require_orders(session, [row.order_id for row in rows])
            await add(session, rows)
            result = [OrderExchangeDTO.from_row(row) for row in rows]
        return result[0] if single else result

    async def retrieve_order_exchange(self, id: str) -> OrderExchangeDTO:
        async with read_session(self.sessionmaker) as session:
            return OrderExchangeDTO.from_row(await repository.exchanges.require_one(session, id))

    async def list_order_exchanges(
        self, filters: Mapping[str, Any] | None = None, *, skip: int = 0, take: int | None = None
    ) -> list[OrderExchangeDTO]:
        where = validation.filters(filters, repository.exchanges.filterable)
        skip, take = validation.page(skip, take)
        async with read_session(self.sessionmaker) as session:
            rows = await repository.exchanges.list_live(session, where, skip=skip, take=take)
        return [OrderExchangeDTO.from_row(row) for row in rows]

    async def _require_orders(self, session: AsyncSession, order_ids: Sequence[str]) -> None:
        wanted = list(dict.fromkeys(order_ids))
        found = {order.id for order in await repository.orders.get_live(session, wanted)}
        for order_id in wanted:
            if order_id not in found:
                raise not_found("Order", order_id)
