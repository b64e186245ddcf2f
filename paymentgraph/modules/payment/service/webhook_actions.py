"""Applying a webhook action to a session: idempotent state transitions that converge in any order.

Each action re-reads our state (and, through authorize, the provider's) instead of trusting the order
events arrive in: authorizing twice returns the same payment, a capture is recorded once however
often ``captured`` arrives (and never on top of a capture made through the API: issues #13301,
#11090), and a late ``failed``/``requires_more``/``canceled`` never undoes an authorized session.

Asynchronous payment methods: ``pending_authorization`` (Stripe ``processing``) marks a session whose
money is on its way; ``authorized``/``captured`` then create its payment as for a card, and ``failed``
makes it ``error`` (no payment ever existed, so nothing is held; the order's payment needs action).
Refunds and disputes made at the provider are recorded by ``provider_changes``.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from decimal import Decimal
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from paymentgraph.db.ids import new_id
from paymentgraph.db.session import read_session, write_transaction
from paymentgraph.db.types import utcnow
from paymentgraph.errors import (
    AuthorizationFailed,
    AuthorizationPending,
    Conflict,
    DomainError,
    InvalidData,
    NotAllowed,
    RequiresMore,
    not_found,
)
from paymentgraph.events.outbox import record_event
from paymentgraph.modules.payment import dto, models
from paymentgraph.modules.payment.providers.base import WebhookAction, WebhookResult
from paymentgraph.modules.payment.repository import common
from paymentgraph.modules.payment.repository import payments as payment_repo
from paymentgraph.modules.payment.service.authorize import AuthorizationService
from paymentgraph.modules.payment.service.mapping import load_payments
from paymentgraph.modules.payment.service.payments import PaymentService
from paymentgraph.modules.payment.service.provider_changes import ProviderChangeService
from paymentgraph.modules.payment.service.recompute import recompute_collection
from paymentgraph.modules.payment.webhooks import WebhookApplied

logger = logging.getLogger(__name__)

WebhookHook = Callable[[WebhookApplied], Awaitable[None]]

ZERO = Decimal(0)
# A session in one of these states (or with a payment) is past what a late event may change.
_SETTLED = {"authorized", "captured", "canceled"}
_HOOKED = {WebhookAction.AUTHORIZED, WebhookAction.CAPTURED, WebhookAction.PENDING}


class WebhookActionService:
    """Applies a webhook's action to its session, then runs the hooks registered for it."""

    def __init__(
        self,
        sessionmaker: async_sessionmaker[AsyncSession],
        authorization: AuthorizationService,
        payments: PaymentService,
        provider_changes: ProviderChangeService,
    ) -> None:
        self._sessionmaker = sessionmaker
        self._authorization = authorization
        self._payments = payments
        self._provider_changes = provider_changes
        self._hooks: list[WebhookHook] = []

    def add_webhook_hook(self, hook: WebhookHook) -> None:
        """Run ``hook`` after each applied authorized/captured/pending event.

        This is where the checkout workflow completes a cart linked to the collection that has no order
        yet (Medusa's processPaymentWorkflow does it); the payment module cannot see carts itself. A hook
        that raises does not fail the event: the error is logged and kept on the processed event
        (``last_error``), and the event is applied again (hooks included) on its next delivery or retry.
        """
        self._hooks.append(hook)

    async def apply(self, provider_id: str, result: WebhookResult) -> str | None:
        """Apply the event to its session, then run the hooks; returns what the hooks failed with."""
        session_id = result.session_id
        if not session_id:
            return None
        async with read_session(self._sessionmaker) as session:
            row = await common.get(session, models.PaymentSession, session_id)
        if row is None:
            raise not_found("PaymentSession", session_id)
        if row.provider_id != provider_id:
            raise InvalidData(
                f"Webhook from {provider_id} names payment session {session_id} of {row.provider_id}",
                payment_session_id=session_id,
                provider_id=provider_id,
            )
        payment: dto.Payment | None = None
        action = result.action
        if action == WebhookAction.AUTHORIZED:
            payment = await self._authorize_from_webhook(session_id)
        elif action == WebhookAction.CAPTURED:
            payment = await self._capture_from_webhook(session_id, result)
        elif action == WebhookAction.FAILED:
            await self._set_session_status(session_id, "error")
        elif action == WebhookAction.REQUIRES_MORE:
            await self._set_session_status(session_id, "requires_more")
        elif action == WebhookAction.CANCELED:
            await self._cancel_from_webhook(session_id)
        elif action == WebhookAction.PENDING_AUTHORIZATION:
            # Only from where a customer left it: a late "processing" never undoes a failure.
            await self._set_session_status(
                session_id, "pending_authorization", only_from=("pending", "requires_more")
            )
        elif action == WebhookAction.REFUNDED:
            await self._provider_changes.record_refunds(session_id, result)
        elif action == WebhookAction.DISPUTE:
            await self._provider_changes.record_dispute(provider_id, session_id, result)
        # PENDING: nothing changes; the stored event is the record.
        if action in _HOOKED:
            applied = WebhookApplied(
                provider_id=provider_id,
                event_id=result.event_id or "",
                action=action.value,
                payment_session_id=session_id,
                payment_collection_id=row.payment_collection_id,
                payment_id=payment.id if payment else None,
            )
            return await self._run_webhook_hooks(applied)
        return None

    async def _run_webhook_hooks(self, applied: WebhookApplied) -> str | None:
        """Run every hook; one that fails is logged and reported, never raised: the payment part is done."""
        errors: list[str] = []
        for hook in self._hooks:
            try:
                await hook(applied)
            except DomainError as exc:
                logger.warning("after webhook event %s: %s", applied.event_id, exc.message)
                errors.append(f"{exc.code}: {exc.message}")
            except Exception as exc:
                logger.exception("a hook after webhook event %s failed", applied.event_id)
                errors.append(f"{type(exc).__name__}: {exc}")
        return "; ".join(errors) or None

    async def _authorize_from_webhook(self, session_id: str) -> dto.Payment | None:
        try:
            return await self._authorization.authorize_payment_session(session_id)
        except (AuthorizationFailed, AuthorizationPending, RequiresMore) as exc:
            # authorize read the intent itself and recorded where it stands now (a later event moved
            # it on, e.g. canceled): that is the state to keep, and the event is done.
            logger.info("webhook authorization of %s not applied: %s", session_id, exc.message)
            return None

    async def _capture_from_webhook(self, session_id: str, result: WebhookResult) -> dto.Payment:
        async with read_session(self._sessionmaker) as session:
            existing = await payment_repo.live_payment_for_session(session, session_id)
        if existing is None:
            # Auto-capture: the provider captured before we saw an authorization. Authorizing reads
            # the intent as captured and records the payment with its full capture (#9998, #10949).
            payment = await self._authorization.authorize_payment_session(session_id)
            if payment.captured_amount > ZERO:
                return payment
            payment_id = payment.id
        else:
            payment_id = existing.id
        return await self._record_webhook_capture(payment_id, result)

    async def _record_webhook_capture(self, payment_id: str, result: WebhookResult) -> dto.Payment:
        async with write_transaction(self._sessionmaker) as session:
            payment = await common.get(session, models.Payment, payment_id, lock=True)
            if payment is None:
                raise not_found("Payment", payment_id)
            if payment.canceled_at is not None:
                raise NotAllowed(
                    f"The provider reports a capture of payment {payment_id}, which is canceled here",
                    payment_id=payment_id,
                )
            captures = await payment_repo.captures_of(session, [payment_id])
            if any(c.status == "pending" for c in captures):
                # Our own capture call is in flight; it records this capture. Retried later to check.
                raise Conflict(
                    f"A capture of payment {payment_id} is in progress; the webhook is retried later",
                    payment_id=payment_id,
                )
            if captures:
                # A provider intent is captured once; what our capture call recorded is that capture.
                return (await load_payments(session, [payment]))[0]
            amount = min(result.amount if result.amount is not None else payment.amount, payment.amount)
            if amount <= ZERO:
                return (await load_payments(session, [payment]))[0]
            capture_id = new_id("capt")
            await common.insert(
                session,
                models.Capture,
                {
                    "id": capture_id,
                    "payment_id": payment_id,
                    "amount": amount,
                    "status": "succeeded",
                    "metadata": {"source": "webhook", "event_id": result.event_id},
                },
            )
            values: dict[str, Any] = {"captured_amount": payment.captured_amount + amount}
            if payment.captured_amount + amount >= payment.amount:
                values["captured_at"] = utcnow()
            await common.update(session, payment, values)
            await record_event(
                session,
                "payment.captured",
                {
                    "id": payment_id,
                    "payment_collection_id": payment.payment_collection_id,
                    "capture_id": capture_id,
                    "amount": amount,
                    "currency_code": payment.currency_code,
                },
            )
            await recompute_collection(session, payment.payment_collection_id)
            return (await load_payments(session, [payment]))[0]

    async def _set_session_status(
        self, session_id: str, status: str, *, only_from: tuple[str, ...] | None = None
    ) -> None:
        async with write_transaction(self._sessionmaker) as session:
            row = await payment_repo.lock_session(session, session_id)
            if row is None or row.status in _SETTLED:
                return
            if only_from is not None and row.status not in only_from:
                return
            if await payment_repo.live_payment_for_session(session, session_id) is not None:
                return
            await common.update(session, row, {"status": status})
            await record_event(
                session,
                "payment_session.updated",
                {"id": session_id, "payment_collection_id": row.payment_collection_id, "status": status},
            )
            await recompute_collection(session, row.payment_collection_id)

    async def _cancel_from_webhook(self, session_id: str) -> None:
        async with read_session(self._sessionmaker) as session:
            payment = await payment_repo.live_payment_for_session(session, session_id)
            captured = bool(payment and await payment_repo.payment_ids_with_captures(session, [payment.id]))
        if payment is None:
            async with write_transaction(self._sessionmaker) as session:
                row = await payment_repo.lock_session(session, session_id)
                if row is not None and row.status != "canceled":
                    await common.update(session, row, {"status": "canceled"})
                    await record_event(
                        session,
                        "payment_session.updated",
                        {
                            "id": session_id,
                            "payment_collection_id": row.payment_collection_id,
                            "status": "canceled",
                        },
                    )
                    await recompute_collection(session, row.payment_collection_id)
            return
        if payment.canceled_at is None and not captured:
            # Canceled at the provider (dashboard, expiry): cancel ours; the provider's cancel of an
            # already canceled intent succeeds.
            await self._payments.cancel_payment(payment.id)
