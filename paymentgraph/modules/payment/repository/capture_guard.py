"""The capture's optimistic path (PostgreSQL): decide on one unlocked read, write in one guarded statement.

``service/captures.py`` reads the payment, its captures, its collection and the collection's recompute
facts with their row versions in one snapshot (:func:`payment_for_guarded_capture`), reserves the capture
in one statement that writes only if the payment is still at the version read
(:func:`reserve_capture_if_unchanged`), and after the provider's answer settles it through
``collection_guard.write_if_unchanged`` with :func:`capture_settlement_guard`. A failed guard writes nothing
and the service takes the locked path (``payment_rows``). Why the versions can be trusted is in
``bench/analysis.md`` ("Statements with transaction control").
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import (
    String,
    bindparam,
    exists,
    insert,
    literal_column,
    null,
    select,
    true,
    type_coerce,
    union_all,
    update,
)
from sqlalchemy import cast as sql_cast
from sqlalchemy.ext.asyncio import AsyncConnection

from paymentgraph.db.types import Money
from paymentgraph.modules.payment.repository.collections import (
    COLLECTION,
    VERSION,
    collection_columns,
    recompute_facts_of,
)
from paymentgraph.modules.payment.repository.common import split_columns
from paymentgraph.modules.payment.repository.payment_rows import (
    CAPTURE,
    PAYMENT,
    SAME_VALUES,
    children_of,
    oldest_first,
)

# The payment's row version (xmin: a new one with every UPDATE). PostgreSQL only.
PAYMENT_VERSION: Any = sql_cast(literal_column("payment.xmin"), String())


def _payment_for_guarded_capture() -> Any:
    """The payment with its ``version``, its collection (``collection_*``, with ``collection_version``)
    and, one per row (``row_kind`` None: none), its live captures (``row_kind`` 'c': id, amount,
    status, idempotency_key) and its collection's recompute facts (``row_kind`` a fact kind)."""
    own = PAYMENT.alias("own_payment")
    collection_id = select(own.c.payment_collection_id).where(own.c.id == bindparam("id")).scalar_subquery()
    f = recompute_facts_of(collection_id).subquery("facts")
    no_text, no_money = type_coerce(null(), String()), sql_cast(null(), Money())
    captures = select(
        literal_column("'c'").label("row_kind"),
        CAPTURE.c.id.label("row_id"),
        CAPTURE.c.amount.label("row_a1"),
        CAPTURE.c.status.label("row_status"),
        CAPTURE.c.idempotency_key.label("row_key"),
        no_text.label("row_currency_code"),
        no_money.label("row_a2"),
    ).where(CAPTURE.c.payment_id == bindparam("id"), CAPTURE.c.deleted_at.is_(None))
    facts = select(f.c.kind, f.c.session_id, f.c.a1, f.c.status, no_text, f.c.currency_code, f.c.a2)
    rows = union_all(captures, facts).subquery("rows")
    return (
        select(
            PAYMENT,
            PAYMENT_VERSION.label("version"),
            *collection_columns(),
            VERSION.label("collection_version"),
            *rows.c,
        )
        .select_from(
            PAYMENT.join(COLLECTION, COLLECTION.c.id == PAYMENT.c.payment_collection_id).outerjoin(
                rows, true()
            )
        )
        .where(PAYMENT.c.id == bindparam("id"), PAYMENT.c.deleted_at.is_(None))
    )


_PAYMENT_FOR_GUARDED_CAPTURE = _payment_for_guarded_capture()
# Locks the payment by writing a new version of it (no column changes), if it is still ``guard_version``.
_BUMP_PAYMENT = (
    update(PAYMENT)
    .where(
        PAYMENT.c.id == bindparam("guard_payment_id"),
        PAYMENT.c.deleted_at.is_(None),
        bindparam("guard_version") == PAYMENT_VERSION,
    )
    .values(SAME_VALUES)
    .returning(PAYMENT.c.id)
)
# The row version this transaction writes (the xmin of the rows it writes; no subtransactions here).
_NEW_VERSION_WRITTEN: Any = literal_column("pg_current_xact_id()::xid::text").label("version")


