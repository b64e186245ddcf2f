"""The payment provider interface (Medusa's ``AbstractPaymentProvider``), typed.

Every input carries ``data`` (the provider's own blob stored on the session or payment) and a
``context`` with the idempotency key the module derived from its own ids; a provider forwards that key
to its remote API so a retried step never charges twice (asking again with the same key must replay
the first outcome, never act twice: the module relies on it to settle operations whose answer was lost).

Providers raise, never return, errors, and say which kind:

- :class:`paymentgraph.errors.ProviderError`: a definite refusal. The provider answered and did not act
  (declined, invalid request, an amount it refuses); the module undoes what it wrote before the call.
- :class:`paymentgraph.errors.ProviderUnavailable`: the outcome is unknown (timeout, connection lost,
  5xx, 429). The module keeps what it wrote (a capture or refund stays pending) and settles it later with
  the same idempotency key.

Any other exception counts as an unknown outcome: the provider did not vouch that nothing happened.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any, ClassVar


class SessionStatus(StrEnum):
    PENDING = "pending"
    REQUIRES_MORE = "requires_more"
    AUTHORIZED = "authorized"
    CAPTURED = "captured"
    ERROR = "error"
    CANCELED = "canceled"
    # The provider is settling the authorization (asynchronous methods: SEPA debit, ACH, bank
    # transfers); its webhook reports the outcome later.
    PENDING_AUTHORIZATION = "pending_authorization"


class WebhookAction(StrEnum):
    AUTHORIZED = "authorized"
    CAPTURED = "captured"
    FAILED = "failed"
    PENDING = "pending"
    REQUIRES_MORE = "requires_more"
    CANCELED = "canceled"
    # Authorization in progress at the provider (Stripe payment_intent.processing).
    PENDING_AUTHORIZATION = "pending_authorization"
    # Changes made at the provider: refunds (details["refunds"]) and disputes (details["dispute"]).
    REFUNDED = "refunded"
    DISPUTE = "dispute"
    NOT_SUPPORTED = "not_supported"


@dataclass(frozen=True)
class ProviderContext:
    idempotency_key: str | None = None
    customer: dict[str, Any] | None = None  # {"id", "email", "first_name", "last_name", ...}
    account_holder: dict[str, Any] | None = None  # {"id", "external_id", "data"}
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class InitiatePaymentInput:
    amount: Decimal
    currency_code: str
    data: dict[str, Any]
    context: ProviderContext


@dataclass(frozen=True)
class UpdatePaymentInput:
    amount: Decimal
    currency_code: str
    data: dict[str, Any]
    context: ProviderContext


@dataclass(frozen=True)
class PaymentInput:
    """Input of authorize, cancel, delete, retrieve and status calls."""

    data: dict[str, Any]
    context: ProviderContext


@dataclass(frozen=True)
class CapturePaymentInput:
    data: dict[str, Any]
    context: ProviderContext
    # The amount to capture now; None captures what remains. Unlike Medusa, partial captures reach
    # the provider, so what the ledger says was captured is what the provider captured.
    amount: Decimal | None = None
    currency_code: str | None = None


@dataclass(frozen=True)
class RefundPaymentInput:
    data: dict[str, Any]
    amount: Decimal
    currency_code: str
    context: ProviderContext


@dataclass(frozen=True)
class InitiatePaymentOutput:
    id: str
    data: dict[str, Any] = field(default_factory=dict)
    status: SessionStatus | None = None


@dataclass(frozen=True)
class PaymentOutput:
    data: dict[str, Any] = field(default_factory=dict)
    status: SessionStatus | None = None
    # Capture only: True when the provider will not capture any more of this payment (Stripe without
    # multicapture releases the rest of the authorization after a partial capture).
    capture_closed: bool = False
    # Authorize/status: when the provider stops holding the authorized money (None: unknown or never).
    authorization_expires_at: datetime | None = None


@dataclass(frozen=True)
class AccountHolderInput:
    context: ProviderContext
    data: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class AccountHolderOutput:
    id: str
    data: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class PaymentMethodOutput:
    id: str
    data: dict[str, Any] = field(default_factory=dict)
    # A provider with no store of its own (the system provider) asks the module to keep the saved method
    # in the account holder's ``data["payment_methods"]``, where its list_payment_methods reads it.
    keep_with_holder: bool = False


@dataclass(frozen=True)
class WebhookPayload:
    data: dict[str, Any]  # the parsed body
    raw_data: bytes  # the body exactly as received (signatures are computed over it)
    headers: dict[str, str]  # lower-case header names


@dataclass(frozen=True)
class WebhookResult:
    action: WebhookAction
    session_id: str | None = None
    amount: Decimal | None = None
    event_id: str | None = None  # the provider's event id, used to store each event once
    event_type: str | None = None
    # JSON-safe facts of a change made at the provider, read when the event is applied:
    # REFUNDED: {"refunds": [{"id", "amount" (Decimal string), "refund_id" (ours, if we made it)}]};
    # DISPUTE: {"dispute": {"id", "amount", "currency_code", "reason", "status", "evidence_due_by"
    # (ISO), "withdrawn" (bool), "balance_transactions" (count), "event_created" (ISO)}}.
    details: dict[str, Any] | None = None


class AbstractPaymentProvider(ABC):
    """Base class for payment providers; ``identifier`` plus an optional config ``id``.

    The provider id is ``pp_<identifier>_<id>``: ``pp_system_default``, ``pp_stripe_stripe``.
    """

    identifier: ClassVar[str]

    def __init__(self, config_id: str = "default") -> None:
        if not getattr(type(self), "identifier", None):
            raise TypeError("Trying to register a payment provider without a provider identifier.")
        self.config_id = config_id

    @property
    def id(self) -> str:
        return f"pp_{self.identifier}_{self.config_id}"

    @abstractmethod
    async def initiate_payment(self, input: InitiatePaymentInput) -> InitiatePaymentOutput: ...

    @abstractmethod
    async def update_payment(self, input: UpdatePaymentInput) -> PaymentOutput: ...

    @abstractmethod
    async def delete_payment(self, input: PaymentInput) -> PaymentOutput: ...

    @abstractmethod
    async def authorize_payment(self, input: PaymentInput) -> PaymentOutput:
        """Must return a status."""

    @abstractmethod
    async def capture_payment(self, input: CapturePaymentInput) -> PaymentOutput: ...

    @abstractmethod
    async def refund_payment(self, input: RefundPaymentInput) -> PaymentOutput: ...

    @abstractmethod
    async def retrieve_payment(self, input: PaymentInput) -> PaymentOutput: ...

    @abstractmethod
    async def cancel_payment(self, input: PaymentInput) -> PaymentOutput: ...

    @abstractmethod
    async def get_payment_status(self, input: PaymentInput) -> PaymentOutput:
        """Must return a status."""

    @abstractmethod
    async def get_webhook_action_and_data(self, payload: WebhookPayload) -> WebhookResult: ...

    # Account holders and saved payment methods: optional, as in Medusa. The defaults say the
    # provider does not keep customers (None / empty), which the module handles explicitly.
    async def create_account_holder(self, input: AccountHolderInput) -> AccountHolderOutput | None:
        return None

    async def update_account_holder(self, input: AccountHolderInput) -> dict[str, Any]:
        return {}

    async def delete_account_holder(self, input: AccountHolderInput) -> None:
        return None

    async def retrieve_account_holder(self, id: str) -> AccountHolderOutput | None:
        return None

    async def list_payment_methods(self, input: AccountHolderInput) -> list[PaymentMethodOutput]:
        return []

    async def save_payment_method(self, input: AccountHolderInput) -> PaymentMethodOutput | None:
        return None

    async def delete_payment_method(self, input: AccountHolderInput) -> bool:
        """Detach saved method ``input.data["id"]`` from the account holder; False: none are kept here."""
        return False

    async def close(self) -> None:
        """Release clients (HTTP pools) at shutdown."""
        return None
