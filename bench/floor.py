"""The floor for the nested read: what hand-written SQL costs, with no framework in between.

(a) one PostgreSQL statement builds the whole GraphQL response document (``json_agg`` and
``json_build_object``, amounts ``::text`` so they read like the Decimal scalar, statuses upper-cased like
the GraphQL enums); (b) six batched statements (one per level, siblings concurrently on a pool),
assembled in Python and dumped with orjson. Both honour soft deletes and order every list by id, as
``query.graph`` does by default.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from typing import Any

import asyncpg
import orjson

_LIVE = "deleted_at IS NULL"

SINGLE_STATEMENT = f"""
SELECT json_build_object('data', json_build_object('paymentCollections', json_build_object('items',
  coalesce((
    SELECT json_agg(json_build_object(
      'id', pc.id, 'amount', pc.amount::text, 'currencyCode', pc.currency_code, 'status', upper(pc.status),
      'cart', (
        SELECT json_build_object('id', c.id, 'email', c.email)
        FROM cart_payment_collection l JOIN cart c ON c.id = l.cart_id
        WHERE l.payment_collection_id = pc.id AND l.{_LIVE} AND c.{_LIVE}
        LIMIT 1),
      'paymentSessions', coalesce((
        SELECT json_agg(json_build_object('id', s.id, 'amount', s.amount::text, 'status', upper(s.status),
                                          'providerId', s.provider_id) ORDER BY s.id)
        FROM payment_session s WHERE s.payment_collection_id = pc.id AND s.{_LIVE}), '[]'),
      'payments', coalesce((
        SELECT json_agg(json_build_object(
          'id', p.id, 'amount', p.amount::text, 'capturedAmount', p.captured_amount::text,
          'captures', coalesce((
            SELECT json_agg(json_build_object('id', k.id, 'amount', k.amount::text) ORDER BY k.id)
            FROM capture k WHERE k.payment_id = p.id AND k.{_LIVE}), '[]'),
          'refunds', coalesce((
            SELECT json_agg(json_build_object('id', r.id, 'amount', r.amount::text) ORDER BY r.id)
            FROM refund r WHERE r.payment_id = p.id AND r.{_LIVE}), '[]')
        ) ORDER BY p.id)
        FROM payment p WHERE p.payment_collection_id = pc.id AND p.{_LIVE}), '[]')
    ) ORDER BY pc.id)
    FROM (SELECT id, amount, currency_code, status FROM payment_collection
          WHERE {_LIVE} ORDER BY id LIMIT $1 OFFSET $2) pc
  ), '[]'))))
"""

_ROOTS = (
    "SELECT id, amount, currency_code, status FROM payment_collection "
    f"WHERE {_LIVE} ORDER BY id LIMIT $1 OFFSET $2"
)
_CARTS = f"""SELECT l.payment_collection_id AS parent, c.id, c.email
FROM cart_payment_collection l JOIN cart c ON c.id = l.cart_id
WHERE l.payment_collection_id = ANY($1::text[]) AND l.{_LIVE} AND c.{_LIVE} ORDER BY c.id"""
_SESSIONS = f"""SELECT payment_collection_id AS parent, id, amount, status, provider_id FROM payment_session
WHERE payment_collection_id = ANY($1::text[]) AND {_LIVE} ORDER BY id"""
_PAYMENTS = f"""SELECT payment_collection_id AS parent, id, amount, captured_amount FROM payment
WHERE payment_collection_id = ANY($1::text[]) AND {_LIVE} ORDER BY id"""
_CAPTURES = f"""SELECT payment_id AS parent, id, amount FROM capture
WHERE payment_id = ANY($1::text[]) AND {_LIVE} ORDER BY id"""
_REFUNDS = f"""SELECT payment_id AS parent, id, amount FROM refund
WHERE payment_id = ANY($1::text[]) AND {_LIVE} ORDER BY id"""
BATCHED_STATEMENTS = 6


async def single_statement(pool: asyncpg.Pool, take: int, skip: int = 0) -> bytes:
    """(a): the response document built by PostgreSQL, as bytes."""
    async with pool.acquire() as conn:
        text: str = await conn.fetchval(SINGLE_STATEMENT, take, skip)
    return text.encode()


async def _fetch(pool: asyncpg.Pool, sql: str, *args: Any) -> list[asyncpg.Record]:
    async with pool.acquire() as conn:
        return await conn.fetch(sql, *args)


async def batched(pool: asyncpg.Pool, take: int, skip: int = 0) -> bytes:
    """(b): one statement per level, siblings concurrently, assembled into the document with orjson."""
    roots = await _fetch(pool, _ROOTS, take, skip)
    ids = [r["id"] for r in roots]
    carts, sessions, payments = await asyncio.gather(
        _fetch(pool, _CARTS, ids), _fetch(pool, _SESSIONS, ids), _fetch(pool, _PAYMENTS, ids)
    )
    payment_ids = [p["id"] for p in payments]
    captures, refunds = await asyncio.gather(
        _fetch(pool, _CAPTURES, payment_ids), _fetch(pool, _REFUNDS, payment_ids)
    )
    captures_by: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for k in captures:
        captures_by[k["parent"]].append({"id": k["id"], "amount": str(k["amount"])})
    refunds_by: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for r in refunds:
        refunds_by[r["parent"]].append({"id": r["id"], "amount": str(r["amount"])})
    payments_by: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for p in payments:
        pid = p["id"]
        payments_by[p["parent"]].append(
            {
                "id": pid,
                "amount": str(p["amount"]),
                "capturedAmount": str(p["captured_amount"]),
                "captures": captures_by.get(pid, []),
                "refunds": refunds_by.get(pid, []),
            }
        )
    sessions_by: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for s in sessions:
        sessions_by[s["parent"]].append(
            {
                "id": s["id"],
                "amount": str(s["amount"]),
                "status": s["status"].upper(),
                "providerId": s["provider_id"],
            }
        )
    cart_by = {c["parent"]: {"id": c["id"], "email": c["email"]} for c in carts}
    items = [
        {
            "id": r["id"],
            "amount": str(r["amount"]),
            "currencyCode": r["currency_code"],
            "status": r["status"].upper(),
            "cart": cart_by.get(r["id"]),
            "paymentSessions": sessions_by.get(r["id"], []),
            "payments": payments_by.get(r["id"], []),
        }
        for r in roots
    ]
    return orjson.dumps({"data": {"paymentCollections": {"items": items}}})


async def open_pool(dsn: str) -> asyncpg.Pool:
    return await asyncpg.create_pool(dsn, min_size=4, max_size=8)
