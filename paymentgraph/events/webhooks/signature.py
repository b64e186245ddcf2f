"""Signing merchant webhooks, and checking a signature on the receiving side.

``Paymentgraph-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>``, Stripe's
scheme: the timestamp is signed with the body, so a captured request cannot be replayed after the
tolerance, and a receiver checks the raw bytes it was sent (never a re-serialised JSON). The key is the
endpoint's secret (``whsec_...``) as UTF-8 bytes, whole.

Only the standard library: receivers import it without the rest of paymentgraph.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from typing import Any

SIGNATURE_HEADER = "Paymentgraph-Signature"
EVENT_ID_HEADER = "Paymentgraph-Event-Id"
DEFAULT_TOLERANCE_SECONDS = 300


class SignatureVerificationError(ValueError):
    """The request was not signed with this secret, or too long ago: do not act on it."""


def compute_signature(secret: str, timestamp: int, payload: bytes) -> str:
    """The hex HMAC-SHA256 of ``"<timestamp>.<payload>"`` keyed by ``secret``."""
    signed = str(timestamp).encode() + b"." + payload
    return hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()


def signature_header(secret: str, payload: bytes, timestamp: int | None = None) -> str:
    """The ``Paymentgraph-Signature`` value for ``payload`` sent now (or at ``timestamp``)."""
    t = int(time.time()) if timestamp is None else timestamp
    return f"t={t},v1={compute_signature(secret, t, payload)}"


def verify_signature(
    payload: bytes,
    header: str,
    secret: str,
    tolerance_seconds: float = DEFAULT_TOLERANCE_SECONDS,
    *,
    now: float | None = None,
) -> dict[str, Any]:
    """The event (the parsed body) if ``header`` signs ``payload`` with ``secret`` within the tolerance.

    ``payload``: the request's raw body bytes; ``header``: its ``Paymentgraph-Signature`` value. Raises
    :class:`SignatureVerificationError` when the header is malformed, no ``v1`` signature matches (compared
    in constant time) or the timestamp is further than ``tolerance_seconds`` from now (a replay).
    """
    timestamp: int | None = None
    signatures: list[str] = []
    for part in header.split(","):
        key, _, value = part.strip().partition("=")
        if key == "t":
            try:
                timestamp = int(value)
            except ValueError:
                raise SignatureVerificationError(f"the timestamp {value!r} is not a number") from None
        elif key == "v1":
            signatures.append(value)
    if timestamp is None or not signatures:
        raise SignatureVerificationError(f"{SIGNATURE_HEADER} must read t=<unix seconds>,v1=<hex>")
    expected = compute_signature(secret, timestamp, payload)
    # Every v1 is compared (the header may carry several while a secret is being rotated).
    if not any(hmac.compare_digest(expected, candidate) for candidate in signatures):
        raise SignatureVerificationError("no signature matches this payload and secret")
    age = (time.time() if now is None else now) - timestamp
    if abs(age) > tolerance_seconds:
        raise SignatureVerificationError(
            f"the signature's timestamp is {int(age)} s from now, past the tolerance of "
            f"{int(tolerance_seconds)} s (a replayed or delayed request)"
        )
    event = json.loads(payload)
    if not isinstance(event, dict):
        raise SignatureVerificationError("the payload is not a JSON object")
    return event
