"""What localstripe cannot show, against the in-repo HTTP fake of Stripe (``fake_stripe.py``).

Peer: the fake, served on 127.0.0.1. It records the Idempotency-Key header of every request, replays
a stored answer for a repeated key, answers with Stripe's real error codes
(``payment_intent_unexpected_state``, ``charge_already_refunded``, ``card_declined`` carrying the
intent) and can fail requests with a 500 to exercise the client's retries. The PaymentIntent
lifecycle itself is covered against localstripe in ``test_stripe_payments_localstripe.py``.
"""

from __future__ import annotations

from decimal import Decimal

import httpx
import pytest
from fake_stripe import FakeStripeState
from stripe_peers import STRIPE, new_session

from paymentgraph import PaymentGraph
from paymentgraph.errors import NotAllowed, ProviderUnavailable
from paymentgraph.modules.payment.providers.base import (
    CapturePaymentInput,
    InitiatePaymentInput,
    ProviderContext,
)

pytestmark = pytest.mark.stripe


async def _authorized(
    pg: PaymentGraph, fake: tuple[str, FakeStripeState], amount: str = "20"
) -> tuple[str, str]:
    """A confirmed, authorized Stripe payment: (session id, payment id)."""
    session = await new_session(pg, amount, payment_method="pm_card_visa")
    async with httpx.AsyncClient(base_url=fake[0]) as browser:
        await browser.post(f"/v1/payment_intents/{session.data['id']}/confirm")
    payment = await pg.payment.authorize_payment_session(session.id)
    return session.id, payment.id


async def test_every_write_sends_an_idempotency_key_taken_from_our_ids(
    fake_pg: PaymentGraph, fake_stripe: tuple[str, FakeStripeState]
) -> None:
    state = fake_stripe[1]
    session_id, payment_id = await _authorized(fake_pg, fake_stripe)
    payment = await fake_pg.payment.capture_payment({"payment_id": payment_id, "amount": "15"})
    payment = await fake_pg.payment.refund_payment({"payment_id": payment_id, "amount": "5"})

    [create] = state.writes(r"^/v1/payment_intents$")
    assert create.idempotency_key == session_id
    assert create.params["metadata"]["session_id"] == session_id
    assert create.params["capture_method"] == "manual"
    assert create.params["amount"] == "2000"
    [capture] = state.writes(r"/capture$")
    assert capture.idempotency_key == payment.captures[0].id
    assert capture.params["amount_to_capture"] == "1500"
    [refund] = state.writes(r"^/v1/refunds$")
    assert refund.idempotency_key == payment.refunds[0].id
    assert refund.params["amount"] == "500"

    _, other_payment = await _authorized(fake_pg, fake_stripe)
    await fake_pg.payment.cancel_payment(other_payment)
    [cancel] = state.writes(r"/cancel$")
    assert cancel.idempotency_key == other_payment
    # Every write the provider made carried a key (the confirms are the browser's, not ours).
    assert all(w.idempotency_key for w in state.writes() if not w.path.endswith("/confirm"))


async def test_a_server_error_is_retried_with_the_same_key(
    fake_pg: PaymentGraph, fake_stripe: tuple[str, FakeStripeState]
) -> None:
    state = fake_stripe[1]
    _, payment_id = await _authorized(fake_pg, fake_stripe)
    state.fail_next = 1
    payment = await fake_pg.payment.capture_payment({"payment_id": payment_id})
    assert payment.captured_amount == Decimal("20.00")
    attempts = state.writes(r"/capture$")
    assert len(attempts) == 2
    assert attempts[0].idempotency_key == attempts[1].idempotency_key == payment.captures[0].id


async def test_a_repeated_create_with_the_same_key_returns_the_same_intent(
    fake_pg: PaymentGraph, fake_stripe: tuple[str, FakeStripeState]
) -> None:
    provider = fake_pg.providers.get(STRIPE)
    request = InitiatePaymentInput(
        amount=Decimal("500"),
        currency_code="jpy",
        data={"session_id": "payses_X"},
        context=ProviderContext(idempotency_key="payses_X"),
    )
    first = await provider.initiate_payment(request)
    again = await provider.initiate_payment(request)
    assert first.id == again.id
    assert first.data["amount"] == 500  # JPY is zero-decimal
    changed = InitiatePaymentInput(
        amount=Decimal("600"),
        currency_code="jpy",
        data={},
        context=ProviderContext(idempotency_key="payses_X"),
    )
    # The first request with this key may have succeeded: an idempotency conflict is an unknown outcome.
    with pytest.raises(ProviderUnavailable) as raised:
        await provider.initiate_payment(changed)
    assert raised.value.details["stripe_error"] == "IdempotencyError"


