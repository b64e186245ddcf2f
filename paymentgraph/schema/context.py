"""The per-request GraphQL context."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from paymentgraph.db.reach import Scope
from paymentgraph.identity.principal import IN_PROCESS_ADMIN, Principal

if TYPE_CHECKING:
    from paymentgraph.connection import PaymentGraph


@dataclass
class Context:
    """What every resolver sees as ``info.context``.

    ``pg`` is the connected PaymentGraph (services, link service, query graph). ``principal`` is who is
    asking, decided from the bearer token before execution (in-process: the admin, with no actor).
    ``cache`` is per request (loaders, memoised lookups).
    """

    pg: PaymentGraph
    principal: Principal = IN_PROCESS_ADMIN
    request: Any = None  # the starlette Request over HTTP; None in-process
    request_id: str = field(default_factory=lambda: uuid.uuid4().hex)
    idempotency_key: str | None = None
    # Whose Idempotency-Keys these are (schema/idempotency.py's caller_scope of the Authorization header),
    # worked out once per HTTP request; None in process and over WebSocket, where no key is claimed.
    credential: str | None = None
    cache: dict[str, Any] = field(default_factory=dict)

    @property
    def scope(self) -> Scope:
        return self.principal.scope

    @property
    def actor(self) -> str | None:
        """Who is acting, for audit fields and events: "apk_...", "token:<n>", a customer id, or None."""
        return self.principal.actor


def principal_of(context: Any) -> Principal:
    """The principal of any GraphQL context (in-process contexts without one act as the admin)."""
    principal = getattr(context, "principal", None)
    return principal if isinstance(principal, Principal) else IN_PROCESS_ADMIN
