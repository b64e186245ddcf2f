"""The per-request GraphQL context."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    from paymentgraph.connection import PaymentGraph

Scope = Literal["admin", "store"]


@dataclass
class Context:
    """What every resolver sees as ``info.context``.

    ``pg`` is the connected PaymentGraph (services, link service, query graph). ``scope`` is decided
    from the bearer token before execution. ``cache`` is per request (loaders, memoised lookups).
    """

    pg: PaymentGraph
    scope: Scope = "admin"
    request: Any = None  # the starlette Request over HTTP; None in-process
    request_id: str = field(default_factory=lambda: uuid.uuid4().hex)
    idempotency_key: str | None = None
    cache: dict[str, Any] = field(default_factory=dict)
