"""The Stripe provider (``pp_stripe_stripe``): PaymentIntents with manual capture, as Medusa's.

One ``stripe.StripeClient`` per provider (built when the app or PaymentGraph starts), async calls over
httpx, Stripe's own retries with backoff on connection errors, 409 and 5xx, and an idempotency key on
every write taken from the module's ids (session id for create, capture id, refund id, payment id for
cancel), so a retried step never charges twice. Only parameters that are set are sent.

Errors are classified in ``stripe_errors.py``: a definite refusal raises ProviderError, an unknown outcome
(connection lost, timeout, 5xx, 429, an idempotency conflict) ProviderUnavailable.
"""

from __future__ import annotations

from typing import Any

import stripe

from paymentgraph.errors import ProviderError
from paymentgraph.modules.payment.providers.base import (
    AbstractPaymentProvider,
    CapturePaymentInput,
    InitiatePaymentInput,
    InitiatePaymentOutput,
    PaymentInput,
    PaymentOutput,
    ProviderContext,
    RefundPaymentInput,
    SessionStatus,
    UpdatePaymentInput,
    WebhookPayload,
    WebhookResult,
)
from paymentgraph.modules.payment.providers.stripe_amounts import to_smallest_unit
from paymentgraph.modules.payment.providers.stripe_changes import StripeChangesMixin
from paymentgraph.modules.payment.providers.stripe_customers import (
    StripeCustomersMixin,
    customer_id_of,
    plain,
    request_options,
    suffixed,
)
from paymentgraph.modules.payment.providers.stripe_errors import error_field, is_refusal, stripe_code
from paymentgraph.modules.payment.providers.stripe_events import (
    authorization_expiry,
    change_object,
    intent_data,
    session_status,
    verify_event,
    webhook_result,
)

# Session data keys forwarded to PaymentIntent creation when present (Medusa's normalised params).
_FORWARDED = (
    "payment_method",
    "payment_method_types",
    "payment_method_options",
    "payment_method_data",
    "capture_method",
    "setup_future_usage",
    "description",
    "automatic_payment_methods",
    "off_session",
    "confirm",
    "return_url",
    "statement_descriptor_suffix",
    "receipt_email",
)


