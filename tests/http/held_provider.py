"""A test provider (``pp_held_test``) that a test can hold mid-request, and whose webhooks are stored.

Loaded the way a store loads its own provider: a configuration file names ``held_provider:HeldProvider``
(:func:`write_config`). ``initiate_payment`` (``createPaymentSession``) and ``list_payment_methods``
(an account holder's ``paymentMethods``) wait until the test releases them,
so a request stays in flight for as long as the test wants, without timing. A webhook body
``{"id": "evt_..."}`` is accepted unsigned as a pending event with that id. Importable by basename.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import ClassVar

from paymentgraph.modules.payment.providers.base import (
    AccountHolderInput,
    InitiatePaymentInput,
    InitiatePaymentOutput,
    PaymentMethodOutput,
    WebhookAction,
    WebhookPayload,
    WebhookResult,
)
from paymentgraph.modules.payment.providers.system import SystemPaymentProvider

PROVIDER_ID = "pp_held_test"
WEBHOOK_PATH = "/hooks/payment/held_test"


class HeldProvider(SystemPaymentProvider):
    identifier = "held"
    # Set by the test (:meth:`hold`); class-level because the app builds the instance from the file.
    entered: ClassVar[asyncio.Event | None] = None
    release: ClassVar[asyncio.Event | None] = None

    @classmethod
    def hold(cls) -> tuple[asyncio.Event, asyncio.Event]:
        """From now on ``initiate_payment`` sets ``entered`` and waits for ``release``."""
        cls.entered, cls.release = asyncio.Event(), asyncio.Event()
        return cls.entered, cls.release

    async def initiate_payment(self, input: InitiatePaymentInput) -> InitiatePaymentOutput:
        if self.entered is not None and self.release is not None:
            self.entered.set()
            await self.release.wait()
        return await super().initiate_payment(input)

    async def list_payment_methods(self, input: AccountHolderInput) -> list[PaymentMethodOutput]:
        # Held too: a query (an account holder's paymentMethods) stays in flight while the test wants.
        if self.entered is not None and self.release is not None:
            self.entered.set()
            await self.release.wait()
        return await super().list_payment_methods(input)

    async def get_webhook_action_and_data(self, payload: WebhookPayload) -> WebhookResult:
        event_id = payload.data.get("id")
        return WebhookResult(
            action=WebhookAction.PENDING, event_id=str(event_id) if event_id else None, event_type="held.test"
        )


def write_config(directory: Path) -> Path:
    """A configuration file that loads :class:`HeldProvider` as ``pp_held_test``."""
    path = directory / "paymentgraph.toml"
    path.write_text('[[providers]]\nresolve = "held_provider:HeldProvider"\nid = "test"\n')
    return path
