"""Medusa's ``listAndCount<X>s``: a page of any payment entity and how many match in all."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import Any, TypeVar, cast

from paymentgraph.db.base import Base
from paymentgraph.db.session import read_session
from paymentgraph.modules.payment import dto, models
from paymentgraph.modules.payment.repository import common
from paymentgraph.modules.payment.service.base import ServiceBase

T = TypeVar("T")
Filters = Mapping[str, Any] | None
Lister = Callable[..., Awaitable[list[T]]]


class ListingMixin(ServiceBase):
    # The list_<entities> methods are the other mixins' (PaymentModuleService has them all); inheriting
    # them here would tie this mixin's method resolution order to theirs.
    async def _list_and_count(
        self, lister: Lister[T], model: type[Base], filters: Filters, skip: int, take: int | None
    ) -> tuple[list[T], int]:
        """``lister``'s page and the count of every live row matching ``filters`` (two reads)."""
        items = await lister(filters, skip=skip, take=take)
        async with read_session(self.sessionmaker) as session:
            count = await common.count_rows(session, model, filters)
        return items, count

    async def list_and_count_payment_collections(
        self, filters: Filters = None, *, skip: int = 0, take: int | None = None
    ) -> tuple[list[dto.PaymentCollection], int]:
        return await self._list_and_count(
            cast(Any, self).list_payment_collections,
            models.PaymentCollection,
            filters,
            skip,
            take,
        )

    async def list_and_count_payment_sessions(
        self, filters: Filters = None, *, skip: int = 0, take: int | None = None
    ) -> tuple[list[dto.PaymentSession], int]:
        return await self._list_and_count(
            cast(Any, self).list_payment_sessions,
            models.PaymentSession,
            filters,
            skip,
            take,
        )

    async def list_and_count_payments(
        self, filters: Filters = None, *, skip: int = 0, take: int | None = None
    ) -> tuple[list[dto.Payment], int]:
        return await self._list_and_count(
            cast(Any, self).list_payments,
            models.Payment,
            filters,
            skip,
            take,
        )

    async def list_and_count_captures(
        self, filters: Filters = None, *, skip: int = 0, take: int | None = None
    ) -> tuple[list[dto.Capture], int]:
        return await self._list_and_count(
            cast(Any, self).list_captures,
            models.Capture,
            filters,
            skip,
            take,
        )

    async def list_and_count_refunds(
        self, filters: Filters = None, *, skip: int = 0, take: int | None = None
    ) -> tuple[list[dto.Refund], int]:
        return await self._list_and_count(
            cast(Any, self).list_refunds,
            models.Refund,
            filters,
            skip,
            take,
        )

    async def list_and_count_refund_reasons(
        self, filters: Filters = None, *, skip: int = 0, take: int | None = None
    ) -> tuple[list[dto.RefundReason], int]:
        return await self._list_and_count(
            cast(Any, self).list_refund_reasons,
            models.RefundReason,
            filters,
            skip,
            take,
        )

    async def list_and_count_account_holders(
        self, filters: Filters = None, *, skip: int = 0, take: int | None = None
    ) -> tuple[list[dto.AccountHolder], int]:
        return await self._list_and_count(
            cast(Any, self).list_account_holders,
            models.AccountHolder,
            filters,
            skip,
            take,
        )

    async def list_and_count_payment_providers(
        self, filters: Filters = None, *, skip: int = 0, take: int | None = None
    ) -> tuple[list[dto.PaymentProvider], int]:
        return await self._list_and_count(
            cast(Any, self).list_payment_providers,
            models.PaymentProvider,
            filters,
            skip,
            take,
        )