async def test_capturing_an_intent_stripe_already_captured_is_success(
    fake_pg: PaymentGraph, fake_stripe: tuple[str, FakeStripeState]
) -> None:
    _, payment_id = await _authorized(fake_pg, fake_stripe)
    payment = await fake_pg.payment.capture_payment({"payment_id": payment_id})
    provider = fake_pg.providers.get(STRIPE)
    # A retry whose first answer was lost: Stripe says payment_intent_unexpected_state, intent succeeded.
    output = await provider.capture_payment(
        CapturePaymentInput(data=payment.data or {}, context=ProviderContext("capt_retry"))
    )
    assert output.data["status"] == "succeeded"
    assert [r.path for r in fake_stripe[1].writes("/capture$")][-1].endswith("/capture")


async def test_a_second_partial_capture_is_refused_before_stripe_and_records_nothing(
    fake_pg: PaymentGraph, fake_stripe: tuple[str, FakeStripeState]
) -> None:
    _, payment_id = await _authorized(fake_pg, fake_stripe)
    payment = await fake_pg.payment.capture_payment({"payment_id": payment_id, "amount": "5"})
    # Stripe released the other 15.00 with the partial capture: the payment is closed for capture.
    assert payment.captured_at is not None and payment.captured_amount == Decimal("5.00")
    with pytest.raises(NotAllowed, match=r"released the remaining authorization.*new payment session"):
        await fake_pg.payment.capture_payment({"payment_id": payment_id, "amount": "5"})
    with pytest.raises(NotAllowed):
        await fake_pg.payment.capture_payment({"payment_id": payment_id})
    assert len(fake_stripe[1].writes("/capture$")) == 1  # Stripe was not asked again
    payment = await fake_pg.payment.retrieve_payment(payment_id)
    assert payment.captured_amount == Decimal("5.00")
    assert len(await fake_pg.payment.list_captures({"payment_id": payment_id})) == 1


async def test_a_refund_already_made_in_the_dashboard_is_success(
    fake_pg: PaymentGraph, fake_stripe: tuple[str, FakeStripeState]
) -> None:
    _, payment_id = await _authorized(fake_pg, fake_stripe)
    payment = await fake_pg.payment.capture_payment({"payment_id": payment_id})
    async with httpx.AsyncClient(base_url=fake_stripe[0]) as dashboard:
        await dashboard.post("/_test/refund_outside", data={"payment_intent": (payment.data or {})["id"]})
    payment = await fake_pg.payment.refund_payment({"payment_id": payment_id, "amount": "20"})
    assert payment.refunded_amount == Decimal("20.00")


async def test_canceling_an_intent_already_canceled_is_success(
    fake_pg: PaymentGraph, fake_stripe: tuple[str, FakeStripeState]
) -> None:
    _, payment_id = await _authorized(fake_pg, fake_stripe)
    payment = await fake_pg.payment.retrieve_payment(payment_id)
    async with httpx.AsyncClient(base_url=fake_stripe[0]) as dashboard:
        await dashboard.post(f"/v1/payment_intents/{(payment.data or {})['id']}/cancel")
    payment = await fake_pg.payment.cancel_payment(payment_id)
    assert payment.canceled_at is not None


async def test_a_decline_carrying_the_intent_keeps_the_session_in_error(
    fake_pg: PaymentGraph, fake_stripe: tuple[str, FakeStripeState]
) -> None:
    session = await new_session(fake_pg, "20", payment_method="pm_card_chargeCustomerFail", confirm=True)
    assert session.status == "error"
    assert session.data["last_payment_error"]["decline_code"] == "generic_decline"
    assert session.data["id"].startswith("pi_")
