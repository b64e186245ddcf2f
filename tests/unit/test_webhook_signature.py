"""The receivers' signature check (paymentgraph.webhooks): what it accepts and what it refuses."""

from __future__ import annotations

import hashlib
import hmac
import json

import pytest

from paymentgraph.webhooks import SignatureVerificationError, signature_header, verify_signature

SECRET = "whsec_test"
BODY = json.dumps({"id": "evt_1", "type": "payment.captured", "created": 1700000000, "data": {"id": "pay_1"}})
PAYLOAD = BODY.encode()
NOW = 1_800_000_000


def test_a_signature_made_as_the_contract_says_is_accepted() -> None:
    v1 = hmac.new(SECRET.encode(), f"{NOW}.{BODY}".encode(), hashlib.sha256).hexdigest()
    event = verify_signature(PAYLOAD, f"t={NOW},v1={v1}", SECRET, now=NOW + 10)
    assert event["id"] == "evt_1" and event["data"] == {"id": "pay_1"}
    assert signature_header(SECRET, PAYLOAD, NOW) == f"t={NOW},v1={v1}"
    # Several v1 values (a secret being rotated): one matching is enough.
    assert verify_signature(PAYLOAD, f"t={NOW},v1={'0' * 64},v1={v1}", SECRET, now=NOW)["id"] == "evt_1"


@pytest.mark.parametrize(
    ("payload", "header", "secret", "message"),
    [
        (PAYLOAD.replace(b"pay_1", b"pay_2"), signature_header(SECRET, PAYLOAD, NOW), SECRET, "no signature"),
        (PAYLOAD, signature_header(SECRET, PAYLOAD, NOW), "whsec_other", "no signature"),
        (PAYLOAD, signature_header(SECRET, PAYLOAD, NOW - 301), SECRET, "past the tolerance of 300 s"),
        (PAYLOAD, signature_header(SECRET, PAYLOAD, NOW + 301), SECRET, "past the tolerance"),
        (PAYLOAD, f"v1={signature_header(SECRET, PAYLOAD, NOW).split('v1=')[1]}", SECRET, "must read"),
        (PAYLOAD, f"t={NOW}", SECRET, "must read"),
        (PAYLOAD, "t=soon,v1=ab", SECRET, "not a number"),
        (PAYLOAD, "", SECRET, "must read"),
    ],
)
def test_a_wrong_or_old_signature_is_refused(payload: bytes, header: str, secret: str, message: str) -> None:
    with pytest.raises(SignatureVerificationError, match=message):
        verify_signature(payload, header, secret, now=NOW)


def test_the_tolerance_is_the_receivers_choice() -> None:
    header = signature_header(SECRET, PAYLOAD, NOW - 3600)
    assert verify_signature(PAYLOAD, header, SECRET, tolerance_seconds=7200, now=NOW)["id"] == "evt_1"
