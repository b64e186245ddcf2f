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
the document is known. A read is CPU-bound in the worker (one core; its statements take a fraction of
its time), so a few in flight already overlap one's database round trips with the others' CPU, and
every one beyond that waits inside the worker: it adds latency, not throughput, and lengthens the event
loop's turns, which is what a refusal waits behind. Measured on this 2-core machine (N=100 read, Node.js
clients that wait as Retry-After asks, 10 s per row, bench/analysis.md): with 4 reads in flight 80 req/s
at 16 connections with p99 93 ms, and the 503s at 64 connections answered within 28 ms (p99); with the
pool-derived 28, 66 req/s with p99 635 ms and 503s within 114 ms. Mutations keep only the general
bound: they spend most of their time waiting for a payment provider, not on the worker's CPU.
"""

from __future__ import annotations

import logging

from starlette.requests import Request
from starlette.responses import Response

from paymentgraph.errors import ServiceUnavailable
from paymentgraph.http.unavailable import Body, Endpoint, graphql_body, service_unavailable

logger = logging.getLogger("paymentgraph.http")

# One connection for /health and one for the background worker (dispatcher and scheduler take turns).
RESERVED_CONNECTIONS = 2
# When no pool size is known (a pool without a bound): as many as PostgreSQL's default pool holds.
FALLBACK_MAX_IN_FLIGHT = 28
# The excess is a matter of a request finishing, not of a restart: the smallest Retry-After there is.
RETRY_AFTER_SECONDS = 1
AT_CAPACITY = ServiceUnavailable(
    "The server is at capacity; retry after a moment (Retry-After)", reason="at_capacity"
)


def default_max_in_flight(pool_capacity: int | None) -> int:
    """The pool's capacity less the reserved connections (see the module docstring)."""
    if pool_capacity is None:
        return FALLBACK_MAX_IN_FLIGHT
    return max(1, pool_capacity - RESERVED_CONNECTIONS)


class InFlightLimit:
    """Counts the requests running through :meth:`guard`; ``limit`` 0 means no bound.

    One counter per app (per worker process); requests run on one event loop, so no lock is needed.
    """

    def __init__(self, limit: int = 0) -> None:
        self.limit = limit
        self.running = 0
        self.refused = 0

    def admit(self) -> bool:
        """Take a slot (True), or count a refusal (False) when ``limit`` requests are running."""
        if self.limit and self.running >= self.limit:
            self.refused += 1
            if self.refused == 1 or self.refused % 1000 == 0:
                logger.warning(
                    "at capacity (%d requests in flight): answered 503 (%d so far)",
                    self.running,
                    self.refused,
                )
            return False
        self.running += 1
        return True

    def release(self) -> None:
        self.running -= 1

    def guard(self, endpoint: Endpoint, body: Body = graphql_body) -> Endpoint:
        """``endpoint``, answered 503 at once when ``limit`` requests are already running."""

        async def limited(request: Request) -> Response:
            if not self.admit():
                return refusal(body)
            try:
                return await endpoint(request)
            finally:
                self.release()

        return limited


def refusal(body: Body = graphql_body) -> Response:
    """The 503 answer of a worker at capacity."""
    return service_unavailable(AT_CAPACITY, RETRY_AFTER_SECONDS, body)
