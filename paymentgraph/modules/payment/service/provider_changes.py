"""Changes made at the provider, recorded from its webhooks: refunds and disputes.

- Refunds (Stripe ``charge.refunded``): each provider refund the event lists becomes one ``Refund`` row
  (``created_by`` null, note ``provider``) unless it is already known, by its provider refund id or,
  for a refund we asked for ourselves, by our refund id that the provider echoes back (Stripe: the
  refund's ``metadata.refund_id``). The lists are cumulative, so whichever event arrives first records
  everything so far and the rest change nothing; the ``(payment_id, provider_refund_id)`` unique index
  is the hard guard.
- Disputes (Stripe ``charge.dispute.*``): one ``Dispute`` row per provider dispute, kept at its latest
  state. An event older than what is stored (fewer balance transactions, or created earlier) changes
  nothing, so repeated and reordered deliveries converge. While the bank holds the disputed money
  (funds withdrawn and not reinstated) the dispute's amount counts in the collection's
  ``refunded_amount``, like a refund: the money has gone back to the customer.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from paymentgraph.db.ids import new_id
from paymentgraph.db.session import read_session, write_transaction
from paymentgraph.errors import (
    AuthorizationFailed,
    AuthorizationPending,
    Conflict,
    InvalidData,
    RequiresMore,
    not_found,
)
from paymentgraph.events.outbox import record_event
from paymentgraph.modules.payment import dto, models
from paymentgraph.modules.payment.entities import DISPUTE_STATUSES
from paymentgraph.modules.payment.providers.base import WebhookResult
from paymentgraph.modules.payment.repository import common
from paymentgraph.modules.payment.repository import disputes as dispute_repo
from paymentgraph.modules.payment.repository import payments as payment_repo
from paymentgraph.modules.payment.service.authorize import AuthorizationService
from paymentgraph.modules.payment.service.mapping import dispute_dto
from paymentgraph.modules.payment.service.recompute import recompute_collection

ZERO = Decimal(0)
PROVIDER_NOTE = "provider"


def _when(value: Any) -> datetime | None:
    return datetime.fromisoformat(value) if isinstance(value, str) and value else None


class ProviderChangeService:
    """Refunds and disputes the provider reports; a payment it captured at once is authorized first."""

    def __init__(
        self, sessionmaker: async_sessionmaker[AsyncSession], authorization: AuthorizationService
    ) -> None:
        self._sessionmaker = sessionmaker
        self._authorization = authorization

    async def _payment_of_changed_session(self, session_id: str) -> str:
        """The id of the session's payment; one captured at once by the provider is recorded first."""
        async with read_session(self._sessionmaker) as session:
            payment = await payment_repo.live_payment_for_session(session, session_id)
        if payment is not None:
            return payment.id
        try:
            # Auto-capture whose succeeded event was not applied yet: authorizing reads it as captured.
            return (await self._authorization.authorize_payment_session(session_id)).id
        except (AuthorizationFailed, AuthorizationPending, RequiresMore) as exc:
            raise Conflict(
                f"Payment session {session_id} has no payment yet for this provider change "
                f"({exc.message}); the event is retried later",
                payment_session_id=session_id,
            ) from None

    async def record_refunds(self, session_id: str, result: WebhookResult) -> None:
        facts = [f for f in (result.details or {}).get("refunds") or [] if isinstance(f, dict)]
        if not facts:
            return
        payment_id = await self._payment_of_changed_session(session_id)
        async with write_transaction(self._sessionmaker) as session:
            payment = await common.get(session, models.Payment, payment_id, lock=True)
            if payment is None:
                raise not_found("Payment", payment_id)
            refunds = await payment_repo.refunds_of(session, [payment_id])
            known = {r.provider_refund_id for r in refunds if r.provider_refund_id}
            ours = {r.id: r for r in refunds}
            new: list[tuple[str, Decimal]] = []
            for fact in facts:
                provider_refund_id = fact.get("id")
                if not isinstance(provider_refund_id, str) or provider_refund_id in known:
                    continue
                own = ours.get(fact.get("refund_id") or "")
                if own is not None:
                    # Ours: recorded (or being recorded) by our own refund call; remember its provider id.
                    if own.provider_refund_id is None:
                        await common.update(session, own, {"provider_refund_id": provider_refund_id})
                    known.add(provider_refund_id)
                    continue
                known.add(provider_refund_id)
                new.append((provider_refund_id, Decimal(str(fact["amount"]))))
            if not new:
                return
            added = sum((amount for _, amount in new), ZERO)
            refunded = sum((r.amount for r in refunds if r.status == "succeeded"), ZERO)
            if refunded + added > payment.captured_amount:
                # The capture these refunds come from is not recorded yet (its event is on its way).
                raise Conflict(
                    f"The provider reports refunds of payment {payment_id} beyond what is recorded as "
                    "captured; the event is retried later",
                    payment_id=payment_id,
                )
            for provider_refund_id, amount in new:
                await common.insert(
                    session,
                    models.Refund,
                    {
                        "id": new_id("ref"),
                        "payment_id": payment_id,
                        "amount": amount,
                        "status": "succeeded",
                        "note": PROVIDER_NOTE,
                        "created_by": None,
                        "provider_refund_id": provider_refund_id,
                        "metadata": {"source": "webhook", "event_id": result.event_id},
                    },
                )
            await common.update(session, payment, {"refunded_amount": payment.refunded_amount + added})
            await record_event(
                session,
                "payment.refunded",
                {
                    "id": payment_id,
                    "payment_collection_id": payment.payment_collection_id,
                    "amount": added,
                    "currency_code": payment.currency_code,
                    "source": "provider",
                },
            )
            await recompute_collection(session, payment.payment_collection_id)

    async def record_dispute(self, provider_id: str, session_id: str, result: WebhookResult) -> None:
        facts = (result.details or {}).get("dispute")
        if not isinstance(facts, dict):
            return
        if facts.get("status") not in DISPUTE_STATUSES:
            raise InvalidData(
                f"Unknown dispute status {facts.get('status')!r} from {provider_id}",
                provider_id=provider_id,
                external_id=facts.get("id"),
            )
        payment_id = await self._payment_of_changed_session(session_id)
        amount = Decimal(str(facts["amount"]))
        event_at = _when(facts.get("event_created"))
        count = int(facts.get("balance_transactions") or 0)
        values: dict[str, Any] = {
            "amount": amount,
            "currency_code": facts["currency_code"],
            "reason": facts.get("reason"),
            "status": facts["status"],
            "evidence_due_by": _when(facts.get("evidence_due_by")),
            "withdrawn_amount": amount if facts.get("withdrawn") else ZERO,
            "balance_transaction_count": count,
            "provider_event_at": event_at,
        }
        async with write_transaction(self._sessionmaker) as session:
            payment = await common.get(session, models.Payment, payment_id, lock=True)
            if payment is None:
                raise not_found("Payment", payment_id)
            row = await dispute_repo.lock_dispute(session, provider_id, facts["id"])
            event_data = {
                "payment_id": payment_id,
                "payment_collection_id": payment.payment_collection_id,
                "amount": amount,
                "currency_code": facts["currency_code"],
                "status": facts["status"],
            }
            if row is None:
                dispute_id = new_id("disp")
                await common.insert(
                    session,
                    models.Dispute,
                    {
                        "id": dispute_id,
                        "payment_id": payment_id,
                        "provider_id": provider_id,
                        "external_id": facts["id"],
                        **values,
                    },
                )
                await record_event(session, "dispute.created", {"id": dispute_id, **event_data})
            else:
                stored = (row.balance_transaction_count, row.provider_event_at or event_at)
                if event_at is not None and (count, event_at) < stored:
                    return  # an older state than the one recorded: a late or repeated delivery
                await common.update(session, row, values)
                await record_event(session, "dispute.updated", {"id": row.id, **event_data})
            await recompute_collection(session, payment.payment_collection_id)

    async def list_disputes(
        self, filters: Mapping[str, Any] | None = None, *, skip: int = 0, take: int | None = None
    ) -> list[dto.Dispute]:
        """Disputes matching equality/IN filters (e.g. ``{"payment_id": id}``), oldest first."""
        async with read_session(self._sessionmaker) as session:
            rows = await common.list_rows(session, models.Dispute, filters, skip=skip, take=take)
            return [dispute_dto(r) for r in rows]
