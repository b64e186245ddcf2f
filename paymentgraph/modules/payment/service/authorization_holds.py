"""Authorizations the provider still holds: what the abandoned-authorization task may release."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from paymentgraph.db.session import read_session
from paymentgraph.db.types import utcnow
from paymentgraph.modules.payment import dto
from paymentgraph.modules.payment.repository import authorization_holds as holds_repo
from paymentgraph.modules.payment.service.mapping import load_payments


class AuthorizationHoldService:
    """Payments whose authorization the provider still holds."""

    def __init__(self, sessionmaker: async_sessionmaker[AsyncSession]) -> None:
        self._sessionmaker = sessionmaker

    async def list_held_authorizations(
        self, *, authorized_before: datetime | None, now: datetime | None = None
    ) -> list[dto.Payment]:
        """Live, uncanceled payments with nothing captured (or being captured) that were authorized
        before ``authorized_before`` (None: any time) or whose authorization expired by ``now``."""
        async with read_session(self._sessionmaker) as session:
            rows = await holds_repo.held_authorizations(
                session, authorized_before=authorized_before, now=now or utcnow()
            )
            return await load_payments(session, rows)