async def payment_for_guarded_capture(
    conn: AsyncConnection, payment_id: str
) -> tuple[dict[str, Any], list[dict[str, Any]], dict[str, Any], list[dict[str, Any]]] | None:
    """The live payment with its ``version``, its live captures (as ``payment_rows.captures_for_limit``), its
    collection (with its ``version``) and the collection's recompute facts, in one unlocked read (one
    snapshot); None: no such payment. PostgreSQL. See :func:`reserve_capture_if_unchanged` and
    :func:`capture_settlement_guard`."""
    rows = (await conn.execute(_PAYMENT_FOR_GUARDED_CAPTURE, {"id": payment_id})).mappings().all()
    if not rows:
        return None
    payment, collection = split_columns(rows[0], "collection_")
    payment, _ = split_columns(payment, "row_")
    captures: list[dict[str, Any]] = []
    facts: list[dict[str, Any]] = []
    for row in rows:
        kind = row["row_kind"]
        if kind == "c":
            captures.append(
                {"id": row["row_id"], "amount": row["row_a1"], "status": row["row_status"],
                 "idempotency_key": row["row_key"]}
            )  # fmt: skip
        elif kind is not None:
            facts.append(
                {"kind": kind, "session_id": row["row_id"], "status": row["row_status"],
                 "currency_code": row["row_currency_code"], "a1": row["row_a1"], "a2": row["row_a2"]}
            )  # fmt: skip
    return payment, captures, collection, facts


_RESERVE: dict[tuple[str, ...], Any] = {}


async def reserve_capture_if_unchanged(
    conn: AsyncConnection, row: Mapping[str, Any], version: str
) -> str | None:
    """Insert the capture ``row`` under its payment's row lock if the payment is still at ``version``;
    returns the payment's new row version, None (nothing written): it changed since it was read. One
    statement (PostgreSQL, on an AUTOCOMMIT connection: the new version is the statement's transaction).

    The statement takes the payment's lock by writing a new version of the row and inserts only if the
    version it locked is the one the caller's decision was made on (a concurrent writer that committed
    meanwhile fails the check, also when the statement waited for its lock: PostgreSQL re-checks the
    condition on the newest version). It holds because every new or restored capture of a payment is
    written with a new version of its payment: here, with the payment itself (authorize), or with its
    payment's restore; a capture removed meanwhile only leaves more to capture.
    """
    columns = tuple(row)
    stmt = _RESERVE.get(columns)
    if stmt is None:  # built once per column list (the same on every call from one place)
        bumped = _BUMP_PAYMENT.cte("locked_payment")
        values = select(*(bindparam(f"row_{k}", type_=CAPTURE.c[k].type).label(k) for k in columns)).where(
            exists(select(bumped.c.id))
        )
        stmt = (
            insert(CAPTURE).from_select(list(columns), values).returning(CAPTURE.c.id, _NEW_VERSION_WRITTEN)
        )
        _RESERVE[columns] = stmt
    params = {f"row_{k}": v for k, v in row.items()}
    params.update(guard_payment_id=row["payment_id"], guard_version=version)
    written = (await conn.execute(stmt, params)).first()
    return None if written is None else str(written[1])


def capture_settlement_guard() -> Any:
    """The guard of ``collection_guard.write_if_unchanged`` for settling the pending capture of a payment
    and its collection still at the versions read (``guard_payment_id``, ``guard_capture_id``,
    ``guard_payment_version``, ``guard_collection_version``): the payment, the collection and the
    capture locked, in the order the locked path takes them."""
    return (
        select(PAYMENT.c.id)
        .select_from(
            PAYMENT.join(COLLECTION, COLLECTION.c.id == PAYMENT.c.payment_collection_id).join(
                CAPTURE, CAPTURE.c.payment_id == PAYMENT.c.id
            )
        )
        .where(
            PAYMENT.c.id == bindparam("guard_payment_id"),
            PAYMENT.c.deleted_at.is_(None),
            bindparam("guard_payment_version") == PAYMENT_VERSION,
            COLLECTION.c.deleted_at.is_(None),
            bindparam("guard_collection_version") == VERSION,
            CAPTURE.c.id == bindparam("guard_capture_id"),
            CAPTURE.c.deleted_at.is_(None),
            CAPTURE.c.status == "pending",
        )
        .with_for_update(of=[PAYMENT, COLLECTION, CAPTURE], key_share=True)
    )


def captures_and_refunds_where(condition: Any) -> Any:
    """``result`` for ``collection_guard.write_if_unchanged``: the captures and refunds of the payment
    ``result_payment_id`` (as :func:`captures_and_refunds`), only where ``condition`` holds; split
    them with :func:`children_rows`."""
    captures, refunds = children_of([bindparam("result_payment_id")])
    return union_all(captures.where(condition), refunds.where(condition))


def children_rows(
    rows: Sequence[Mapping[Any, Any]],
) -> tuple[list[Mapping[Any, Any]], list[Mapping[Any, Any]]]:
    """Captures and refunds from rows of :func:`captures_and_refunds_where`, each oldest first."""
    found: dict[str, list[Mapping[Any, Any]]] = {"c": [], "r": []}
    for row in rows:
        found[row["kind"]].append(row)
    return sorted(found["c"], key=oldest_first), sorted(found["r"], key=oldest_first)
