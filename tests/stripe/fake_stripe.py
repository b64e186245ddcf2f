"""A small HTTP fake of the Stripe API for what localstripe cannot show, served on 127.0.0.1.

It records every request (method, path, Idempotency-Key header, form parameters), replays a stored
response for a repeated idempotency key (and refuses a reused key with other parameters, as Stripe
does), answers with Stripe's real error codes (``payment_intent_unexpected_state``,
``charge_already_refunded``, ``card_declined``), keeps ``amount_capturable`` / ``amount_received``,
can be told to fail the next N requests with a 500 to show the client's retries, and can hold
reads of PaymentIntents open (``hold_reads``) so a test can kill the process that is waiting on them.

Asynchronous payment methods: an intent whose ``payment_method_types`` holds ``sepa_debit`` or
``us_bank_account`` is ``processing`` after confirmation until a test settles it
(``POST /_test/settle`` with ``payment_intent`` and ``outcome=succeeded|failed``), as the bank would.
Refunds are kept as objects (``GET /v1/refunds?charge=...`` lists them, newest first, with their
metadata); ``POST /_test/refund_outside`` refunds as the Stripe dashboard would.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

from aiohttp import web

PARAMS = web.RequestKey("params", dict)


@dataclass
class Recorded:
    method: str
    path: str
    idempotency_key: str | None
    params: dict[str, Any]


@dataclass
class FakeStripeState:
    requests: list[Recorded] = field(default_factory=list)
    intents: dict[str, dict[str, Any]] = field(default_factory=dict)
    refunded: dict[str, int] = field(default_factory=dict)
    refunds: list[dict[str, Any]] = field(default_factory=list)
    replies: dict[str, tuple[str, int, str]] = field(
        default_factory=dict
    )  # key -> (fingerprint, status, body)
    fail_next: int = 0
    # While set, GET /v1/payment_intents/{id} waits for it (set again) before answering; ``held`` is
    # set once such a read is waiting.
    hold_reads: asyncio.Event | None = None
    held: asyncio.Event = field(default_factory=asyncio.Event)
    counter: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    def reset(self) -> None:
        self.requests.clear()
        self.intents.clear()
        self.refunded.clear()
        self.refunds.clear()
        self.replies.clear()
        self.fail_next = 0
        if self.hold_reads is not None:
            self.hold_reads.set()
        self.hold_reads = None
        self.held.clear()

    def writes(self, path_pattern: str = "") -> list[Recorded]:
        return [r for r in self.requests if r.method == "POST" and re.search(path_pattern, r.path)]


def unflatten(pairs: list[tuple[str, str]]) -> dict[str, Any]:
    """Stripe's form encoding (``metadata[session_id]=x``, ``types[0]=card``) back into dicts."""
    out: dict[str, Any] = {}
    for key, value in pairs:
        parts = re.findall(r"[^\[\]]+", key)
        node = out
        for part in parts[:-1]:
            node = node.setdefault(part, {})
        node[parts[-1]] = value
    return out


def _error(status: int, message: str, *, code: str | None = None, **extra: Any) -> web.Response:
    body = {"error": {"type": "card_error" if status == 402 else "invalid_request_error", "message": message}}
    if code:
        body["error"]["code"] = code
    body["error"].update(extra)
    return web.json_response(body, status=status)


ASYNC_METHODS = ("sepa_debit", "us_bank_account")


