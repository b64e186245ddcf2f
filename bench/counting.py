"""SQL statements per request, counted on the engine (see :mod:`paymentgraph.db.counting`)."""

from __future__ import annotations

from paymentgraph.db.counting import StatementCounter, counting

__all__ = ["StatementCounter", "counting"]
