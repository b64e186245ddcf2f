"""Account holders (the provider's customer) and saved payment methods, through the provider."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, overload

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from paymentgraph.db.ids import new_id
from paymentgraph.db.session import read_session, write_transaction
from paymentgraph.errors import InvalidData, NotAllowed, not_found
from paymentgraph.modules.payment import dto, models
from paymentgraph.modules.payment.providers.base import AccountHolderInput
from paymentgraph.modules.payment.repository import account_holders as holder_repo
from paymentgraph.modules.payment.repository import common
from paymentgraph.modules.payment.service.inputs import provider_context, require_dict
from paymentgraph.modules.payment.service.listing import Filters, list_and_count
from paymentgraph.modules.payment.service.mapping import account_holder_dto
from paymentgraph.modules.payment.service.provider_calls import ProviderCalls


def _holder_context(row: models.AccountHolder) -> dict[str, Any]:
    return {
        "id": row.id,
        "provider_id": row.provider_id,
        "external_id": row.external_id,
        "email": row.email,
        "data": row.data or {},
    }


class AccountHolderService:
    """Account holders and saved payment methods: the provider is asked first, then our rows follow."""

    def __init__(self, sessionmaker: async_sessionmaker[AsyncSession], providers: ProviderCalls) -> None:
        self._sessionmaker = sessionmaker
        self._providers = providers

    async def create_account_holder(self, data: Mapping[str, Any]) -> dto.AccountHolder | None:
        """Create the provider's customer for ``context.customer``; None if the provider keeps none.

        An existing holder for the same provider customer is returned instead of failing.
        """
        data = require_dict(data, "data")
        context = require_dict(data.get("context"), "context")
        customer = require_dict(context.get("customer"), "context.customer")
        if not customer.get("id"):
            raise InvalidData(
                "context.customer with an id is required to create an account holder", field="customer"
            )
        provider_id = data.get("provider_id")
        async with read_session(self._sessionmaker) as session:
            provider = await self._providers.enabled(session, provider_id)
        output = await self._providers.call(
            provider.id,
            "create the account holder",
            provider.create_account_holder(
                AccountHolderInput(context=provider_context(context, idempotency_key=str(customer["id"])))
            ),
            customer_id=customer["id"],
        )
        if output is None or not output.id:
            return None
        values = {
            "id": new_id("acchld"),
            "provider_id": provider.id,
            "external_id": output.id,
            "email": customer.get("email"),
            "data": output.data,
            "metadata": require_dict(data.get("metadata"), "metadata") or None,
        }
        try:
            async with write_transaction(self._sessionmaker) as session:
                existing = await holder_repo.find_account_holder(session, provider.id, output.id)
                if existing is not None:
                    return account_holder_dto(existing)
                return account_holder_dto(await common.insert(session, models.AccountHolder, values))
        except IntegrityError:
            # Created concurrently for the same provider customer: return that one.
            async with read_session(self._sessionmaker) as session:
                existing = await holder_repo.find_account_holder(session, provider.id, output.id)
                if existing is None:
                    raise
                return account_holder_dto(existing)

    async def update_account_holder(self, data: Mapping[str, Any]) -> dto.AccountHolder:
        """Update a holder at its provider (``context``/``data``/``email``) and its ``email`` and
        ``metadata`` here."""
        data = require_dict(data, "data")
        id = data.get("id")
        if not isinstance(id, str) or not id:
            raise InvalidData("id is required", field="id")
        async with read_session(self._sessionmaker) as session:
            row = await common.get(session, models.AccountHolder, id)
            if row is None:
                raise not_found("AccountHolder", id)
        provider = self._providers.get(row.provider_id)
        context = {**require_dict(data.get("context"), "context"), "account_holder": _holder_context(row)}
        if "email" in data:
            email = data["email"]
            if email is not None and (not isinstance(email, str) or "@" not in email):
                raise InvalidData(f"email must be an email address, got {email!r}", field="email")
            # The provider's customer gets the new address too (Stripe reads it from context.customer).
            context["customer"] = {
                **require_dict(context.get("customer"), "context.customer"),
                "email": email,
            }
        new_data = await self._providers.call(
            provider.id,
            "update the account holder",
            provider.update_account_holder(
                AccountHolderInput(
                    context=provider_context(context, idempotency_key=None),
                    data=require_dict(data.get("data"), "data"),
                )
            ),
            account_holder_id=id,
        )
        values: dict[str, Any] = {}
        if new_data:
            values["data"] = new_data
        if "metadata" in data:
            values["metadata"] = require_dict(data["metadata"], "metadata") or None
        if "email" in data:
            values["email"] = data["email"]
        async with write_transaction(self._sessionmaker) as session:
            locked = await common.get(session, models.AccountHolder, id, lock=True)
            if locked is None:
                raise not_found("AccountHolder", id)
            await common.update(session, locked, values)
            return account_holder_dto(locked)

    async def delete_account_holder(self, id: str) -> None:
        """Delete at the provider first, so a failure there keeps our row (Medusa deletes it first)."""
        async with read_session(self._sessionmaker) as session:
            row = await common.get(session, models.AccountHolder, id)
            if row is None:
                raise not_found("AccountHolder", id)
        provider = self._providers.get(row.provider_id)
        context = {"account_holder": _holder_context(row)}
        await self._providers.call(
            provider.id,
            "delete the account holder",
            provider.delete_account_holder(
                AccountHolderInput(context=provider_context(context, idempotency_key=None))
            ),
            account_holder_id=id,
        )
        async with write_transaction(self._sessionmaker) as session:
            await common.hard_delete(session, models.AccountHolder, [id])

    async def retrieve_account_holder(self, id: str) -> dto.AccountHolder:
        async with read_session(self._sessionmaker) as session:
            row = await common.get(session, models.AccountHolder, id)
            if row is None:
                raise not_found("AccountHolder", id)
            return account_holder_dto(row)

    async def list_account_holders(
        self, filters: Mapping[str, Any] | None = None, *, skip: int = 0, take: int | None = None
    ) -> list[dto.AccountHolder]:
        async with read_session(self._sessionmaker) as session:
            rows = await common.list_rows(session, models.AccountHolder, filters, skip=skip, take=take)
            return [account_holder_dto(r) for r in rows]

    async def _method_context(self, context: Mapping[str, Any] | None) -> dict[str, Any]:
        """The caller's context; an ``account_holder`` given by id only is filled in from its row."""
        context = require_dict(context, "context")
        holder = context.get("account_holder")
        if isinstance(holder, Mapping) and holder.get("id") and "data" not in holder:
            async with read_session(self._sessionmaker) as session:
                row = await common.get(session, models.AccountHolder, str(holder["id"]))
                if row is None:
                    raise not_found("AccountHolder", str(holder["id"]))
            context["account_holder"] = _holder_context(row)
        return context

    async def list_payment_methods(
        self, provider_id: str, context: Mapping[str, Any] | None = None
    ) -> list[dto.PaymentMethod]:
        """The saved payment methods the provider knows for ``context.account_holder``."""
        provider = self._providers.get(provider_id)
        ctx = await self._method_context(context)
        methods = await self._providers.call(
            provider.id,
            "list payment methods",
            provider.list_payment_methods(
                AccountHolderInput(context=provider_context(ctx, idempotency_key=None))
            ),
        )
        return [dto.PaymentMethod(id=m.id, provider_id=provider.id, data=m.data) for m in methods]

    async def save_payment_method(self, data: Mapping[str, Any]) -> dto.PaymentMethod:
        """Save a payment method with the provider from ``{provider_id, data, context}``.

        ``provider_id`` may be left out when ``context.account_holder.id`` names a holder: its provider.
        """
        data = require_dict(data, "data")
        ctx = await self._method_context(data.get("context"))
        provider_id = data.get("provider_id")
        holder = ctx.get("account_holder")
        if provider_id is None and isinstance(holder, Mapping) and holder.get("provider_id"):
            provider_id = holder["provider_id"]
        provider = self._providers.get(provider_id)  # type: ignore[arg-type]
        output = await self._providers.call(
            provider.id,
            "save the payment method",
            provider.save_payment_method(
                AccountHolderInput(
                    context=provider_context(ctx, idempotency_key=ctx.get("idempotency_key")),
                    data=require_dict(data.get("data"), "data"),
                )
            ),
        )
        if output is None:
            raise NotAllowed(
                f"Payment provider {provider.id} does not save payment methods", provider_id=provider.id
            )
        if output.keep_with_holder:
            await self._keep_with_holder(holder, output.id, output.data)
        return dto.PaymentMethod(id=output.id, provider_id=provider.id, data=output.data)

    async def _keep_with_holder(self, holder: Any, method_id: str, method_data: dict[str, Any]) -> None:
        """Append a saved method to its holder's ``data["payment_methods"]`` (under the holder's lock);
        without a holder there is nothing to keep it with (Medusa's createPaymentMethods allows that)."""
        if not isinstance(holder, Mapping) or not holder.get("id"):
            return
        async with write_transaction(self._sessionmaker) as session:
            row = await common.get(session, models.AccountHolder, str(holder["id"]), lock=True)
            if row is None:
                raise not_found("AccountHolder", str(holder["id"]))
            data = dict(row.data or {})
            methods = [*(data.get("payment_methods") or []), {"id": method_id, "data": method_data}]
            await common.update(session, row, {"data": {**data, "payment_methods": methods}})

    async def delete_payment_method(self, data: Mapping[str, Any]) -> None:
        """Detach saved method ``id`` from ``context.account_holder`` at the holder's provider.

        NOT_FOUND unless the provider lists the method for that holder (one holder cannot remove
        another's methods by naming them).
        """
        data = require_dict(data, "data")
        method_id = data.get("id")
        if not isinstance(method_id, str) or not method_id:
            raise InvalidData("id is required", field="id")
        ctx = await self._method_context(data.get("context"))
        holder = ctx.get("account_holder")
        if not isinstance(holder, Mapping) or not holder.get("provider_id"):
            raise InvalidData("context.account_holder with an id is required", field="account_holder")
        provider = self._providers.get(str(holder["provider_id"]))
        holder_input = AccountHolderInput(context=provider_context(ctx, idempotency_key=None))
        methods = await self._providers.call(
            provider.id, "list payment methods", provider.list_payment_methods(holder_input)
        )
        if method_id not in {m.id for m in methods}:
            raise not_found("PaymentMethod", method_id)
        detached = await self._providers.call(
            provider.id,
            "detach the payment method",
            provider.delete_payment_method(
                AccountHolderInput(context=holder_input.context, data={"id": method_id})
            ),
            payment_method_id=method_id,
        )
        if not detached:
            raise NotAllowed(
                f"Payment provider {provider.id} keeps no payment methods", provider_id=provider.id
            )

    @overload
    async def create_payment_methods(self, data: Mapping[str, Any]) -> dto.PaymentMethod: ...
    @overload
    async def create_payment_methods(self, data: Sequence[Mapping[str, Any]]) -> list[dto.PaymentMethod]: ...
    async def create_payment_methods(
        self, data: Mapping[str, Any] | Sequence[Mapping[str, Any]]
    ) -> dto.PaymentMethod | list[dto.PaymentMethod]:
        """Medusa's name for saving one (dict in) or several (list in) payment methods."""
        if isinstance(data, Mapping):
            return await self.save_payment_method(data)
        return [await self.save_payment_method(item) for item in data]

    async def list_and_count_account_holders(
        self, filters: Filters = None, *, skip: int = 0, take: int | None = None
    ) -> tuple[list[dto.AccountHolder], int]:
        return await list_and_count(
            self._sessionmaker, self.list_account_holders, models.AccountHolder, filters, skip, take
        )
