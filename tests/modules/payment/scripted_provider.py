"""A test-only provider scripted per test: crash, refuse or lose the answer of an operation, close captures
like Stripe, and replay by idempotency key as Stripe does."""

from __future__ import annotations

from decimal import Decimal

from paymentgraph.errors import ProviderError, ProviderUnavailable
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
    """The system provider, plus, for operations named "capture" or "refund":

    - ``crash_once``: crash once before acting;
    - ``refuse``: a definite refusal (ProviderError) while named;
    - ``down``: ProviderUnavailable before acting while named (the provider is unreachable);
    - ``lose_answer``: act, then ProviderUnavailable (the answer is lost) while named.

    What it acted on is kept per idempotency key (``acted``): asking again with a key it acted on
    replays success without acting again, as Stripe does. ``close_captures`` answers every capture
    with ``capture_closed`` (Stripe without multicapture).
    """

    identifier = "scripted"

    def __init__(self) -> None:
        super().__init__()
        self.crash_once: set[str] = set()
        self.refuse: set[str] = set()
        self.down: set[str] = set()
        self.lose_answer: set[str] = set()
        self.close_captures = False
        self.calls: list[tuple[str, str | None, Decimal | None]] = []
        self.acted: dict[str, tuple[str, Decimal | None]] = {}  # idempotency key -> (op, amount)

    def _script(self, op: str, key: str | None, amount: Decimal | None) -> bool:
        """Run the script for one call; True when this key was acted on already (replay)."""
        self.calls.append((op, key, amount))
        if key is not None and key in self.acted:
            if op in self.lose_answer:
                raise ProviderUnavailable(f"{op}: the answer was lost again")
            return True
        if op in self.crash_once:
            self.crash_once.discard(op)
            raise Crash(f"{op} crashed")
        if op in self.refuse:
            raise ProviderError(f"{op} refused by the test provider")
        if op in self.down:
            raise ProviderUnavailable(f"{op}: the test provider is unreachable")
        if key is not None:
            self.acted[key] = (op, amount)
        if op in self.lose_answer:
            raise ProviderUnavailable(f"{op}: the test provider acted but its answer was lost")
        return False

    def keys(self, op: str) -> list[str | None]:
        return [key for name, key, _ in self.calls if name == op]

    def moved(self, op: str) -> list[Decimal | None]:
        """The amounts the provider actually acted on for ``op`` (once per key)."""
        return [amount for name, amount in self.acted.values() if name == op]

    async def capture_payment(self, input: CapturePaymentInput) -> PaymentOutput:
        self._script("capture", input.context.idempotency_key, input.amount)
        output = await super().capture_payment(input)
        return PaymentOutput(output.data, output.status, capture_closed=self.close_captures)

    async def refund_payment(self, input: RefundPaymentInput) -> PaymentOutput:
        self._script("refund", input.context.idempotency_key, input.amount)
        return await super().refund_payment(input)
