"""The Idempotency-Key as resolvers see it: whose key it is, and the key a workflow is run under.

The HTTP side (claiming a key before a mutation runs, replaying its stored answer) is
``paymentgraph/http/idempotency.py``; resolvers that run workflows pass :func:`workflow_key` to them, so a
retried mutation resumes the workflow's recovery points.
"""

from __future__ import annotations

import hashlib
from typing import Any

from paymentgraph.schema.auth import bearer_token


def caller_scope(authorization: str | None) -> str:
    """Keys belong to the caller: one scope per bearer token (hashed, never stored), one for the store."""
    token = bearer_token(authorization)
    if not token:
        return "store"
    return "bearer:" + hashlib.sha256(token.encode()).hexdigest()[:32]


def workflow_key(info: Any) -> str | None:
    """The idempotency key a mutation resolver gives its workflow: scope, request key and field."""
    key = info.context.idempotency_key
    credential = getattr(info.context, "credential", None)
    if not key or credential is None:
        return None
    return f"{credential}:{key}:{info.path.key}"