def build_app(state: FakeStripeState) -> web.Application:
    routes = web.RouteTableDef()

    def new_id(prefix: str) -> str:
        return f"{prefix}_fake{next(state.counter)}"

    def add_refund(intent: dict[str, Any], amount: int, metadata: dict[str, Any]) -> dict[str, Any]:
        refund = {
            "id": new_id("re"),
            "object": "refund",
            "amount": amount,
            "currency": intent["currency"],
            "charge": intent.get("latest_charge"),
            "payment_intent": intent["id"],
            "metadata": metadata,
            "status": "succeeded",
        }
        state.refunds.append(refund)
        state.refunded[intent["id"]] = state.refunded.get(intent["id"], 0) + amount
        return refund

    @routes.post("/v1/payment_intents")
    async def create_intent(request: web.Request) -> web.Response:
        params = request[PARAMS]
        amount = int(params["amount"])
        intent_id = new_id("pi")
        intent: dict[str, Any] = {
            "id": intent_id,
            "object": "payment_intent",
            "amount": amount,
            "amount_capturable": 0,
            "amount_received": 0,
            "currency": params["currency"],
            "capture_method": params.get("capture_method", "automatic"),
            "client_secret": f"{intent_id}_secret_x",
            "customer": params.get("customer"),
            "metadata": params.get("metadata", {}),
            "payment_method": params.get("payment_method"),
            "payment_method_types": list((params.get("payment_method_types") or {"0": "card"}).values()),
            "status": "requires_confirmation" if params.get("payment_method") else "requires_payment_method",
        }
        if params.get("payment_method") == "pm_card_chargeCustomerFail" and params.get("confirm") == "true":
            intent["status"] = "requires_payment_method"
            intent["last_payment_error"] = {"code": "card_declined", "decline_code": "generic_decline"}
            state.intents[intent_id] = intent
            return _error(
                402,
                "Your card was declined.",
                code="card_declined",
                decline_code="generic_decline",
                payment_intent=intent,
            )
        state.intents[intent_id] = intent
        return web.json_response(intent)

    @routes.get("/v1/payment_intents/{id}")
    async def retrieve_intent(request: web.Request) -> web.Response:
        hold = state.hold_reads
        if hold is not None:
            state.held.set()
            await hold.wait()
        intent = state.intents.get(request.match_info["id"])
        if intent is None:
            return _error(404, "No such payment_intent", code="resource_missing")
        return web.json_response(intent)

    @routes.post("/v1/payment_intents/{id}/confirm")
    async def confirm_intent(request: web.Request) -> web.Response:
        intent = state.intents[request.match_info["id"]]
        intent["latest_charge"] = new_id("ch")
        capture_before = request[PARAMS].get("capture_before")  # test-only: the card's authorization end
        if capture_before is not None:
            details = {"type": "card", "card": {"capture_before": int(capture_before)}}
            intent["latest_charge"] = {"id": intent["latest_charge"], "payment_method_details": details}
        if any(method in ASYNC_METHODS for method in intent["payment_method_types"]):
            intent.update(status="processing")  # the bank answers days later (POST /_test/settle)
        elif intent["capture_method"] == "manual":
            intent.update(status="requires_capture", amount_capturable=intent["amount"])
        else:
            intent.update(status="succeeded", amount_received=intent["amount"])
        return web.json_response(intent)

    @routes.post("/_test/settle")
    async def settle_intent(request: web.Request) -> web.Response:
        """The bank's answer to a processing intent: ``outcome=succeeded|failed``."""
        params = request[PARAMS]
        intent = state.intents[params["payment_intent"]]
        if params["outcome"] == "failed":
            intent.update(
                status="requires_payment_method",
                last_payment_error={"code": "payment_method_not_available", "type": "card_error"},
            )
        elif intent["capture_method"] == "manual":
            intent.update(status="requires_capture", amount_capturable=intent["amount"])
        else:
            intent.update(status="succeeded", amount_received=intent["amount"])
        return web.json_response(intent)

    @routes.post("/v1/payment_intents/{id}/capture")
    async def capture_intent(request: web.Request) -> web.Response:
        intent = state.intents[request.match_info["id"]]
        if intent["status"] != "requires_capture":
            return _error(
                400,
                f"This PaymentIntent could not be captured because it has a status of {intent['status']}.",
                code="payment_intent_unexpected_state",
                payment_intent=intent,
            )
        amount = int(request[PARAMS].get("amount_to_capture", intent["amount"]))
        intent.update(status="succeeded", amount_received=amount, amount_capturable=0)
        return web.json_response(intent)

    @routes.post("/v1/payment_intents/{id}/cancel")
    async def cancel_intent(request: web.Request) -> web.Response:
        intent = state.intents[request.match_info["id"]]
        if intent["status"] in ("canceled", "succeeded"):
            return _error(
                400,
                f"You cannot cancel this PaymentIntent because it has a status of {intent['status']}.",
                code="payment_intent_unexpected_state",
                payment_intent=intent,
            )
        intent.update(status="canceled", amount_capturable=0)
        return web.json_response(intent)

    @routes.post("/v1/refunds")
    async def create_refund(request: web.Request) -> web.Response:
        params = request[PARAMS]
        intent = state.intents[params["payment_intent"]]
        amount = int(params.get("amount", intent["amount_received"]))
        done = state.refunded.get(intent["id"], 0)
        if done >= intent["amount_received"]:
            return _error(400, "Charge has already been refunded.", code="charge_already_refunded")
        return web.json_response(add_refund(intent, amount, params.get("metadata", {})))

    @routes.get("/v1/refunds")
    async def list_refunds(request: web.Request) -> web.Response:
        params = request[PARAMS]
        found = [
            r
            for r in reversed(state.refunds)
            if r["charge"] == params.get("charge") or r["payment_intent"] == params.get("payment_intent")
        ]
        return web.json_response({"object": "list", "data": found, "has_more": False, "url": "/v1/refunds"})

    @routes.post("/_test/refund_outside")
    async def refund_outside(request: web.Request) -> web.Response:
        """Refund an intent as the Stripe dashboard would (out of band): ``amount`` or what is left."""
        params = request[PARAMS]
        intent = state.intents[params["payment_intent"]]
        left = intent["amount_received"] - state.refunded.get(intent["id"], 0)
        return web.json_response(add_refund(intent, int(params.get("amount", left)), {}))

    @web.middleware
    async def record(request: web.Request, handler: Any) -> web.StreamResponse:
        raw = await request.text()
        params = unflatten(parse_qsl(raw or request.query_string, keep_blank_values=True))
        request[PARAMS] = params
        key = request.headers.get("Idempotency-Key")
        if not request.path.startswith("/_test"):
            state.requests.append(Recorded(request.method, request.path, key, params))
        if state.fail_next > 0 and not request.path.startswith("/_test"):
            state.fail_next -= 1
            return _error(500, "An unexpected error occurred (fake).")
        if request.method == "POST" and key:
            fingerprint = f"{request.path}?{json.dumps(params, sort_keys=True)}"
            stored = state.replies.get(key)
            if stored is not None:
                if stored[0] != fingerprint:
                    return web.json_response(
                        {
                            "error": {
                                "type": "idempotency_error",
                                "message": "Keys for idempotent requests can "
                                "only be used with the same parameters they were first used with.",
                            }
                        },
                        status=400,
                    )
                return web.Response(
                    status=stored[1],
                    text=stored[2],
                    content_type="application/json",
                    headers={"Idempotent-Replayed": "true"},
                )
            response = await handler(request)
            assert isinstance(response, web.Response)
            state.replies[key] = (fingerprint, response.status, response.text or "")
            return response
        return await handler(request)

    app = web.Application(middlewares=[record])
    app.add_routes(routes)
    return app
