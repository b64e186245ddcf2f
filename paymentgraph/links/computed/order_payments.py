"""An order's payment status and totals, computed in SQL over ALL its payment collections.

An order's collections are those linked to the order itself (``order_payment_collection``), to its
claims (``order_claim_payment_collection``) and to its exchanges (``order_exchange_payment_collection``).
Each field is one correlated scalar subquery over the live ones, so reading, filtering or sorting 5 or
1,000 orders is the same statements. The amounts are the collections' own ``captured_amount`` and
``refunded_amount`` (the payment module recomputes them after every change), summed exactly on both
databases (``db.types.exact_amount``) and presented in the order's currency.

``payment_status`` follows Medusa's order rule (``getLastPaymentStatus``), first match wins:

- ``requires_action``: a collection that is not canceled has a session in ``error`` or
  ``requires_more`` and nothing authorized or captured (the customer must act: 3-D Secure, a declined
  card, a failed asynchronous payment);
- ``refunded`` / ``partially_refunded``: something was refunded; ``refunded`` when no collection has
  less refunded than captured (Medusa compares with the collection amount; what was captured is what
  can come back);
- ``captured`` / ``partially_captured``: something was captured; ``captured`` when every collection
  that is not canceled has captured its amount;
- ``authorized`` / ``partially_authorized``: a collection is authorized; ``authorized`` when every
  collection that is not canceled is (a ``partially_authorized`` collection makes the order partially
  authorized; Medusa falls through to ``not_paid`` there);
- ``canceled`` when every collection is canceled; ``awaiting`` when one awaits; else ``not_paid``
  (also for an order with no collection).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    ColumnElement,
    FromClause,
    Select,
    String,
    and_,
    case,
    exists,
    func,
    literal_column,
    or_,
    select,
    type_coerce,
    union_all,
)

from paymentgraph.db.entity import Field, FieldKind
from paymentgraph.db.types import SignedAmount, exact_amount
from paymentgraph.links.definition import ComputedField

ORDER_PAYMENT_STATUSES = (
    "not_paid",
    "awaiting",
    "authorized",
    "partially_authorized",
    "captured",
    "partially_captured",
    "partially_refunded",
    "refunded",
    "canceled",
    "requires_action",
)
# Where an order's collections are: its own, its claims' and its exchanges'.
COLLECTION_PATHS = ("payment_collections", "claims.payment_collections", "exchanges.payment_collections")
ACTION_SESSION_STATUSES = ("error", "requires_more")
_ZERO: ColumnElement[Any] = literal_column("0")


def _collections(edges: Any, order: FromClause) -> tuple[FromClause, ColumnElement[Any]]:
    """A fresh alias of payment_collection and the condition "is a live collection of ``order``"."""
    collection = edges.entities["payment_collection"].table.alias()
    reached = []
    for path in COLLECTION_PATHS:
        froms, conditions, target = edges.correlated_path("order", order, path)
        reached.append(select(target.c.id).select_from(*froms).where(*conditions).correlate(order))
    return collection, and_(collection.c.deleted_at.is_(None), collection.c.id.in_(union_all(*reached)))


def _total(column: ColumnElement[Any]) -> ColumnElement[Any]:
    return type_coerce(func.coalesce(func.sum(exact_amount(column)), _ZERO), SignedAmount())


def _over_collections(edges: Any, order: FromClause, value: Any) -> ColumnElement[Any]:
    collection, belongs = _collections(edges, order)
    statement: Select[Any] = select(value(collection)).select_from(collection).where(belongs)
    return statement.scalar_subquery()


def refunded_total(edges: Any, order: FromClause) -> ColumnElement[Any]:
    value = _over_collections(edges, order, lambda c: _total(c.c.refunded_amount))
    return type_coerce(value, SignedAmount())


def paid_total(edges: Any, order: FromClause) -> ColumnElement[Any]:
    value = _over_collections(
        edges, order, lambda c: _total(c.c.captured_amount) - _total(c.c.refunded_amount)
    )
    return type_coerce(value, SignedAmount())


def outstanding_amount(edges: Any, order: FromClause) -> ColumnElement[Any]:
    return type_coerce(exact_amount(order.c.total) - paid_total(edges, order), SignedAmount())


def _count(condition: ColumnElement[Any]) -> ColumnElement[Any]:
    return func.coalesce(func.sum(case((condition, 1), else_=0)), _ZERO)


def _status(edges: Any, collection: FromClause) -> ColumnElement[Any]:
    c = collection.c
    captured, refunded = exact_amount(c.captured_amount), exact_amount(c.refunded_amount)
    authorized, amount = exact_amount(c.authorized_amount), exact_amount(c.amount)
    live = c.status != "canceled"
    froms, conditions, session = edges.correlated_path("payment_collection", collection, "payment_sessions")
    needs_action = exists(
        select(1).select_from(*froms).where(*conditions, session.c.status.in_(ACTION_SESSION_STATUSES))
    )
    requires_action = _count(and_(live, authorized == 0, captured == 0, needs_action))
    any_refunded = _count(refunded > 0)
    short_refunded = _count(refunded < captured)
    any_captured = _count(captured > 0)
    short_captured = _count(and_(live, captured < amount))
    authorized_count = _count(c.status == "authorized")
    partly_authorized = _count(c.status == "partially_authorized")
    canceled = _count(c.status == "canceled")
    awaiting = _count(c.status == "awaiting")
    total = func.count()
    not_canceled = total - canceled
    return case(
        (requires_action > 0, "requires_action"),
        (and_(any_refunded > 0, short_refunded == 0), "refunded"),
        (any_refunded > 0, "partially_refunded"),
        (and_(any_captured > 0, short_captured == 0), "captured"),
        (any_captured > 0, "partially_captured"),
        (and_(authorized_count > 0, authorized_count == not_canceled), "authorized"),
        (or_(authorized_count > 0, partly_authorized > 0), "partially_authorized"),
        (and_(total > 0, canceled == total), "canceled"),
        (awaiting > 0, "awaiting"),
        else_="not_paid",
    )


def payment_status(edges: Any, order: FromClause) -> ColumnElement[Any]:
    value = _over_collections(edges, order, lambda c: _status(edges, c))
    return type_coerce(value, String())


ORDER_PAYMENT_FIELDS = (
    ComputedField(
        "order",
        Field(
            "payment_status",
            FieldKind.ENUM,
            enum_values=ORDER_PAYMENT_STATUSES,
            enum_name="OrderPaymentStatus",
            description="From all the order's payment collections (claims' and exchanges' included).",
            compute=payment_status,
        ),
    ),
    ComputedField(
        "order",
        Field(
            "paid_total",
            FieldKind.DECIMAL,
            description="Captured minus refunded, over all the order's payment collections.",
            compute=paid_total,
            currency_field="currency_code",
        ),
    ),
    ComputedField(
        "order",
        Field(
            "refunded_total",
            FieldKind.DECIMAL,
            description="Refunded over all the order's payment collections.",
            compute=refunded_total,
            currency_field="currency_code",
        ),
    ),
    ComputedField(
        "order",
        Field(
            "outstanding_amount",
            FieldKind.DECIMAL,
            description="The order total minus paidTotal; negative when more was paid than is owed.",
            compute=outstanding_amount,
            currency_field="currency_code",
        ),
    ),
)
