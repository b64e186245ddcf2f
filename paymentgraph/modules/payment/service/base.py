"""State shared by the service's concerns: the sessionmaker, the providers, and provider calls."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Mapping
from contextlib import asynccontextmanager
from typing import Any, TypeVar

from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession, async_sessionmaker

from paymentgraph.db.session import write_transaction
from paymentgraph.errors import (
    DomainError,
    InvalidData,
    NotAllowed,
    ProviderError,
    ProviderUnavailable,
    not_found,
)
from paymentgraph.modules.payment import models
from paymentgraph.modules.payment.providers.base import AbstractPaymentProvider, ProviderContext
from paymentgraph.modules.payment.providers.registry import ProviderRegistry
from paymentgraph.modules.payment.repository import common

T = TypeVar("T")

_CONTEXT_KEYS = {"idempotency_key", "customer", "account_holder"}


def provider_context(context: Mapping[str, Any] | None, *, idempotency_key: str | None) -> ProviderContext:
    """The provider context from a caller's dict; our idempotency key wins over the caller's."""
    context = require_dict(context, "context")
    return ProviderContext(
        idempotency_key=idempotency_key or context.get("idempotency_key"),
        customer=context.get("customer"),
        account_holder=context.get("account_holder"),
        extra={k: v for k, v in context.items() if k not in _CONTEXT_KEYS},
    )


def require_dict(value: Any, field: str) -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise InvalidData(f"{field} must be an object", field=field)
    return dict(value)


class ServiceBase:
    def __init__(self, sessionmaker: async_sessionmaker[AsyncSession], providers: ProviderRegistry) -> None:
        self.sessionmaker = sessionmaker
        self.providers = providers
        engine: AsyncEngine = sessionmaker.kw["bind"]
        # PostgreSQL runs a lone statement as its own transaction: autocommit saves the BEGIN and the
        # COMMIT round trips. (Not on SQLite, whose writers must take the write lock up front.)
        self._autocommit: AsyncEngine | None = (
            engine.execution_options(isolation_level="AUTOCOMMIT")
            if engine.dialect.name == "postgresql"
            else None
        )

    @asynccontextmanager
    async def _one_statement_write(self) -> AsyncIterator[AsyncConnection]:
        """A connection for ONE self-contained write statement (atomic on its own; never two)."""
        if self._autocommit is None:
            async with write_transaction(self.sessionmaker) as session:
                yield await session.connection()
            return
        async with self._autocommit.connect() as conn:
            yield conn

    @asynccontextmanager
    async def _one_statement_read(self) -> AsyncIterator[AsyncConnection]:
        """A connection for ONE read statement (a consistent snapshot on its own)."""
        engine: AsyncEngine = self._autocommit or self.sessionmaker.kw["bind"]
        async with engine.connect() as conn:
            yield conn

    def _provider(self, provider_id: str) -> AbstractPaymentProvider:
        return self.providers.get(provider_id)

    async def _enabled_provider(self, session: AsyncSession, provider_id: Any) -> AbstractPaymentProvider:
        """A loaded provider whose row is enabled; NOT_FOUND for an unknown id, NOT_ALLOWED otherwise."""
        if not isinstance(provider_id, str) or not provider_id:
            raise InvalidData("provider_id is required", field="provider_id")
        row = await common.get(session, models.PaymentProvider, provider_id)
        return self._usable_provider(provider_id, None if row is None else row.is_enabled)

    def _usable_provider(self, provider_id: Any, enabled: bool | None) -> AbstractPaymentProvider:
        """The loaded provider if its row's is_enabled (``enabled``, None: no live row) allows it."""
        if not isinstance(provider_id, str) or not provider_id:
            raise InvalidData("provider_id is required", field="provider_id")
        if enabled is None:
            # Unknown everywhere (the same answer as initiatePaymentSession and the provider registry).
            raise not_found("PaymentProvider", provider_id)
        if provider_id not in self.providers:
            raise NotAllowed(
                f"Payment provider {provider_id} is not loaded in this process; loaded providers: "
                f"{', '.join(self.providers.ids()) or 'none'}",
                provider_id=provider_id,
            )
        if not enabled:
            raise NotAllowed(f"Payment provider {provider_id} is disabled", provider_id=provider_id)
        return self.providers.get(provider_id)

    async def _drop_pending(self, model: type[models.Capture] | type[models.Refund], id: str) -> None:
        """Remove a capture or refund the provider refused, unless it was recorded meanwhile."""
        async with write_transaction(self.sessionmaker) as session:
            row = await common.get(session, model, id, lock=True)
            if row is not None and row.status == "pending":
                await common.hard_delete(session, model, [id])

    async def _call(self, provider_id: str, action: str, call: Awaitable[T], **ids: Any) -> T:
        """Await a provider call; its errors come out naming the provider and ``ids``.

        A DomainError is the provider's own verdict (a refusal, or ProviderUnavailable); any other
        exception is an outcome the provider did not vouch for, so ProviderUnavailable (see
        providers/base.py). A cancellation or crash (BaseException) passes through untouched.
        """
        try:
            return await call
        except (ProviderError, ProviderUnavailable) as exc:
            exc.details.setdefault("provider_id", provider_id)
            for key, value in ids.items():
                if value is not None:
                    exc.details.setdefault(key, value)
            raise
        except DomainError:
            raise
        except Exception as exc:
            raise ProviderUnavailable(
                f"Payment provider {provider_id} did not say whether it could {action} ({exc}); "
                "nothing is lost: retry the same request",
                provider_id=provider_id,
                **ids,
            ) from exc
