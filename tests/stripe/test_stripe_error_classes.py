"""Each kind of Stripe error is a definite refusal (PROVIDER_ERROR) or an unknown outcome
(PROVIDER_UNAVAILABLE), as the table in ``providers/stripe_errors.py`` says; and what that means for a
capture: a refusal leaves nothing, an unknown outcome leaves it pending. Peer: the in-repo HTTP fake."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import httpx
import pytest
import stripe
from fake_stripe import FakeStripeState
from stripe_peers import new_session

from paymentgraph import PaymentGraph
from paymentgraph.errors import ErrorCode, ProviderError, ProviderUnavailable
from paymentgraph.modules.payment.providers.stripe_errors import provider_error

pytestmark = pytest.mark.stripe

_BODY = {"error": {"type": "invalid_request_error", "message": "no"}}


@pytest.mark.parametrize(
    ("error", "code"),
    [
        (
            stripe.CardError("Your card was declined.", None, "card_declined", http_status=402),
            "PROVIDER_ERROR",
        ),
        (stripe.InvalidRequestError("Amount too large", "amount", "amount_too_large", 400), "PROVIDER_ERROR"),
        (
            stripe.InvalidRequestError("No such payment_intent", "id", "resource_missing", 404),
            "PROVIDER_ERROR",
        ),
        (stripe.AuthenticationError("Invalid API Key", http_status=401), "PROVIDER_ERROR"),
        (stripe.PermissionError("Not allowed", http_status=403), "PROVIDER_ERROR"),
        (stripe.APIConnectionError("Connection reset"), "PROVIDER_UNAVAILABLE"),
        (stripe.APIConnectionError("Read timed out", should_retry=True), "PROVIDER_UNAVAILABLE"),
        (stripe.APIError("Internal error", http_status=500), "PROVIDER_UNAVAILABLE"),
        (stripe.APIError("Bad gateway", http_status=502), "PROVIDER_UNAVAILABLE"),
        (stripe.APIError("Conflict", http_status=409), "PROVIDER_UNAVAILABLE"),
        (stripe.APIError("Invalid response body from API", http_status=200), "PROVIDER_UNAVAILABLE"),
        (stripe.RateLimitError("Too many requests", http_status=429), "PROVIDER_UNAVAILABLE"),
        (
            stripe.IdempotencyError("Keys can only be reused with the same parameters", http_status=400),
            "PROVIDER_UNAVAILABLE",
        ),
        (stripe.StripeError("Unclassified 4xx", http_status=422, json_body=_BODY), "PROVIDER_ERROR"),
        (stripe.StripeError("Unclassified, no status"), "PROVIDER_UNAVAILABLE"),
    ],
    ids=lambda value: type(value).__name__ if isinstance(value, Exception) else value,
)
def test_each_stripe_error_is_a_refusal_or_an_unknown_outcome(error: stripe.StripeError, code: str) -> None:
    classified = provider_error(error, "capture the PaymentIntent", provider_id="pp_stripe_stripe")
    assert classified.code.value == code
    assert isinstance(classified, ProviderUnavailable if code == "PROVIDER_UNAVAILABLE" else ProviderError)
    assert classified.details.get("retryable") is (True if code == "PROVIDER_UNAVAILABLE" else None)
    assert classified.details["stripe_error"] == type(error).__name__


async def _authorized(pg: PaymentGraph, fake: tuple[str, FakeStripeState]) -> str:
    session = await new_session(pg, "20", payment_method="pm_card_visa")
    async with httpx.AsyncClient(base_url=fake[0]) as browser:
        await browser.post(f"/v1/payment_intents/{session.data['id']}/confirm")
    return (await pg.payment.authorize_payment_session(session.id)).id


async def test_5xx_past_the_client_retries_keeps_the_capture_pending_until_recovery(
    fake_pg: PaymentGraph, fake_stripe: tuple[str, FakeStripeState]
) -> None:
    state = fake_stripe[1]
    payment_id = await _authorized(fake_pg, fake_stripe)
    state.fail_next = 3  # stripe-python tries three times (two retries): all get a 500
    with pytest.raises(ProviderUnavailable) as raised:
        await fake_pg.payment.capture_payment({"payment_id": payment_id})
    assert raised.value.code == ErrorCode.PROVIDER_UNAVAILABLE
    assert raised.value.details["http_status"] == 500
    [pending] = await fake_pg.payment.list_captures({"payment_id": payment_id})
    assert (pending.id, pending.status) == (raised.value.details["captureId"], "pending")

    [outcome] = await fake_pg.payment.recover_pending_operations(older_than=timedelta(0))
    assert outcome.outcome == "recorded"
    payment = await fake_pg.payment.retrieve_payment(payment_id)
    assert payment.captured_amount == Decimal("20.00")
    keys = {r.idempotency_key for r in state.writes(r"/capture$")}
    assert keys == {pending.id}  # four attempts, one key


async def test_a_capture_stripe_refuses_leaves_no_capture(
    fake_pg: PaymentGraph, fake_stripe: tuple[str, FakeStripeState]
) -> None:
    payment_id = await _authorized(fake_pg, fake_stripe)
    payment = await fake_pg.payment.retrieve_payment(payment_id)
    async with httpx.AsyncClient(base_url=fake_stripe[0]) as dashboard:  # canceled at Stripe meanwhile
        await dashboard.post(f"/v1/payment_intents/{(payment.data or {})['id']}/cancel")
    with pytest.raises(ProviderError) as raised:
        await fake_pg.payment.capture_payment({"payment_id": payment_id})
    assert raised.value.details["stripe_code"] == "payment_intent_unexpected_state"
    assert "retryable" not in raised.value.details
    assert await fake_pg.payment.list_captures({"payment_id": payment_id}) == []
    assert await fake_pg.payment.recover_pending_operations(older_than=timedelta(0)) == []
