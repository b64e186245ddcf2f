"""A test-only provider scripted per test: crash or refuse an operation, close captures like Stripe."""

from __future__ import annotations

from decimal import Decimal

from paymentgraph.modules.payment import SystemPaymentProvider
from paymentgraph.modules.payment.providers.base import (
    CapturePaymentInput,
    PaymentOutput,
    RefundPaymentInput,
)

SCRIPTED_ID = "pp_scripted_default"


class Crash(BaseException):
    """The process dying mid-call: not an Exception, so no handler cleans up after it."""


class ScriptedProvider(SystemPaymentProvider):
    """The system provider, plus: ``crash_once`` / ``refuse`` name operations ("capture", "refund") to
    crash once (after the provider acted, when ``acted_before_crash``) or to refuse with an error;
    ``close_captures`` answers every capture with ``capture_closed`` (Stripe without multicapture)."""

    identifier = "scripted"

    def __init__(self) -> None:
        super().__init__()
        self.crash_once: set[str] = set()
        self.refuse: set[str] = set()
        self.close_captures = False
        self.calls: list[tuple[str, str | None, Decimal | None]] = []

    def _script(self, op: str, key: str | None, amount: Decimal | None) -> None:
        self.calls.append((op, key, amount))
        if op in self.crash_once:
            self.crash_once.discard(op)
            raise Crash(f"{op} crashed")
        if op in self.refuse:
            raise RuntimeError(f"{op} refused by the test provider")

    def keys(self, op: str) -> list[str | None]:
        return [key for name, key, _ in self.calls if name == op]

    async def capture_payment(self, input: CapturePaymentInput) -> PaymentOutput:
        self._script("capture", input.context.idempotency_key, input.amount)
        output = await super().capture_payment(input)
        return PaymentOutput(output.data, output.status, capture_closed=self.close_captures)

    async def refund_payment(self, input: RefundPaymentInput) -> PaymentOutput:
        self._script("refund", input.context.idempotency_key, input.amount)
        return await super().refund_payment(input)
