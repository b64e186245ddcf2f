"""Which exceptions mean "the database cannot be reached right now" (retry later), not "this is wrong".

A request that fails because PostgreSQL restarted, refused the connection or dropped it mid-statement,
because the pool had no connection to give within its timeout, or because SQLite's file could not be
opened is answered ``SERVICE_UNAVAILABLE`` (retryable, HTTP 503) instead of ``INTERNAL_SERVER_ERROR``.
Constraint violations, syntax errors and every other error the database *answered* are not outages:
they stay bugs (masked and logged) or domain errors.

The classification walks the whole chain (SQLAlchemy's wrapper, its adapted DBAPI error, the driver's
own exception) because the same outage surfaces at different depths: a dropped connection is a
``DBAPIError`` with ``connection_invalidated``, a refused connect is asyncpg's ``OSError`` as it is.
"""

from __future__ import annotations

import errno
import sqlite3
from collections.abc import Iterator

import asyncpg
from sqlalchemy import exc as sa_exc

# asyncpg's errors for a connection that is gone or refused (SQLSTATE class 08 and the server's
# "cannot connect now" / shutdown states 57P01-57P03), and its client-side "connection is closed".
_ASYNCPG_OUTAGES: tuple[type[BaseException], ...] = (
    asyncpg.PostgresConnectionError,  # 08xxx: ConnectionDoesNotExistError, ConnectionFailureError ...
    asyncpg.CannotConnectNowError,  # 57P03: the server is starting up or shutting down
    asyncpg.AdminShutdownError,  # 57P01: the server is being restarted (pg_ctl restart, failover)
    asyncpg.CrashShutdownError,  # 57P02
)
# Socket errors of a connect or a read that never reached a server that could answer.
_SOCKET_ERRNOS = frozenset(
    {
        errno.ECONNREFUSED,
        errno.ECONNRESET,
        errno.ECONNABORTED,
        errno.EHOSTUNREACH,
        errno.ENETUNREACH,
        errno.ETIMEDOUT,
        errno.EPIPE,
    }
)
# SQLite's file is gone or unreadable (a volume unmounted, a directory moved); not "database is locked",
# which busy_timeout already waits out and which means the database is there.
_SQLITE_OUTAGES = ("unable to open database file", "disk i/o error")


def _chain(error: BaseException) -> Iterator[BaseException]:
    seen: set[int] = set()
    pending: list[BaseException | None] = [error]
    while pending:
        current = pending.pop()
        if current is None or id(current) in seen:
            continue
        seen.add(id(current))
        yield current
        if isinstance(current, sa_exc.DBAPIError):
            pending.append(current.orig)
        pending.extend((current.__cause__, current.__context__))


def _is_outage(error: BaseException) -> bool:
    if isinstance(error, sa_exc.DBAPIError):
        return bool(error.connection_invalidated)
    if isinstance(error, sa_exc.TimeoutError):
        return True  # the pool had no connection within pool_timeout: the database is saturated
    if isinstance(error, sa_exc.DisconnectionError):
        return True
    if isinstance(error, _ASYNCPG_OUTAGES):
        return True
    if isinstance(error, asyncpg.InterfaceError):
        return "connection is closed" in str(error)
    if isinstance(error, sqlite3.OperationalError):
        return str(error).lower().startswith(_SQLITE_OUTAGES)
    if isinstance(error, TimeoutError):
        return True  # a connect that got no answer within the engine's connect timeout
    if isinstance(error, ConnectionError):
        return True  # refused, reset, aborted, broken pipe
    if isinstance(error, OSError):
        # asyncio's create_connection joins the errors of every address it tried into one OSError
        # without an errno ("Multiple exceptions: [Errno 111] Connect call failed ...").
        return error.errno in _SOCKET_ERRNOS or "Connect call failed" in str(error)
    return False


def database_unavailable(error: BaseException) -> bool:
    """Whether ``error`` (or what it wraps) says the database could not be reached, not that it refused."""
    return any(_is_outage(link) for link in _chain(error))
