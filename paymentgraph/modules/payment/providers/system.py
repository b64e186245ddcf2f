"""The built-in ``system`` provider (``pp_system_default``): manual payments that authorize at once.

Unlike Medusa's, it implements every method: it keeps a small ``status`` in the payment data so
``get_payment_status`` can answer, account holders are the customer's own id, and saved payment
methods are listed from the account holder's data (the module stores nothing for them).
"""

from __future__ import annotations

import uuid
from typing import Any

from paymentgraph.db.ids import new_id
from paymentgraph.errors import InvalidData
from paymentgraph.modules.payment.providers.base import (
    AbstractPaymentProvider,
    AccountHolderInput,
    AccountHolderOutput,
    CapturePaymentInput,
    InitiatePaymentInput,
    InitiatePaymentOutput,
    PaymentInput,
    PaymentMethodOutput,
    PaymentOutput,
    RefundPaymentInput,
    SessionStatus,
    UpdatePaymentInput,
    WebhookAction,
    WebhookPayload,
    WebhookResult,
)


def _with_status(data: dict[str, Any], status: SessionStatus) -> dict[str, Any]:
    return {**data, "status": status.value}


class SystemPaymentProvider(AbstractPaymentProvider):
    identifier = "system"

    async def initiate_payment(self, input: InitiatePaymentInput) -> InitiatePaymentOutput:
        return InitiatePaymentOutput(id=str(uuid.uuid4()), data={"status": SessionStatus.PENDING.value})

    async def update_payment(self, input: UpdatePaymentInput) -> PaymentOutput:
        return PaymentOutput(data=dict(input.data))

    async def delete_payment(self, input: PaymentInput) -> PaymentOutput:
        return PaymentOutput(data=_with_status(input.data, SessionStatus.CANCELED))

    async def authorize_payment(self, input: PaymentInput) -> PaymentOutput:
        return PaymentOutput(
            data=_with_status(input.data, SessionStatus.AUTHORIZED), status=SessionStatus.AUTHORIZED
        )

    async def capture_payment(self, input: CapturePaymentInput) -> PaymentOutput:
        return PaymentOutput(data=_with_status(input.data, SessionStatus.CAPTURED))

    async def refund_payment(self, input: RefundPaymentInput) -> PaymentOutput:
        return PaymentOutput(data=dict(input.data))

    async def retrieve_payment(self, input: PaymentInput) -> PaymentOutput:
        return PaymentOutput(data=dict(input.data))

    async def cancel_payment(self, input: PaymentInput) -> PaymentOutput:
        return PaymentOutput(data=_with_status(input.data, SessionStatus.CANCELED))

    async def get_payment_status(self, input: PaymentInput) -> PaymentOutput:
        raw = input.data.get("status", SessionStatus.PENDING.value)
        try:
            status = SessionStatus(raw)
        except ValueError:
            status = SessionStatus.PENDING
        return PaymentOutput(data=dict(input.data), status=status)

    async def get_webhook_action_and_data(self, payload: WebhookPayload) -> WebhookResult:
        # Manual payments have no remote party that could send events.
        return WebhookResult(action=WebhookAction.NOT_SUPPORTED)

    async def create_account_holder(self, input: AccountHolderInput) -> AccountHolderOutput:
        customer = input.context.customer or {}
        customer_id = customer.get("id")
        if not customer_id:
            raise InvalidData("context.customer.id is required to create an account holder", field="customer")
        return AccountHolderOutput(id=str(customer_id), data={"customer_id": customer_id})

    async def update_account_holder(self, input: AccountHolderInput) -> dict[str, Any]:
        holder = input.context.account_holder or {}
        return {**(holder.get("data") or {}), **input.data}

    async def delete_account_holder(self, input: AccountHolderInput) -> None:
        return None

    async def retrieve_account_holder(self, id: str) -> AccountHolderOutput:
        return AccountHolderOutput(id=id, data={"customer_id": id})

    async def list_payment_methods(self, input: AccountHolderInput) -> list[PaymentMethodOutput]:
        holder = input.context.account_holder or {}
        methods = (holder.get("data") or {}).get("payment_methods") or []
        return [PaymentMethodOutput(id=m["id"], data=dict(m.get("data") or {})) for m in methods if "id" in m]

    async def save_payment_method(self, input: AccountHolderInput) -> PaymentMethodOutput:
        return PaymentMethodOutput(id=new_id("pm"), data=dict(input.data), keep_with_holder=True)
