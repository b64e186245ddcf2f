"""Account holder mutations: a customer's identity at a provider, and the payment methods saved there."""

import dataclasses
from typing import Any

import strawberry
from strawberry.scalars import JSON
from strawberry.types.unset import UNSET

from paymentgraph.errors import NotAllowed
from paymentgraph.resolvers.base import MutationDef, entity, load, mutation, static
from paymentgraph.schema.types import PaymentMethod

MUTATIONS: list[MutationDef] = []


@mutation(MUTATIONS, "createAccountHolder", entity("account_holder"))
async def create_account_holder(
    info: strawberry.Info, customer_id: strawberry.ID, provider_id: strawberry.ID
) -> Any:
    """Create the customer's account holder at a provider and link the two."""
    pg = info.context.pg
    customer = await pg.customer.retrieve_customer(customer_id)
    holder = await pg.payment.create_account_holder(
        {"provider_id": provider_id, "context": {"customer": dataclasses.asdict(customer)}}
    )
    if holder is None:
        raise NotAllowed(f"Payment provider {provider_id} keeps no account holders", provider_id=provider_id)
    await pg.link.create_link("customer_account_holder", customer.id, holder.id)
    return await load(info, "account_holder", holder.id)


@mutation(MUTATIONS, "savePaymentMethod", static(PaymentMethod))
async def save_payment_method(
    info: strawberry.Info, account_holder_id: strawberry.ID, data: JSON | None = UNSET
) -> Any:
    """Save a payment method with the account holder's provider."""
    payment = info.context.pg.payment
    holder = await payment.retrieve_account_holder(account_holder_id)
    saved = await payment.save_payment_method(
        {
            "provider_id": holder.provider_id,
            "data": data or {},
            "context": {"account_holder": {"id": holder.id}},
        }
    )
    return PaymentMethod(id=saved.id, provider_id=saved.provider_id, data=saved.data)