class StripeProvider(StripeChangesMixin, StripeCustomersMixin, AbstractPaymentProvider):
    """Stripe PaymentIntents; confirmation happens client-side (Stripe.js), authorize reads the intent."""

    identifier = "stripe"

    def __init__(
        self,
        api_key: str,
        *,
        api_base: str | None = None,
        webhook_secret: str | None = None,
        capture: bool = False,
        config_id: str = "stripe",
        max_network_retries: int = 2,
        timeout: float = 80.0,
    ) -> None:
        super().__init__(config_id)
        self.webhook_secret = webhook_secret
        self.capture_method = "automatic" if capture else "manual"
        self._http = stripe.HTTPXClient(timeout=timeout)  # seconds per request (stripe-python's default)
        self.client = stripe.StripeClient(
            api_key,
            base_addresses={"api": api_base} if api_base else {},
            http_client=self._http,
            max_network_retries=max_network_retries,
        )

    async def close(self) -> None:
        await self._http.close_async()

    # -- payments -------------------------------------------------------------------------------

    @staticmethod
    def _intent_id(data: dict[str, Any], action: str) -> str:
        intent_id = data.get("id")
        if not isinstance(intent_id, str) or not intent_id:
            raise ProviderError(f"No Stripe PaymentIntent id in the payment data; cannot {action}")
        return intent_id

    async def _retrieve(self, intent_id: str) -> dict[str, Any]:
        try:
            return plain(await self.client.v1.payment_intents.retrieve_async(intent_id))
        except stripe.StripeError as exc:
            raise self._fail(exc, "retrieve the PaymentIntent", payment_intent=intent_id) from None

    async def initiate_payment(self, input: InitiatePaymentInput) -> InitiatePaymentOutput:
        data = input.data
        params: dict[str, Any] = {key: data[key] for key in _FORWARDED if data.get(key) is not None}
        params.setdefault("capture_method", self.capture_method)
        params["amount"] = to_smallest_unit(input.amount, input.currency_code)
        params["currency"] = input.currency_code.lower()
        metadata = dict(data.get("metadata") or {})
        # The module passes the session id in data (and as the create idempotency key).
        session_id = data.get("session_id") or input.context.idempotency_key
        if session_id:
            metadata["session_id"] = session_id
        params["metadata"] = metadata
        customer = data.get("customer") or customer_id_of(input.context)
        if customer:
            params["customer"] = customer
        try:
            intent = await self.client.v1.payment_intents.create_async(
                params=params,  # type: ignore[arg-type]
                options=request_options(input.context.idempotency_key),
            )
        except stripe.CardError as exc:
            # A card declined on a confirm-at-create: keep the failed intent when Stripe names it.
            failed = error_field(exc, "payment_intent")
            if isinstance(failed, dict) and failed.get("id"):
                return InitiatePaymentOutput(failed["id"], intent_data(failed), session_status(failed))
            raise self._fail(exc, "create the PaymentIntent") from None
        except stripe.StripeError as exc:
            raise self._fail(exc, "create the PaymentIntent") from None
        view = plain(intent)
        return InitiatePaymentOutput(view["id"], intent_data(view), session_status(view))

    async def update_payment(self, input: UpdatePaymentInput) -> PaymentOutput:
        intent_id = self._intent_id(input.data, "update the payment")
        units = to_smallest_unit(input.amount, input.currency_code)
        currency = input.currency_code.lower()
        if input.data.get("amount") == units and input.data.get("currency", currency) == currency:
            return PaymentOutput(dict(input.data), session_status(input.data))
        params: dict[str, Any] = {"amount": units}
        if input.data.get("currency") != currency:
            params["currency"] = currency
        try:
            intent = await self.client.v1.payment_intents.update_async(
                intent_id,
                params=params,  # type: ignore[arg-type]
                options=request_options(
                    suffixed(input.context.idempotency_key, f"update:{currency}:{units}")
                ),
            )
        except stripe.StripeError as exc:
            raise self._fail(exc, "update the PaymentIntent", payment_intent=intent_id) from None
        view = plain(intent)
        return PaymentOutput(intent_data(view), session_status(view))

    async def delete_payment(self, input: PaymentInput) -> PaymentOutput:
        if not input.data.get("id"):
            return PaymentOutput(dict(input.data))
        context = ProviderContext(suffixed(input.context.idempotency_key, "delete"))
        return await self.cancel_payment(PaymentInput(input.data, context))

    async def authorize_payment(self, input: PaymentInput) -> PaymentOutput:
        # Confirmation is the customer's (Stripe.js); authorizing reads where the intent stands.
        return await self.get_payment_status(input)

    async def get_payment_status(self, input: PaymentInput) -> PaymentOutput:
        intent = await self._retrieve(self._intent_id(input.data, "read the payment status"))
        expires = authorization_expiry(intent)
        return PaymentOutput(intent_data(intent), session_status(intent), authorization_expires_at=expires)

    async def retrieve_payment(self, input: PaymentInput) -> PaymentOutput:
        intent = await self._retrieve(self._intent_id(input.data, "retrieve the payment"))
        return PaymentOutput(intent_data(intent), session_status(intent))

    async def capture_payment(self, input: CapturePaymentInput) -> PaymentOutput:
        intent_id = self._intent_id(input.data, "capture the payment")
        currency = input.data.get("currency") or input.currency_code or ""
        params: dict[str, Any] = {}
        if input.amount is not None:
            units = to_smallest_unit(input.amount, currency)
            if units != input.data.get("amount"):
                params["amount_to_capture"] = units
        try:
            intent = await self.client.v1.payment_intents.capture_async(
                intent_id,
                params=params,  # type: ignore[arg-type]
                options=request_options(input.context.idempotency_key),
            )
        except stripe.StripeError as exc:
            done = await self._already_captured(exc, intent_id, params.get("amount_to_capture"))
            if done is None:
                raise self._fail(exc, "capture the PaymentIntent", payment_intent=intent_id) from None
            return PaymentOutput(intent_data(done), SessionStatus.CAPTURED, capture_closed=True)
        view = plain(intent)
        # Without multicapture Stripe captures an intent once and releases what was not captured: the
        # intent leaves requires_capture. With multicapture it stays there while amount is capturable.
        closed = view.get("status") != "requires_capture" or not view.get("amount_capturable", 1)
        return PaymentOutput(intent_data(view), session_status(view), capture_closed=closed)

    async def _already_captured(
        self, error: stripe.StripeError, intent_id: str, partial: int | None
    ) -> dict[str, Any] | None:
        """The intent when a refused full capture finds it captured in full already (Medusa #6370).

        A partial capture never counts: Stripe captures an intent once, and a retry of the same
        capture is answered by Stripe's idempotency replay, not by this error.
        """
        if partial is not None or not is_refusal(error):
            return None  # an unknown outcome is settled by asking again with the same key
        if stripe_code(error) not in (None, "payment_intent_unexpected_state"):
            return None
        intent = error_field(error, "payment_intent")
        if not isinstance(intent, dict) or intent.get("status") is None:
            intent = await self._retrieve(intent_id)
        if intent.get("status") != "succeeded":
            return None
        received = intent.get("amount_received")
        # localstripe omits amount_received; a succeeded intent without it counts as fully received.
        return intent if received is None or received >= intent.get("amount", 0) else None

    async def refund_payment(self, input: RefundPaymentInput) -> PaymentOutput:
        intent_id = self._intent_id(input.data, "refund the payment")
        # The intent's own currency decides the unit, as Medusa does.
        currency = input.data.get("currency") or input.currency_code
        params: dict[str, Any] = {
            "payment_intent": intent_id,
            "amount": to_smallest_unit(input.amount, currency),
        }
        if input.context.idempotency_key:
            # Our refund id: a charge.refunded event lists this refund, and the module must know it
            # is this one rather than a refund made in the dashboard.
            params["metadata"] = {"refund_id": input.context.idempotency_key}
        try:
            await self.client.v1.refunds.create_async(
                params=params,  # type: ignore[arg-type]
                options=request_options(input.context.idempotency_key),
            )
        except stripe.StripeError as exc:
            # Refunded outside this module already (Medusa PR #14746): the money is back, so succeed.
            if not is_refusal(exc) or stripe_code(exc) != "charge_already_refunded":
                raise self._fail(exc, "refund the PaymentIntent", payment_intent=intent_id) from None
        return PaymentOutput(dict(input.data))

    async def cancel_payment(self, input: PaymentInput) -> PaymentOutput:
        intent_id = input.data.get("id")
        if not intent_id:
            return PaymentOutput(dict(input.data))
        try:
            intent = await self.client.v1.payment_intents.cancel_async(
                intent_id, options=request_options(input.context.idempotency_key)
            )
        except stripe.StripeError as exc:
            current = error_field(exc, "payment_intent")
            if not isinstance(current, dict) or current.get("status") is None:
                current = await self._retrieve(intent_id)
            if current.get("status") != "canceled":
                raise self._fail(exc, "cancel the PaymentIntent", payment_intent=intent_id) from None
            return PaymentOutput(intent_data(current), SessionStatus.CANCELED)
        view = plain(intent)
        return PaymentOutput(intent_data(view), session_status(view))

    async def get_webhook_action_and_data(self, payload: WebhookPayload) -> WebhookResult:
        event = verify_event(
            payload.raw_data,
            payload.headers.get("stripe-signature"),
            self.webhook_secret,
            provider_id=self.id,
        )
        changed = change_object(event)
        if changed is not None:  # a refund or dispute made at Stripe
            return await self.change_result(event, changed)
        return webhook_result(event)
