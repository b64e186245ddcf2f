"""paymentgraph: Medusa v2's payment module in Python, served as a GraphQL API."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from paymentgraph.connection import PaymentGraph

__all__ = ["PaymentGraph"]


def __getattr__(name: str) -> Any:
    # Lazy, so ``import paymentgraph.money`` does not pull in every module.
    if name == "PaymentGraph":
        from paymentgraph.connection import PaymentGraph

        return PaymentGraph
    raise AttributeError(name)
