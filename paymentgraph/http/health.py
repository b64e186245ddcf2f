"""``GET /health``: the process is up and the database answers ``SELECT 1``."""

from __future__ import annotations

import logging

from sqlalchemy import text
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

logger = logging.getLogger("paymentgraph.http")


async def health(request: Request) -> Response:
    """200 ``{"status": "ok", "database": "ok"}``, or 503 when the database does not answer."""
    pg = request.app.state.pg
    try:
        async with pg.engine.connect() as connection:
            await connection.execute(text("SELECT 1"))
    except Exception as exc:  # any failure means "not healthy"; the reason goes to the log, not the client
        logger.warning("health check: the database did not answer: %s", exc)
        return JSONResponse({"status": "unavailable", "database": "unavailable"}, status_code=503)
    return JSONResponse({"status": "ok", "database": "ok"})
