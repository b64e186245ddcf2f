"""The contract's mutation input types. Fields left out stay UNSET, so an update changes only what is sent."""

from decimal import Decimal

import strawberry
from strawberry.scalars import JSON
from strawberry.types.unset import UNSET


@strawberry.input
class CreatePaymentCollectionInput:
    currency_code: str
    amount: Decimal
    metadata: JSON | None = UNSET


@strawberry.input
class UpdatePaymentCollectionInput:
    currency_code: str | None = UNSET
    amount: Decimal | None = UNSET
    metadata: JSON | None = UNSET


@strawberry.input
class CreatePaymentSessionInput:
    provider_id: strawberry.ID
    amount: Decimal | None = UNSET
    currency_code: str | None = UNSET
    data: JSON | None = UNSET
    context: JSON | None = UNSET
    metadata: JSON | None = UNSET


@strawberry.input
class UpdatePaymentSessionInput:
    amount: Decimal | None = UNSET
    currency_code: str | None = UNSET
    data: JSON | None = UNSET
    context: JSON | None = UNSET
    metadata: JSON | None = UNSET


@strawberry.input
class CreateRefundReasonInput:
    label: str
    code: str
    description: str | None = UNSET


@strawberry.input
class CreateRegionInput:
    name: str
    currency_code: str
    metadata: JSON | None = UNSET


@strawberry.input
class CreateCustomerInput:
    email: str
    first_name: str | None = UNSET
    last_name: str | None = UNSET


@strawberry.input
class LineItemInput:
    title: str
    quantity: int
    unit_price: Decimal


@strawberry.input
class CreateCartInput:
    region_id: strawberry.ID
    email: str | None = UNSET
    currency_code: str | None = UNSET
    customer_id: strawberry.ID | None = UNSET
    items: list[LineItemInput] | None = UNSET


@strawberry.input
class CreateOrderInput:
    region_id: strawberry.ID
    currency_code: str
    email: str | None = UNSET
    customer_id: strawberry.ID | None = UNSET
    items: list[LineItemInput] | None = UNSET


@strawberry.input
class UpdateRefundReasonInput:
    label: str | None = UNSET
    code: str | None = UNSET
    description: str | None = UNSET
    metadata: JSON | None = UNSET


@strawberry.input
class UpdateAccountHolderInput:
    email: str | None = UNSET
    data: JSON | None = UNSET
    metadata: JSON | None = UNSET
