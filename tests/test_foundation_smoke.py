from decimal import Decimal

from sqlalchemy import insert, select

from paymentgraph.db.session import create_engine
from paymentgraph.modules.payment.models import PaymentCollection


async def test_money_round_trips_exactly(database_url: str) -> None:
    engine = create_engine(database_url)
    table = PaymentCollection.__table__
    async with engine.begin() as conn:
        await conn.execute(
            insert(table).values(
                id="pc1",
                currency_code="usd",
                amount=Decimal("40.10"),
                authorized_amount=0,
                captured_amount=0,
                refunded_amount=0,
                status="not_paid",
            )
        )
        amount = (await conn.execute(select(table.c.amount))).scalar_one()
    await engine.dispose()
    assert amount == Decimal("40.10") and str(amount) == "40.10"
