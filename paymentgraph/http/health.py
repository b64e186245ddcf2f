"""``GET /health``: the process is up, and which of its dependencies answer.

``{"status": "ok"|"unavailable", "database": "ok"|"unavailable", "redis": "ok"|"unavailable"|"not
configured"}``: 200 when every configured dependency answers, 503 naming the one that does not. The
database answers ``SELECT 1``; Redis (``PAYMENTGRAPH_REDIS_URL``) answers ``PING``. Each check has a short
timeout so a dependency that hangs makes the answer "unavailable", not a hanging health check. The route
is outside the in-flight bound (``http/overload.py``) and takes one pooled connection, which that bound
leaves free.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from paymentgraph.db.session import ping

logger = logging.getLogger("paymentgraph.http")

OK = "ok"
UNAVAILABLE = "unavailable"
NOT_CONFIGURED = "not configured"
# Long enough for a busy database to answer SELECT 1, short enough for an orchestrator's probe.
DATABASE_TIMEOUT_SECONDS = 2.0
REDIS_TIMEOUT_SECONDS = 0.5


def redis_client(url: str) -> Any:
    """The client /health pings: fails fast (no retries, short socket timeouts)."""
    import redis.asyncio as redis
    from redis.asyncio.retry import Retry
    from redis.backoff import NoBackoff

    return redis.from_url(
        url,
        socket_connect_timeout=REDIS_TIMEOUT_SECONDS,
        socket_timeout=REDIS_TIMEOUT_SECONDS,
        retry=Retry(NoBackoff(), 0),
    )


async def _database(engine: Any) -> str:
    try:
        async with asyncio.timeout(DATABASE_TIMEOUT_SECONDS):
            await ping(engine)
    except Exception as exc:  # any failure means "not healthy"; the reason goes to the log, not the client
        logger.warning("health check: the database did not answer: %r", exc)
        return UNAVAILABLE
    return OK


async def _redis(client: Any) -> str:
    if client is None:
        return NOT_CONFIGURED
    try:
        async with asyncio.timeout(REDIS_TIMEOUT_SECONDS * 2):
            await client.ping()
    except Exception as exc:  # as above: refused, timed out, or an error reply
        logger.warning("health check: Redis did not answer: %r", exc)
        return UNAVAILABLE
    return OK


async def health(request: Request) -> Response:
    """200 when every configured dependency answers, else 503; the body names each one's state."""
    state = request.app.state
    database, redis = await asyncio.gather(
        _database(state.pg.engine), _redis(getattr(state, "health_redis", None))
    )
    down = UNAVAILABLE in (database, redis)
    body = {"status": UNAVAILABLE if down else OK, "database": database, "redis": redis}
    return JSONResponse(body, status_code=503 if down else 200)
