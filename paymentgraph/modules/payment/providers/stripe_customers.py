"""Stripe customers as account holders, and the cards saved with them (SetupIntents), for the provider.

Also the small helpers every Stripe call shares: plain dicts out of Stripe objects and the request
options carrying the idempotency key.
"""

from __future__ import annotations

from typing import Any

import stripe

from paymentgraph.errors import ProviderError, ProviderUnavailable
from paymentgraph.modules.payment.providers.base import (
    AccountHolderInput,
    AccountHolderOutput,
    PaymentMethodOutput,
    ProviderContext,
)
from paymentgraph.modules.payment.providers.stripe_errors import provider_error

_CUSTOMER_VIEW = ("id", "object", "email", "name", "phone", "metadata")
_SETUP_VIEW = ("id", "object", "client_secret", "status", "customer", "payment_method", "usage")


def plain(obj: Any) -> dict[str, Any]:
    """A Stripe object as plain dicts and lists (StripeObject is not a dict in stripe-python 16)."""
    return obj.to_dict() if hasattr(obj, "to_dict") else dict(obj)


def request_options(key: str | None) -> stripe.RequestOptions:
    """Options carrying ``key`` as the Idempotency-Key (without one stripe-python makes its own)."""
    return {"idempotency_key": key} if key else {}


def suffixed(key: str | None, suffix: str) -> str | None:
    """A derived key: Stripe keys are account-wide, and one reused on another endpoint is refused."""
    return f"{key}:{suffix}" if key else None


def customer_id_of(context: ProviderContext) -> str | None:
    """The Stripe customer id of the context's account holder, if any."""
    holder = context.account_holder or {}
    data = holder.get("data") or {}
    return data.get("id") or holder.get("external_id")


class StripeCustomersMixin:
    """Account holder and saved payment method calls of :class:`StripeProvider`."""

    client: stripe.StripeClient
    id: str

    def _fail(
        self, error: stripe.StripeError, action: str, **ids: Any
    ) -> ProviderError | ProviderUnavailable:
        return provider_error(error, action, provider_id=self.id, **ids)

    async def create_account_holder(self, input: AccountHolderInput) -> AccountHolderOutput:
        existing = customer_id_of(input.context)
        if existing:
            return AccountHolderOutput(existing, dict((input.context.account_holder or {}).get("data") or {}))
        customer = input.context.customer
        if not customer or not customer.get("id"):
            raise ProviderError("Stripe needs a customer in the context to create an account holder")
        name = customer.get("company_name") or " ".join(
            part for part in (customer.get("first_name"), customer.get("last_name")) if part
        )
        params: dict[str, Any] = {"metadata": {"customer_id": customer["id"]}}
        for key, value in (
            ("email", customer.get("email")),
            ("name", name),
            ("phone", customer.get("phone")),
        ):
            if value:
                params[key] = value
        key = input.context.idempotency_key or f"account_holder:{customer['id']}"
        try:
            created = await self.client.v1.customers.create_async(params=params, options=request_options(key))  # type: ignore[arg-type]
        except stripe.StripeError as exc:
            raise self._fail(exc, "create the customer", customer_id=customer["id"]) from None
        view = plain(created)
        return AccountHolderOutput(
            view["id"], {k: view[k] for k in _CUSTOMER_VIEW if view.get(k) is not None}
        )

    async def update_account_holder(self, input: AccountHolderInput) -> dict[str, Any]:
        customer_id = customer_id_of(input.context)
        customer = input.context.customer
        if not customer_id or not customer:
            return {}
        params = {k: customer[k] for k in ("email", "phone") if customer.get(k)}
        try:
            updated = await self.client.v1.customers.update_async(
                customer_id,
                params=params,  # type: ignore[arg-type]
                options=request_options(input.context.idempotency_key),
            )
        except stripe.StripeError as exc:
            raise self._fail(exc, "update the customer", stripe_customer=customer_id) from None
        view = plain(updated)
        return {k: view[k] for k in _CUSTOMER_VIEW if view.get(k) is not None}

    async def delete_account_holder(self, input: AccountHolderInput) -> None:
        customer_id = customer_id_of(input.context)
        if not customer_id:
            raise ProviderError("No Stripe customer id in the account holder; cannot delete it")
        try:
            await self.client.v1.customers.delete_async(customer_id)
        except stripe.StripeError as exc:
            raise self._fail(exc, "delete the customer", stripe_customer=customer_id) from None

    async def retrieve_account_holder(self, id: str) -> AccountHolderOutput | None:
        try:
            customer = plain(await self.client.v1.customers.retrieve_async(id))
        except stripe.InvalidRequestError as exc:
            if exc.http_status == 404:
                return None
            raise self._fail(exc, "retrieve the customer", stripe_customer=id) from None
        except stripe.StripeError as exc:
            raise self._fail(exc, "retrieve the customer", stripe_customer=id) from None
        return AccountHolderOutput(
            customer["id"], {k: customer[k] for k in _CUSTOMER_VIEW if customer.get(k)}
        )

    async def list_payment_methods(self, input: AccountHolderInput) -> list[PaymentMethodOutput]:
        customer_id = customer_id_of(input.context)
        if not customer_id:
            return []
        # GET /v1/payment_methods?customer= rather than /v1/customers/{id}/payment_methods: same list,
        # and the route localstripe serves too.
        params = {"customer": customer_id, "type": input.data.get("type") or "card", "limit": 100}
        try:
            page = await self.client.v1.payment_methods.list_async(params=params)  # type: ignore[arg-type]
        except stripe.StripeError as exc:
            raise self._fail(exc, "list the saved payment methods", stripe_customer=customer_id) from None
        return [
            PaymentMethodOutput(method["id"], _payment_method_view(method)) for method in plain(page)["data"]
        ]

    async def save_payment_method(self, input: AccountHolderInput) -> PaymentMethodOutput:
        customer_id = customer_id_of(input.context)
        if not customer_id:
            raise ProviderError(
                "Saving a payment method with Stripe needs an account holder (a Stripe customer)"
            )
        params = {k: v for k, v in input.data.items() if v is not None}
        params["customer"] = customer_id
        try:
            intent = await self.client.v1.setup_intents.create_async(
                params=params,  # type: ignore[arg-type]
                options=request_options(input.context.idempotency_key),
            )
        except stripe.StripeError as exc:
            raise self._fail(exc, "create the SetupIntent", stripe_customer=customer_id) from None
        view = plain(intent)
        return PaymentMethodOutput(view["id"], {k: view[k] for k in _SETUP_VIEW if view.get(k) is not None})

    async def delete_payment_method(self, input: AccountHolderInput) -> bool:
        method_id = str(input.data.get("id") or "")
        try:
            await self.client.v1.payment_methods.detach_async(method_id)
        except stripe.StripeError as exc:
            raise self._fail(exc, "detach the saved payment method", payment_method=method_id) from None
        return True


def _payment_method_view(method: dict[str, Any]) -> dict[str, Any]:
    card = method.get("card") or {}
    view: dict[str, Any] = {k: method[k] for k in ("id", "object", "type", "customer") if method.get(k)}
    if card:
        view["card"] = {
            k: card[k]
            for k in ("brand", "last4", "exp_month", "exp_year", "country", "funding")
            if card.get(k)
        }
    return view
