"""The system provider implements every provider method with honest answers."""

from __future__ import annotations

from decimal import Decimal

import pytest

from paymentgraph.errors import InvalidData
from paymentgraph.modules.payment import SystemPaymentProvider
from paymentgraph.modules.payment.providers.base import (
    AccountHolderInput,
    CapturePaymentInput,
    InitiatePaymentInput,
    PaymentInput,
    ProviderContext,
    RefundPaymentInput,
    SessionStatus,
    UpdatePaymentInput,
    WebhookAction,
    WebhookPayload,
)

CTX = ProviderContext(idempotency_key="k")


async def test_payment_lifecycle_status_in_data() -> None:
    p = SystemPaymentProvider()
    assert p.id == "pp_system_default"
    started = await p.initiate_payment(InitiatePaymentInput(Decimal(1), "usd", {}, CTX))
    assert started.id and started.status is None
    assert (await p.get_payment_status(PaymentInput(started.data, CTX))).status == SessionStatus.PENDING
    updated = await p.update_payment(UpdatePaymentInput(Decimal(2), "usd", started.data, CTX))
    authorized = await p.authorize_payment(PaymentInput(updated.data, CTX))
    assert authorized.status == SessionStatus.AUTHORIZED
    assert (await p.get_payment_status(PaymentInput(authorized.data, CTX))).status == SessionStatus.AUTHORIZED
    captured = await p.capture_payment(CapturePaymentInput(authorized.data, CTX, amount=Decimal(1)))
    assert (await p.get_payment_status(PaymentInput(captured.data, CTX))).status == SessionStatus.CAPTURED
    refunded = await p.refund_payment(RefundPaymentInput(captured.data, Decimal(1), "usd", CTX))
    assert (await p.retrieve_payment(PaymentInput(refunded.data, CTX))).data == refunded.data
    canceled = await p.cancel_payment(PaymentInput(authorized.data, CTX))
    assert (await p.get_payment_status(PaymentInput(canceled.data, CTX))).status == SessionStatus.CANCELED
    deleted = await p.delete_payment(PaymentInput(started.data, CTX))
    assert deleted.data["status"] == "canceled"
    hook = await p.get_webhook_action_and_data(WebhookPayload(data={}, raw_data=b"{}", headers={}))
    assert hook.action == WebhookAction.NOT_SUPPORTED


async def test_account_holders_and_methods() -> None:
    p = SystemPaymentProvider()
    holder = await p.create_account_holder(AccountHolderInput(ProviderContext(customer={"id": "cus_1"})))
    assert holder is not None and holder.id == "cus_1"
    with pytest.raises(InvalidData):
        await p.create_account_holder(AccountHolderInput(ProviderContext(customer={})))
    assert (await p.retrieve_account_holder("cus_1")).id == "cus_1"
    data = await p.update_account_holder(
        AccountHolderInput(ProviderContext(account_holder={"data": {"a": 1}}), data={"b": 2})
    )
    assert data == {"a": 1, "b": 2}
    await p.delete_account_holder(AccountHolderInput(CTX))
    ctx = ProviderContext(account_holder={"data": {"payment_methods": [{"id": "pm_1", "data": {"x": 1}}]}})
    methods = await p.list_payment_methods(AccountHolderInput(ctx))
    assert [(m.id, m.data) for m in methods] == [("pm_1", {"x": 1})]
    assert await p.list_payment_methods(AccountHolderInput(CTX)) == []
    saved = await p.save_payment_method(AccountHolderInput(CTX, data={"card": "4242"}))
    assert saved is not None and saved.id.startswith("pm_") and saved.data == {"card": "4242"}
