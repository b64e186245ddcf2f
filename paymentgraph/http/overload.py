"""A bound on the requests one worker runs at once; the excess is answered 503 at once, never queued.

Why a bound: past the database pool's size, another concurrent request does not add throughput (it waits
for a connection, up to the pool's 30 s timeout, while the ones that hold connections share the same
CPU), it only adds latency to every request in the process and memory to the process. Answering the
excess at once with 503, ``Retry-After`` and SERVICE_UNAVAILABLE (``extensions.retryable``) keeps the
latency of the admitted requests flat and tells a client, a load balancer or another worker to try
again, instead of leaving it to time out.

Why no wait: a request held in the server holds its connection and memory without making the work
cheaper, and under sustained overload almost every waiter would time out anyway (each finishing request
frees one slot, and admitted requests take longer than any wait short enough to be worth it). Short
bursts are absorbed before the bound by the kernel's accept backlog and by clients' connection reuse.

The default bound (``PAYMENTGRAPH_MAX_IN_FLIGHT`` unset) is the pool's capacity (``pool_size`` +
``max_overflow``: 30 on PostgreSQL, 15 on SQLite) less :data:`RESERVED_CONNECTIONS`, so GraphQL requests,
which take one pooled connection each, never make ``/health`` or the background worker wait for one.
``/graphql`` and the provider webhooks are bounded (a provider retries a 503 delivery); ``/health`` and
GraphiQL's static assets are not, so a probe still answers while the worker is saturated.

Queries have a lower bound of their own (``PAYMENTGRAPH_MAX_READS_IN_FLIGHT``, default 4), checked once
the document is known (by the guard from the body, or by the endpoint once it has compiled it). A read is
CPU-bound in the worker (one core; its statements take a fraction of its time), so a few in flight
already overlap one's database round trips with the others' CPU, and every one beyond that waits inside
the worker: it adds latency, not throughput, and lengthens the event loop's turns, which is what a
refusal waits behind. Measured on this 2-core machine (N=100 read, Node.js clients that wait as
Retry-After asks, 10 s per row, bench/analysis.md): with 4 reads in flight 80 req/s at 16 connections
with p99 93 ms, and the 503s at 64 connections answered within 28 ms (p99); with the pool-derived 28, 66
req/s with p99 635 ms and 503s within 114 ms. Mutations keep only the general bound: they spend most of
their time waiting for a payment provider, not on the worker's CPU.

Why refusals are decided in front of the endpoint (:class:`Admission`): a 503 is answered by the same
event loop as the admitted requests, so its latency is the loop's lag plus what the refusal itself
costs, and under overload refusals come in bursts. The guard answers before Starlette builds a
``Request``: without reading the body when every bounded request would be refused, and from the body
alone (no request id, no headers parsed, the document found by its text) when reads are at their bound
and the body is a query; the answer is encoded once. In process, on this machine, a refused read costs
15-20 µs of CPU that way instead of 45-60 µs through the endpoint.

Why Retry-After varies with the load (:class:`RetrySpread`): Retry-After is whole seconds (RFC 9110,
section 10.2.3), so clients that honour it come back in step: refused together, they return together
one second later, and the last refusal of such a burst waits behind all the others (256 clients: about
250 in the same millisecond, every second). The worker asks at most :data:`REFUSALS_PER_SECOND` clients
back in any one second and the next ones a second later, up to :data:`LONGEST_RETRY_AFTER`: 250 waiting
clients come back as four bursts of about 64, one second apart. Below that rate every refusal says 1 s.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

import orjson
from starlette.responses import Response
from starlette.routing import request_response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from paymentgraph.errors import ServiceUnavailable
from paymentgraph.http.unavailable import STATUS, Body, Endpoint, graphql_body

logger = logging.getLogger("paymentgraph.http")

# One connection for /health and one for the background worker (dispatcher and scheduler take turns).
RESERVED_CONNECTIONS = 2
# When no pool size is known (a pool without a bound): as many as PostgreSQL's default pool holds.
FALLBACK_MAX_IN_FLIGHT = 28
# The excess is a matter of a request finishing, not of a restart: 1 s (the least there is) unless the
# burst is large (RetrySpread).
RETRY_AFTER_SECONDS = 1
# Refused clients asked back in the same second: a burst this size costs this machine's event loop a few
# ms (HTTP parsing and the encoded answer), well inside the 50 ms a refusal may take.
REFUSALS_PER_SECOND = 64
# Longer waits leave a client as good as turned away; 4 s spreads 256 clients at 64 a second.
LONGEST_RETRY_AFTER = 4
# Bodies the guard reads to tell a query from a mutation; a larger one goes to the endpoint, which
# checks the reads bound once it has compiled the document.
CLASSIFIED_BODY_BYTES = 64 * 1024
AT_CAPACITY = ServiceUnavailable(
    "The server is at capacity; retry after a moment (Retry-After)", reason="at_capacity"
)

# Whether a buffered request body is a read the worker has compiled already (http/graphql.py).
ReadCheck = Callable[[Scope, bytes], bool]


def default_max_in_flight(pool_capacity: int | None) -> int:
    """The pool's capacity less the reserved connections (see the module docstring)."""
    if pool_capacity is None:
        return FALLBACK_MAX_IN_FLIGHT
    return max(1, pool_capacity - RESERVED_CONNECTIONS)


