"""A test-only payment provider that fails the operations a session's data names."""

from __future__ import annotations

from typing import Any

from paymentgraph.errors import ProviderError
from paymentgraph.modules.payment import SystemPaymentProvider
from paymentgraph.modules.payment.providers.base import (
    CapturePaymentInput,
    InitiatePaymentInput,
    PaymentInput,
    PaymentOutput,
    RefundPaymentInput,
    SessionStatus,
    UpdatePaymentInput,
)

FAILING_ID = "pp_failing_default"


class FailingProvider(SystemPaymentProvider):
    """Fails the operations named in the session's ``data["fail"]`` list; otherwise behaves like system.

    ``data["authorize_status"]`` makes authorize answer that status instead of authorized.
    """

    identifier = "failing"

    def __init__(self) -> None:
        super().__init__()
        self.calls: list[tuple[str, str | None]] = []

    def _maybe_fail(self, op: str, data: dict[str, Any], key: str | None) -> None:
        self.calls.append((op, key))
        if op in (data.get("fail") or []):
            raise ProviderError(f"{op} refused by the test provider")

    async def initiate_payment(self, input: InitiatePaymentInput) -> Any:
        self._maybe_fail("initiate", input.data, input.context.idempotency_key)
        out = await super().initiate_payment(input)
        return type(out)(id=out.id, data={**out.data, "fail": input.data.get("fail", [])})

    async def update_payment(self, input: UpdatePaymentInput) -> PaymentOutput:
        self._maybe_fail("update", input.data, input.context.idempotency_key)
        return await super().update_payment(input)

    async def delete_payment(self, input: PaymentInput) -> PaymentOutput:
        self._maybe_fail("delete", input.data, input.context.idempotency_key)
        return await super().delete_payment(input)

    async def authorize_payment(self, input: PaymentInput) -> PaymentOutput:
        self._maybe_fail("authorize", input.data, input.context.idempotency_key)
        status = input.data.get("authorize_status")
        if status:
            return PaymentOutput(data=dict(input.data), status=SessionStatus(status))
        return await super().authorize_payment(input)

    async def capture_payment(self, input: CapturePaymentInput) -> PaymentOutput:
        self._maybe_fail("capture", input.data, input.context.idempotency_key)
        return await super().capture_payment(input)

    async def refund_payment(self, input: RefundPaymentInput) -> PaymentOutput:
        self._maybe_fail("refund", input.data, input.context.idempotency_key)
        return await super().refund_payment(input)

    async def cancel_payment(self, input: PaymentInput) -> PaymentOutput:
        self._maybe_fail("cancel", input.data, input.context.idempotency_key)
        return await super().cancel_payment(input)
