"""For receivers of paymentgraph's merchant webhooks written in Python: check the signature.

    from paymentgraph.webhooks import SignatureVerificationError, verify_signature

    try:
        event = verify_signature(raw_body, request.headers["Paymentgraph-Signature"], secret)
    except SignatureVerificationError:
        return Response(status_code=400)
    # event == {"id": "evt_...", "type": "payment.captured", "created": 1767225600, "data": {...}}

Delivery is at least once: dedupe by ``event["id"]`` (also sent as ``Paymentgraph-Event-Id``).
"""

from paymentgraph.events.webhooks.signature import (
    EVENT_ID_HEADER,
    SIGNATURE_HEADER,
    SignatureVerificationError,
    signature_header,
    verify_signature,
)

__all__ = [
    "EVENT_ID_HEADER",
    "SIGNATURE_HEADER",
    "SignatureVerificationError",
    "signature_header",
    "verify_signature",
]
