"""An example plugin: a store's own workflow behind a mutation, a subscriber, and a daily job.

Load it through the configuration file (``paymentgraph.toml``) with this directory on ``PYTHONPATH``::

    plugins = ["store_plugin"]

- ``createStoreCollection(currencyCode, amount)``: runs the store's create-payment-collection workflow
  (a step with a compensation that deletes the collection), as Medusa's documentation does.
- a subscriber on ``payment.captured`` records each sale in the plugin's own ``store_sale`` table (once
  per event: the event id is the key, so a redelivery changes nothing).
- a daily job at 02:00 UTC writes the day's total to ``store_daily_report``.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import strawberry
from sqlalchemy import Column, DateTime, MetaData, Numeric, String, Table, func, select

from paymentgraph.db.session import read_session, write_transaction
from paymentgraph.db.statements import insert_for
from paymentgraph.db.types import utcnow
from paymentgraph.events import Event, job, subscriber
from paymentgraph.plugins import Plugin
from paymentgraph.resolvers.base import load
from paymentgraph.workflows.engine import Step, StepContext, Workflow

metadata = MetaData()
SALES = Table(
    "store_sale",
    metadata,
    Column("event_id", String, primary_key=True),
    Column("payment_id", String, nullable=False),
    Column("amount", Numeric(asdecimal=True), nullable=False),
    Column("currency_code", String, nullable=False),
    Column("recorded_at", DateTime(timezone=True), nullable=False),
)
REPORTS = Table(
    "store_daily_report",
    metadata,
    Column("day", String, primary_key=True),
    Column("sales", Numeric(asdecimal=True), nullable=False),
    Column("written_at", DateTime(timezone=True), nullable=False),
)


# ---------------------------------------------------------------- the workflow, behind a mutation
async def create_collection(ctx: StepContext) -> dict[str, Any]:
    collection = await ctx.pg.payment.create_payment_collections(
        {"currency_code": ctx.input["currency_code"], "amount": ctx.input["amount"]}
    )
    return {"payment_collection_id": collection.id}


async def delete_collection(ctx: StepContext, output: dict[str, Any]) -> None:
    await ctx.pg.payment.delete_payment_collections([output["payment_collection_id"]])


CREATE_COLLECTION = Workflow(
    "store_plugin.create_payment_collection", [Step("create", create_collection, delete_collection)]
)


async def create_store_collection(info: strawberry.Info, currency_code: str, amount: Decimal) -> Any:
    """Create a payment collection through the store's own workflow (admin)."""
    results = await CREATE_COLLECTION.run(
        info.context.pg, {"currency_code": currency_code, "amount": str(amount)}
    )
    return await load(info, "payment_collection", results["create"]["payment_collection_id"])


# ---------------------------------------------------------------- the subscriber
@subscriber("payment.captured", name="store_plugin.record_sale")
async def record_sale(event: Event, pg: Any) -> None:
    async with write_transaction(pg.sessionmaker) as session:
        statement = insert_for(session, SALES).values(
            event_id=event.id,
            payment_id=event.data["id"],
            amount=Decimal(event.data["amount"]),
            currency_code=event.data["currency_code"],
            recorded_at=utcnow(),
        )
        await session.execute(statement.on_conflict_do_nothing(index_elements=["event_id"]))


# ---------------------------------------------------------------- the daily job
@job("0 2 * * *", name="store_plugin.daily_report")
async def daily_report(pg: Any) -> None:
    async with read_session(pg.sessionmaker) as session:
        total = await session.scalar(select(func.coalesce(func.sum(SALES.c.amount), 0)))
    day = utcnow().date().isoformat()
    async with write_transaction(pg.sessionmaker) as session:
        statement = insert_for(session, REPORTS).values(day=day, sales=total, written_at=utcnow())
        await session.execute(statement.on_conflict_do_nothing(index_elements=["day"]))


async def create_tables(pg: Any) -> None:
    async with pg.engine.begin() as conn:
        await conn.run_sync(metadata.create_all)


def register(plugin: Plugin) -> None:
    plugin.add(CREATE_COLLECTION, record_sale, daily_report)
    plugin.mutation("createStoreCollection", lambda types: types.object_type("payment_collection"))(
        create_store_collection
    )
    plugin.on_start(create_tables)


__all__ = ["register"]
