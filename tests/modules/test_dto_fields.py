"""Each DTO is held to its table: a field is a column (read by db/dto.dto_from_row) or a declared nested
field, a column's nullability is the field's, and every field the schema serves is in the DTO."""

import types
import typing
from dataclasses import fields
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import Table

from paymentgraph.db.base import Base
from paymentgraph.db.dto import dto_from_row
from paymentgraph.links.registry import module_entities
from paymentgraph.modules.cart import dto as cart_dto
from paymentgraph.modules.cart import models as cart_models
from paymentgraph.modules.customer import dto as customer_dto
from paymentgraph.modules.customer import models as customer_models
from paymentgraph.modules.order import dto as order_dto
from paymentgraph.modules.order import models as order_models
from paymentgraph.modules.payment import dto as payment_dto
from paymentgraph.modules.payment import models as payment_models
from paymentgraph.modules.region import dto as region_dto
from paymentgraph.modules.region import models as region_models

# (DTO, its table's model, the DTO's fields that are not columns: nested DTOs its service loads).
DTOS: list[tuple[type[Any], type[Base], tuple[str, ...]]] = [
    (payment_dto.PaymentCollection, payment_models.PaymentCollection, ("payment_sessions", "payments")),
    (payment_dto.PaymentSession, payment_models.PaymentSession, ()),
    (payment_dto.Payment, payment_models.Payment, ("captures", "refunds")),
    (payment_dto.Capture, payment_models.Capture, ()),
    (payment_dto.Refund, payment_models.Refund, ()),
    (payment_dto.RefundReason, payment_models.RefundReason, ()),
    (payment_dto.Dispute, payment_models.Dispute, ()),
    (payment_dto.PaymentProvider, payment_models.PaymentProvider, ()),
    (payment_dto.AccountHolder, payment_models.AccountHolder, ()),
    (cart_dto.CartDTO, cart_models.Cart, ("items",)),
    (cart_dto.LineItemDTO, cart_models.LineItem, ()),
    (customer_dto.CustomerDTO, customer_models.Customer, ()),
    (order_dto.OrderDTO, order_models.Order, ("items",)),
    (order_dto.OrderLineItemDTO, order_models.OrderLineItem, ()),
    (order_dto.OrderClaimDTO, order_models.OrderClaim, ()),
    (order_dto.OrderExchangeDTO, order_models.OrderExchange, ()),
    (region_dto.RegionDTO, region_models.Region, ()),
]


def _table(model: type[Base]) -> Table:
    table = model.__table__
    assert isinstance(table, Table)
    return table


@pytest.mark.parametrize(("dto", "model", "nested"), DTOS, ids=[d.__name__ for d, _, _ in DTOS])
def test_dto_fields_are_columns_or_declared_nested_fields(
    dto: type[Any], model: type[Base], nested: tuple[str, ...]
) -> None:
    columns = _table(model).c
    names = {f.name for f in fields(dto)}
    assert names - set(nested) <= set(columns.keys())
    assert not set(nested) & set(columns.keys()) and set(nested) <= names
    hints = typing.get_type_hints(dto)
    for name in names - set(nested):
        optional = isinstance(hints[name], types.UnionType) and type(None) in typing.get_args(hints[name])
        assert optional == bool(columns[name].nullable), name


def test_every_module_entity_is_served_from_a_dto_that_has_all_its_fields() -> None:
    by_table = {_table(model).name: dto for dto, model, _ in DTOS}
    for entity in module_entities().values():
        dto = by_table[entity.table.name]
        assert {f.name for f in entity.fields} <= {f.name for f in fields(dto)}, entity.name


def test_a_dto_reads_an_orm_row_by_column_name_and_a_mapping_with_defaults() -> None:
    now = datetime(2026, 1, 1, tzinfo=UTC)
    row = payment_models.Capture(
        id="capt_1",
        payment_id="pay_1",
        amount=Decimal("1.50"),
        status="succeeded",
        created_by=None,
        metadata_={"k": "v"},
        created_at=now,
        updated_at=now,
    )
    capture = dto_from_row(payment_dto.Capture, row)
    assert capture == payment_dto.Capture(
        "capt_1", "pay_1", Decimal("1.50"), "succeeded", None, {"k": "v"}, now, now
    )

    written = {f.name: getattr(capture, f.name) for f in fields(capture)} | {"payment_id": "pay_2"}
    payment = dto_from_row(
        payment_dto.Payment,
        {
            "id": "pay_2",
            "payment_collection_id": "pc",
            "payment_session_id": "ps",
            "amount": Decimal(2),
            "currency_code": "usd",
            "provider_id": "pp",
            "data": None,
            "metadata": None,
            "captured_at": None,
            "canceled_at": None,
            "created_at": now,
            "updated_at": now,
        },
        captures=(dto_from_row(payment_dto.Capture, written),),
    )
    assert payment.captured_amount == 0 and payment.canceled_by is None  # not written: the defaults
    assert payment.captures[0].payment_id == "pay_2"
