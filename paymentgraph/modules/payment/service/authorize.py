"""Authorizing a payment session: the provider first (outside a transaction), then the payment row.

Idempotent: a session that already has its payment returns it without asking the provider. When two
authorizations race, the session row lock (and behind it the unique live-payment-per-session index)
lets one record the payment; the other returns that payment and never cancels the winner's
authorization (Medusa's rollback could, reference section 4.9 step 6).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from sqlalchemy.exc import IntegrityError

from paymentgraph.db.ids import new_id
from paymentgraph.db.session import read_session, write_transaction
from paymentgraph.db.types import utcnow
from paymentgraph.errors import (
    AuthorizationFailed,
    AuthorizationPending,
    NotAllowed,
    RequiresMore,
    not_found,
)
from paymentgraph.events.outbox import event_row, record_event, record_events
from paymentgraph.modules.payment import dto, models
from paymentgraph.modules.payment.providers.base import (
    PaymentInput,
    PaymentOutput,
    ProviderContext,
    SessionStatus,
)
from paymentgraph.modules.payment.repository import collection_guard, common, payment_rows
from paymentgraph.modules.payment.repository import collections as collection_repo
from paymentgraph.modules.payment.repository import payments as payment_repo
from paymentgraph.modules.payment.repository import sessions as session_repo
from paymentgraph.modules.payment.service.database import Database
from paymentgraph.modules.payment.service.inputs import provider_context
from paymentgraph.modules.payment.service.mapping import (
    capture_dto,
    load_payments,
    payment_dto,
)
from paymentgraph.modules.payment.service.provider_calls import ProviderCalls
from paymentgraph.modules.payment.service.recompute import recompute_collection, recompute_locked, recomputed

logger = logging.getLogger(__name__)

_SUCCESS = {SessionStatus.AUTHORIZED, SessionStatus.CAPTURED}
ZERO = Decimal(0)


def _authorization_rows(
    row: Mapping[Any, Any], output: PaymentOutput, now: Any
) -> tuple[dict[str, Any], dict[str, Any]]:
    """The session's new values and the payment row of an authorization the provider granted."""
    data = output.data or row["data"] or {}
    session_values = {
        "status": "authorized",
        "data": data,
        "authorized_at": row["authorized_at"] or now,
        "updated_at": now,
    }
    # Captured at the provider already (auto-capture): recorded without asking again.
    captured = output.status == SessionStatus.CAPTURED
    written = {
        "id": new_id("pay"),
        "payment_collection_id": row["payment_collection_id"],
        "payment_session_id": row["id"],
        "amount": row["amount"],
        "currency_code": row["currency_code"],
        "provider_id": row["provider_id"],
        "data": data,
        "captured_at": now if captured else None,
        "canceled_at": None,
        "captured_amount": row["amount"] if captured else ZERO,
        "refunded_amount": ZERO,
        "authorization_expires_at": None if captured else output.authorization_expires_at,
        "created_at": now,
        "updated_at": now,
        "deleted_at": None,
    }
    return session_values, written


def _authorization_events(row: Mapping[Any, Any], payment: Mapping[str, Any]) -> list[dict[str, Any]]:
    collection_id = row["payment_collection_id"]
    return [
        event_row("payment_session.authorized", {"id": row["id"], "payment_collection_id": collection_id}),
        event_row(
            "payment.authorized",
            {
                "id": payment["id"],
                "payment_collection_id": collection_id,
                "payment_session_id": row["id"],
                "amount": row["amount"],
                "currency_code": row["currency_code"],
            },
        ),
    ]