class InFlightLimit:
    """Counts the requests admitted and not yet finished; ``limit`` 0 means no bound.

    One counter per app (per worker process); requests run on one event loop, so no lock is needed.
    """

    def __init__(self, limit: int = 0) -> None:
        self.limit = limit
        self.running = 0
        self.refused = 0

    @property
    def full(self) -> bool:
        return bool(self.limit) and self.running >= self.limit

    def admit(self) -> bool:
        """Take a slot (True), or count a refusal (False) when ``limit`` requests are running."""
        if self.full:
            self.count_refusal()
            return False
        self.running += 1
        return True

    def release(self) -> None:
        self.running -= 1

    def count_refusal(self) -> None:
        self.refused += 1
        if self.refused == 1 or self.refused % 1000 == 0:
            logger.warning(
                "at capacity (%d requests in flight): answered 503 (%d so far)", self.running, self.refused
            )


class RetrySpread:
    """Retry-After for the next refusal: the soonest second that fewer than ``per_second`` refused clients
    were asked to come back in, within ``longest`` seconds (the least asked-for one when all are full).

    A client that waits as asked is back within the second ``now + seconds`` falls in (module docstring:
    why); so at most ``per_second`` refused clients come back in any one second while the worker can
    spread them, and a lighter overload, one burst a second of fewer than that, always gets 1 s.
    """

    def __init__(
        self,
        per_second: int = REFUSALS_PER_SECOND,
        longest: int = LONGEST_RETRY_AFTER,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.per_second = per_second
        self.longest = longest
        self._clock = clock
        self._asked: dict[int, int] = {}  # whole second (of the clock) -> clients asked back in it

    def seconds(self) -> int:
        now = int(self._clock())
        asked = self._asked
        if len(asked) > self.longest:
            for second in [second for second in asked if second <= now]:
                del asked[second]
        chosen = RETRY_AFTER_SECONDS
        for wait in range(RETRY_AFTER_SECONDS, self.longest + 1):
            count = asked.get(now + wait, 0)
            if count < self.per_second:
                chosen = wait
                break
            if count < asked.get(now + chosen, 0):
                chosen = wait
        asked[now + chosen] = asked.get(now + chosen, 0) + 1
        return chosen


class Refusal:
    """The 503 of a worker at capacity in the shape ``body`` gives it, encoded once."""

    def __init__(self, body: Body = graphql_body) -> None:
        self.content = orjson.dumps(body(AT_CAPACITY))
        length = str(len(self.content)).encode()
        self._headers = {
            seconds: [
                (b"content-type", b"application/json"),
                (b"content-length", length),
                (b"retry-after", str(seconds).encode()),
            ]
            for seconds in range(RETRY_AFTER_SECONDS, LONGEST_RETRY_AFTER + 1)
        }

    async def send(self, send: Send, retry_after: int) -> None:
        # A copy of the headers: middleware on the way out (CORS) appends to the list it is given.
        headers = list(self._headers[retry_after])
        await send({"type": "http.response.start", "status": STATUS, "headers": headers})
        await send({"type": "http.response.body", "body": self.content})

    def response(self, retry_after: int) -> Response:
        """The same answer as a Starlette response (for an endpoint that refuses once it knows more)."""
        return Response(
            self.content,
            status_code=STATUS,
            media_type="application/json",
            headers={"Retry-After": str(retry_after)},
        )


class Admission:
    """The worker's bounds (all bounded requests, and reads) and the guard that refuses in front of them."""

    def __init__(self) -> None:
        self.requests = InFlightLimit()
        self.reads = InFlightLimit()
        self.spread = RetrySpread()
        self._graphql_refusal = Refusal()

    def guard(
        self, endpoint: Endpoint, body: Body = graphql_body, *, reads: ReadCheck | None = None
    ) -> ASGIApp:
        """``endpoint`` as an ASGI app that answers 503 at once when ``requests.limit`` requests are running.

        ``reads``: also refuse, from the body alone, a request it recognises as a read while reads are at
        their bound (the endpoint takes the read slot; this only answers early what it would refuse).
        """
        return _Guarded(self, request_response(endpoint), Refusal(body), reads)

    def refuse_read(self) -> Response:
        """The endpoint's 503 for a read over the reads bound (``reads.admit()`` was False)."""
        return self._graphql_refusal.response(self.spread.seconds())


class _Guarded:
    """An ASGI app (a class, so Starlette's ``Route`` hands it the raw scope, not a ``Request``)."""

    def __init__(self, admission: Admission, app: ASGIApp, refusal: Refusal, reads: ReadCheck | None) -> None:
        self.admission = admission
        self.app = app
        self.refusal = refusal
        self.reads = reads

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        admission = self.admission
        if not admission.requests.admit():
            # Nothing is read: whatever the body says, the answer is this one.
            await self.refusal.send(send, admission.spread.seconds())
            return
        try:
            if self.reads is not None and admission.reads.full and scope["method"] == "POST":
                buffered = await _buffered_body(scope, receive)
                if buffered is not None:
                    messages, content = buffered
                    if self.reads(scope, content):
                        admission.reads.count_refusal()
                        await self.refusal.send(send, admission.spread.seconds())
                        return
                    receive = _replay(messages, receive)
            await self.app(scope, receive, send)
        finally:
            admission.requests.release()


async def _buffered_body(scope: Scope, receive: Receive) -> tuple[list[Message], bytes] | None:
    """The request's messages and body when it declares a length the guard reads; else None (none read)."""
    declared = next((value for name, value in scope["headers"] if name == b"content-length"), None)
    if declared is None or not declared.isdigit() or int(declared) > CLASSIFIED_BODY_BYTES:
        return None
    messages: list[Message] = []
    chunks: list[bytes] = []
    while True:
        message = await receive()
        messages.append(message)
        if message["type"] != "http.request":  # the client went away: the endpoint sees it too
            return messages, b""
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            return messages, b"".join(chunks)


def _replay(messages: list[Message], receive: Receive) -> Receive:
    """``receive`` that first hands back the messages the guard already took."""
    pending = iter(messages)

    async def replayed() -> Message:
        return next(pending, None) or await receive()

    return replayed
