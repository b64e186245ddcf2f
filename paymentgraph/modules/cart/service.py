"""The cart module's service: carts with line items and a stored total.

``create_carts`` requires ``currency_code``: modules never read each other, so the caller (a workflow or
the GraphQL layer) resolves the region's currency and passes it. The cart total is recomputed in the
same transaction as every item change. ``complete_cart`` is idempotent: completing a completed cart
returns it unchanged (a retried checkout must not fail on its last step); double checkout is prevented
by the order module's one-order-per-cart rule, and a completed cart refuses further changes.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, overload

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from paymentgraph.db.ids import new_id
from paymentgraph.db.repository import add, soft_delete, update
from paymentgraph.db.session import read_session, write_transaction
from paymentgraph.db.types import utcnow
from paymentgraph.errors import InvalidData, NotAllowed
from paymentgraph.events.outbox import event_row, record_event, record_events
from paymentgraph.modules import validation
from paymentgraph.modules.cart import repository
from paymentgraph.modules.cart.dto import CartDTO
from paymentgraph.modules.cart.models import Cart, LineItem
from paymentgraph.money import normalize_currency

_CREATE_FIELDS = ("region_id", "currency_code", "email", "customer_id", "items", "metadata")
_UPDATE_FIELDS = ("region_id", "currency_code", "email", "customer_id", "metadata")


def _item_rows(cart_id: str, items: Sequence[validation.LineItemInput]) -> list[LineItem]:
    return [
        LineItem(
            id=new_id("cali"),
            cart_id=cart_id,
            title=item.title,
            quantity=item.quantity,
            unit_price=item.unit_price,
            total=item.total,
        )
        for item in items
    ]


def _new_cart(data: object) -> tuple[Cart, list[LineItem]]:
    values = validation.mapping(data, "cart")
    validation.only_keys(values, _CREATE_FIELDS, "cart")
    currency = normalize_currency(values.get("currency_code"))
    items = validation.line_items(values.get("items"), currency)
    cart = Cart(
        id=new_id("cart"),
        region_id=validation.text(values.get("region_id"), "region_id"),
        customer_id=validation.text(values.get("customer_id"), "customer_id", required=False),
        email=validation.email(values.get("email")),
        currency_code=currency,
        total=validation.sum_totals((item.total for item in items), currency),
        metadata_=validation.metadata(values.get("metadata")),
    )
    return cart, _item_rows(cart.id, items)


async def _locked(session: AsyncSession, cart_id: str) -> Cart:
    # Item changes and completion read-check-write the cart; serialise them per cart
    # (a row lock on PostgreSQL; SQLite's write transaction already serialises writers).
    return await repository.carts.require_one(session, cart_id, lock=True)


async def _with_total(session: AsyncSession, cart: Cart) -> CartDTO:
    items = (await repository.items_of(session, [cart.id])).get(cart.id, [])
    cart.total = validation.sum_totals((item.total for item in items), cart.currency_code)
    await session.flush()
    return CartDTO.from_row(cart, items)


def _refuse_if_completed(cart: Cart, action: str) -> None:
    if cart.completed_at is not None:
        raise NotAllowed(f"Cart {cart.id} is completed; cannot {action}", cart_id=cart.id)


class CartModuleService:
    """Carts and line items; see the module docstring for the currency and completion rules."""

    def __init__(self, sessionmaker: async_sessionmaker[AsyncSession]) -> None:
        self.sessionmaker = sessionmaker

    @overload
    async def create_carts(self, data: Mapping[str, Any]) -> CartDTO: ...
    @overload
    async def create_carts(self, data: Sequence[Mapping[str, Any]]) -> list[CartDTO]: ...
    async def create_carts(self, data: Any) -> CartDTO | list[CartDTO]:
        """Create carts from ``{region_id, currency_code, email?, customer_id?, items?, metadata?}``."""
        single, raw = validation.one_or_many(data)
        built = [_new_cart(item) for item in raw]
        async with write_transaction(self.sessionmaker) as session:
            for cart, items in built:
                await add(session, [cart])
                await add(session, items)
            await record_events(session, [event_row("cart.created", {"id": cart.id}) for cart, _ in built])
            result = [CartDTO.from_row(cart, items) for cart, items in built]
        return result[0] if single else result

    async def add_line_items(self, cart_id: str, items: Sequence[Mapping[str, Any]]) -> CartDTO:
        """Add ``[{title, quantity, unit_price}]`` to an open cart; returns the cart with its new total."""
        if not isinstance(items, list | tuple) or not items:
            raise InvalidData("items must be a non-empty list of line items", field="items")
        async with write_transaction(self.sessionmaker) as session:
            cart = await _locked(session, cart_id)
            _refuse_if_completed(cart, "add line items")
            await add(session, _item_rows(cart.id, validation.line_items(items, cart.currency_code)))
            return await _with_total(session, cart)

    async def update_carts(self, id: str, data: Mapping[str, Any]) -> CartDTO:
        """Update an open cart (currency only while it has no items)."""
        values = validation.mapping(data, "cart")
        validation.only_keys(values, _UPDATE_FIELDS, "cart")
        changes: dict[str, Any] = {}
        if "region_id" in values:
            changes["region_id"] = validation.text(values["region_id"], "region_id")
        if "customer_id" in values:
            changes["customer_id"] = validation.text(values["customer_id"], "customer_id", required=False)
        if "email" in values:
            changes["email"] = validation.email(values["email"])
        if "metadata" in values:
            changes["metadata_"] = validation.metadata(values["metadata"])
        if "currency_code" in values:
            changes["currency_code"] = normalize_currency(values["currency_code"])
        async with write_transaction(self.sessionmaker) as session:
            cart = await _locked(session, id)
            _refuse_if_completed(cart, "update it")
            items = (await repository.items_of(session, [cart.id])).get(cart.id, [])
            if items and changes.get("currency_code", cart.currency_code) != cart.currency_code:
                # Item prices were validated for the old currency's minor unit.
                raise NotAllowed(
                    f"Cart {cart.id} has line items; its currency cannot change", cart_id=cart.id
                )
            await update(session, cart, changes)
            return CartDTO.from_row(cart, items)

    async def retrieve_cart(self, id: str) -> CartDTO:
        """A live cart with its items."""
        async with read_session(self.sessionmaker) as session:
            cart = await repository.carts.require_one(session, id)
            items = await repository.items_of(session, [id])
        return CartDTO.from_row(cart, items.get(id, []))

    async def list_carts(
        self, filters: Mapping[str, Any] | None = None, *, skip: int = 0, take: int | None = None
    ) -> list[CartDTO]:
        """Live carts (with items) matching equality filters, oldest first."""
        where = validation.filters(filters, repository.carts.filterable)
        skip, take = validation.page(skip, take)
        async with read_session(self.sessionmaker) as session:
            carts = await repository.carts.list_live(session, where, skip=skip, take=take)
            items = await repository.items_of(session, [cart.id for cart in carts]) if carts else {}
        return [CartDTO.from_row(cart, items.get(cart.id, [])) for cart in carts]

    async def complete_cart(self, id: str) -> CartDTO:
        """Set ``completed_at`` once; a completed cart is returned unchanged (idempotent retries)."""
        async with write_transaction(self.sessionmaker) as session:
            cart = await _locked(session, id)
            if cart.completed_at is None:
                cart.completed_at = utcnow()
                await session.flush()
                await record_event(session, "cart.completed", {"id": cart.id})
            items = await repository.items_of(session, [cart.id])
            return CartDTO.from_row(cart, items.get(cart.id, []))

    async def delete_carts(self, ids: str | Sequence[str]) -> list[str]:
        """Soft-delete carts and their items; any unknown id refuses the whole call."""
        wanted = validation.ids(ids)
        async with write_transaction(self.sessionmaker) as session:
            carts = await repository.carts.require_all(session, wanted, lock=True)
            items = await repository.items_of(session, wanted)
            await soft_delete(session, [*carts, *(item for group in items.values() for item in group)])
        return wanted