class AuthorizationService:
    """Authorizing a session: the provider first, then its payment recorded (guarded, or under locks)."""

    def __init__(self, db: Database, providers: ProviderCalls) -> None:
        self._db = db
        self._providers = providers

    async def authorize_payment_session(
        self, id: str, context: Mapping[str, Any] | None = None
    ) -> dto.Payment:
        """Authorize a session with its provider and create its payment (returned)."""
        guarded: tuple[dict[str, Any], list[dict[str, Any]]] | None = None
        row: Mapping[Any, Any] | None
        async with self._db.one_statement_read() as conn:
            if self._db.autocommits:
                # With what a guarded write needs: the versions and the collection's facts.
                found = await session_repo.session_for_guarded_authorization(conn, id)
                row = None if found is None else found[0]
                guarded = None if found is None else found[1:]
            else:
                row = await session_repo.session_with_payment(conn, id)
        if row is None:
            raise not_found("PaymentSession", id)
        if row["live_payment_id"] is not None:
            return await self._session_payment(id)
        if row["status"] == "canceled":
            raise NotAllowed(
                f"Payment session {id} is canceled and cannot be authorized", payment_session_id=id
            )

        provider = self._providers.get(row["provider_id"])
        ctx = provider_context(context or row["context"], idempotency_key=id)
        output = await self._providers.call(
            provider.id,
            "authorize the payment",
            provider.authorize_payment(PaymentInput(data=row["data"] or {}, context=ctx)),
            payment_session_id=id,
        )
        if output.status == SessionStatus.PENDING_AUTHORIZATION:
            await self._record_unauthorized(id, output)
            raise AuthorizationPending(
                f"Payment session {id} is being authorized by {provider.id} (an asynchronous payment "
                "method); its payment is created when the provider reports the outcome",
                payment_session_id=id,
                provider_id=provider.id,
                status=output.status.value,
            )
        if output.status not in _SUCCESS:
            await self._record_unauthorized(id, output)
            status = output.status.value if output.status else "unknown"
            error = RequiresMore if output.status == SessionStatus.REQUIRES_MORE else AuthorizationFailed
            raise error(
                f"Session: {id} was not authorized with the provider.",
                payment_session_id=id,
                provider_id=provider.id,
                status=status,
            )

        release_ctx = provider_context(context or row["context"], idempotency_key=f"{id}:release")
        try:
            if guarded is not None and output.status == SessionStatus.AUTHORIZED:
                payment = await self._record_authorization_if_unchanged(id, output, row, *guarded)
                if payment is not None:
                    return payment
            return await self._record_authorization(id, output)
        except IntegrityError:
            # A concurrent authorization recorded the session's payment first: that one stands.
            async with read_session(self._db.sessionmaker) as session:
                winner = await payment_repo.live_payment_for_session(session, id)
                if winner is not None:
                    return (await load_payments(session, [winner]))[0]
            await self._release(provider.id, output, release_ctx)
            raise
        except BaseException:
            await self._release(provider.id, output, release_ctx)
            raise

    async def _release(self, provider_id: str, output: PaymentOutput, ctx: ProviderContext) -> None:
        """Cancel at the provider an authorization we could not record (the original error wins)."""
        try:
            await self._providers.get(provider_id).cancel_payment(PaymentInput(data=output.data, context=ctx))
        except Exception:
            logger.exception("could not cancel an unrecorded authorization at %s", provider_id)

    async def _record_unauthorized(self, session_id: str, output: PaymentOutput) -> None:
        async with write_transaction(self._db.sessionmaker) as session:
            row = await payment_repo.lock_session(session, session_id)
            if row is None:
                return
            if await payment_repo.live_payment_for_session(session, session_id) is not None:
                return  # a webhook authorized it meanwhile: that outcome stands
            status = output.status.value if output.status else "error"
            await common.update(session, row, {"status": status, "data": output.data or row.data})
            await record_event(
                session,
                "payment_session.updated",
                {"id": session_id, "payment_collection_id": row.payment_collection_id, "status": status},
            )
            await recompute_collection(session, row.payment_collection_id)

    async def _session_payment(self, session_id: str) -> dto.Payment:
        """The session's live payment, found a moment ago (it goes only with its session)."""
        async with read_session(self._db.sessionmaker) as session:
            payment = await payment_repo.live_payment_for_session(session, session_id)
            if payment is None:
                raise not_found("PaymentSession", session_id)
            return (await load_payments(session, [payment]))[0]

    async def _record_authorization_if_unchanged(
        self,
        session_id: str,
        output: PaymentOutput,
        row: Mapping[Any, Any],
        collection: Mapping[str, Any],
        facts: list[dict[str, Any]],
    ) -> dto.Payment | None:
        """PostgreSQL: record the authorization in one autocommit statement, guarded by the session's
        and its collection's row versions as read before the provider was asked (the decision and the
        collection's numbers rest on that read); None: either changed meanwhile (or the collection is
        deleted), nothing written: the caller records it under the locks instead."""
        assert self._db.autocommits
        if collection["deleted_at"] is not None:
            return None
        session_values, written = _authorization_rows(row, output, utcnow())
        authorized = _authorization_events(row, written)  # first: event ids grow in the order made
        as_written = [
            {**f, "status": "authorized"} if f["kind"] == "s" and f["session_id"] == session_id else f
            for f in facts
        ]
        changed, events = recomputed(collection, [*as_written, collection_repo.payment_fact(written)])

        async with self._db.autocommit_connection() as conn:
            done = await collection_guard.write_if_unchanged(
                conn,
                session_repo.authorization_guard,
                {
                    "guard_session_id": session_id,
                    "guard_session_version": row["version"],
                    "guard_collection_version": collection["version"],
                },
                collection["id"],
                changed,
                [
                    collection_guard.Guarded(session_repo.SESSION, session_values, session_id),
                    collection_guard.Guarded(payment_rows.PAYMENT, written),
                ],
                [*authorized, *events],
            )
        if done is None:
            return None
        return payment_dto({**written, "metadata": None}, [])

    async def _record_authorization(self, session_id: str, output: PaymentOutput) -> dto.Payment:
        async with write_transaction(self._db.sessionmaker) as session:
            conn = await session.connection()
            # One statement locks the session, then its collection (recomputed below).
            found = await session_repo.session_for_authorization(conn, session_id)
            if found is None:
                raise not_found("PaymentSession", session_id)
            row, collection = found
            existing = row["live_payment_id"]
            if existing is not None:
                # The session lock serialised us behind a concurrent authorization that won.
                payment = await common.get(session, models.Payment, existing)
                assert payment is not None
                return (await load_payments(session, [payment]))[0]
            now = utcnow()
            session_values, written = _authorization_rows(row, output, now)
            captured = output.status == SessionStatus.CAPTURED
            # metadata and created_by stay unwritten (SQL NULL, not a JSON null), as the ORM left them.
            facts = await session_repo.authorize_session(conn, session_id, session_values, written)
            collection_id = row["payment_collection_id"]
            await record_events(conn, _authorization_events(row, written))
            captures: list[dto.Capture] = []
            if captured:
                capture = {
                    "id": new_id("capt"),
                    "payment_id": written["id"],
                    "amount": row["amount"],
                    "status": "succeeded",
                    "created_at": now,
                    "updated_at": now,
                    "deleted_at": None,
                }
                await payment_rows.insert_capture(conn, capture)
                await record_event(
                    conn,
                    "payment.captured",
                    {
                        "id": written["id"],
                        "payment_collection_id": collection_id,
                        "capture_id": capture["id"],
                        "amount": row["amount"],
                        "currency_code": row["currency_code"],
                    },
                )
                captures.append(capture_dto({**capture, "created_by": None, "metadata": None}))
            if collection["deleted_at"] is None:
                await recompute_locked(conn, collection, facts)
            # Just created: its captures are the one above at most, and it has no refunds.
            return payment_dto({**written, "metadata": None}, captures)
