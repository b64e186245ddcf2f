"""An order's payments: a new collection for what it still owes, and a collection marked as paid.

``create_order_payment_collection``: for order edits, claims and exchanges, a new collection in the
order's currency for ``amount`` (default: the order's ``outstanding_amount``, computed by the query
graph over all its collections), linked to the order. Refused (NOT_ALLOWED) when the order owes nothing.
Runs for one order at a time (the workflow lock); a failed link deletes the new collection. What is owed
counts captured money only (the contract's outstandingAmount): a collection not paid yet does not lower
it, so two calls before any payment both default to the whole debt.

``mark_payment_collection_as_paid``: what the customer paid outside any provider (cash, a bank
transfer the admin saw arrive). A ``pp_system_default`` session for the rest of the collection is
created, authorized and captured, the capture recorded as made by ``captured_by`` (the admin). Runs
for one collection at a time; refused when the collection is canceled or completed, when nothing
remains, or while a provider authorization is open on it (capture or cancel that payment first: both
would collect the same money). Medusa allows only ``not_paid`` collections.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from paymentgraph.errors import InvalidData, NotAllowed, not_found
from paymentgraph.money import to_decimal
from paymentgraph.workflows.engine import Step, StepContext, Workflow

if TYPE_CHECKING:
    from paymentgraph.modules.payment.dto import PaymentCollection
    from paymentgraph.workflows.services import Services

ORDER_COLLECTION_LINK = "order_payment_collection"
SYSTEM_PROVIDER_ID = "pp_system_default"  # the built-in manual provider (providers/system.py)


# ---------------------------------------------------------------- createOrderPaymentCollection
async def _owed(ctx: StepContext) -> dict[str, Any]:
    order_id = ctx.input["order_id"]
    page = await ctx.pg.query.graph(
        "order", ["id", "currency_code", "outstanding_amount"], filters={"id": order_id}
    )
    if not page["data"]:
        raise not_found("Order", order_id)
    order = page["data"][0]
    outstanding: Decimal = order["outstanding_amount"]
    if outstanding <= 0:
        raise NotAllowed(
            f"Order {order_id} owes nothing (outstanding amount {outstanding}); no payment collection "
            "is needed",
            order_id=order_id,
        )
    amount = ctx.input.get("amount")
    if amount is not None and to_decimal(amount) <= 0:
        raise InvalidData(f"amount must be greater than 0, got {amount}", field="amount")
    return {
        "currency_code": order["currency_code"],
        "amount": str(outstanding if amount is None else amount),
    }


async def _create_collection(ctx: StepContext) -> dict[str, Any]:
    owed = ctx.results["owed"]
    collection = await ctx.pg.payment.create_payment_collections(
        {"amount": owed["amount"], "currency_code": owed["currency_code"]}
    )
    return {"payment_collection_id": collection.id}


async def _delete_collection(ctx: StepContext, output: dict[str, Any]) -> None:
    await ctx.pg.payment.delete_payment_collections(output["payment_collection_id"])


async def _link_order(ctx: StepContext) -> dict[str, Any]:
    collection_id = ctx.results["create_collection"]["payment_collection_id"]
    await ctx.pg.link.create_link(ORDER_COLLECTION_LINK, ctx.input["order_id"], collection_id)
    return {"payment_collection_id": collection_id}


CREATE_ORDER_PAYMENT_COLLECTION = Workflow(
    "create-order-payment-collection",
    [
        Step("owed", _owed),
        Step("create_collection", _create_collection, _delete_collection),
        Step("link_order", _link_order),
    ],
    lock_key=lambda input: f"order:{input['order_id']}",
)


async def create_order_payment_collection(
    pg: Services, order_id: str, amount: Decimal | None = None
) -> PaymentCollection:
    """A new collection linked to the order for ``amount`` (default: what the order still owes)."""
    input: dict[str, Any] = {"order_id": order_id}
    if amount is not None:
        input["amount"] = str(amount)
    results = await CREATE_ORDER_PAYMENT_COLLECTION.run(pg, input)
    return await pg.payment.retrieve_payment_collection(results["link_order"]["payment_collection_id"])


# ---------------------------------------------------------------- markPaymentCollectionAsPaid
async def _rest(ctx: StepContext) -> dict[str, Any]:
    collection = await ctx.pg.payment.retrieve_payment_collection(ctx.input["payment_collection_id"])
    if collection.status == "completed" or collection.canceled_at is not None:
        raise NotAllowed(
            f"Payment collection {collection.id} is {collection.status}; it cannot be marked as paid",
            payment_collection_id=collection.id,
        )
    captured = collection.captured_amount or Decimal(0)
    if (collection.authorized_amount or Decimal(0)) > captured:
        raise NotAllowed(
            f"Payment collection {collection.id} has an authorized payment not yet captured; capture "
            "or cancel it before marking the collection as paid",
            payment_collection_id=collection.id,
        )
    rest = collection.amount - captured
    if rest <= 0:
        raise NotAllowed(
            f"Payment collection {collection.id} has nothing left to pay", payment_collection_id=collection.id
        )
    return {"amount": str(rest)}


async def _system_session(ctx: StepContext) -> dict[str, Any]:
    payment_session = await ctx.pg.payment.create_payment_session(
        ctx.input["payment_collection_id"],
        {"provider_id": SYSTEM_PROVIDER_ID, "amount": ctx.results["rest"]["amount"]},
    )
    return {"payment_session_id": payment_session.id}


async def _delete_session(ctx: StepContext, output: dict[str, Any]) -> None:
    await ctx.pg.payment.delete_payment_session(output["payment_session_id"])


async def _authorize(ctx: StepContext) -> dict[str, Any]:
    payment = await ctx.pg.payment.authorize_payment_session(
        ctx.results["system_session"]["payment_session_id"]
    )
    return {"payment_id": payment.id}


async def _cancel(ctx: StepContext, output: dict[str, Any]) -> None:
    await ctx.pg.payment.cancel_payment(output["payment_id"])


async def _capture(ctx: StepContext) -> dict[str, Any]:
    await ctx.pg.payment.capture_payment(
        {
            "payment_id": ctx.results["authorize"]["payment_id"],
            "amount": ctx.results["rest"]["amount"],
            "captured_by": ctx.input.get("captured_by"),
        }
    )
    return {}


MARK_PAYMENT_COLLECTION_AS_PAID = Workflow(
    "mark-payment-collection-as-paid",
    [
        Step("rest", _rest),
        Step("system_session", _system_session, _delete_session),
        Step("authorize", _authorize, _cancel),
        Step("capture", _capture),
    ],
    lock_key=lambda input: f"payment_collection:{input['payment_collection_id']}",
)


async def mark_payment_collection_as_paid(
    pg: Services, collection_id: str, *, captured_by: str | None = None
) -> PaymentCollection:
    """Record the rest of the collection as paid outside any provider (see the module docstring)."""
    input: Mapping[str, Any] = {"payment_collection_id": collection_id, "captured_by": captured_by}
    await MARK_PAYMENT_COLLECTION_AS_PAID.run(pg, input)
    return await pg.payment.retrieve_payment_collection(collection_id)
