"""Account holder mutations: a customer's identity at a provider, and the payment methods saved there."""

import dataclasses
from typing import Any

import strawberry
from strawberry.scalars import JSON
from strawberry.types.unset import UNSET

from paymentgraph.errors import NotAllowed
from paymentgraph.resolvers.base import MutationDef, entity, load, mutation, static, values
from paymentgraph.resolvers.inputs import UpdateAccountHolderInput
from paymentgraph.schema.types import DeleteResult, PaymentMethod
from paymentgraph.workflows.delete_account_holder import (
    delete_account_holder as delete_account_holder_workflow,
)

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


@mutation(MUTATIONS, "updateAccountHolder", entity("account_holder"))
async def update_account_holder(
    info: strawberry.Info, id: strawberry.ID, input: UpdateAccountHolderInput
) -> Any:
    """Update the holder at its provider (email, data) and here (email, metadata)."""
    await info.context.pg.payment.update_account_holder({"id": id, **values(input)})
    return await load(info, "account_holder", id)


@mutation(MUTATIONS, "deleteAccountHolder", static(DeleteResult))
async def delete_account_holder(info: strawberry.Info, id: strawberry.ID) -> Any:
    """Delete the holder at its provider and here, and dismiss its customer link."""
    await delete_account_holder_workflow(info.context.pg, id)
    return DeleteResult(id=id, deleted=True)
