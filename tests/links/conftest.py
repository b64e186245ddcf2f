"""Link-test fixtures: payment collections inserted directly (the payment service is written elsewhere)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import insert

from paymentgraph.db.ids import new_id
from paymentgraph.db.session import write_transaction
from paymentgraph.modules.payment.models import PaymentCollection


@pytest.fixture
def make_collection(pg: Any) -> Callable[..., Awaitable[str]]:
    """``await make_collection(amount="10.00")``: a live payment_collection row's id."""

    async def make(amount: str = "10.00", currency: str = "usd") -> str:
        id = new_id("pay_col")
        async with write_transaction(pg.sessionmaker) as session:
            await session.execute(
                insert(PaymentCollection.__table__).values(
                    id=id, currency_code=currency, amount=Decimal(amount)
                )
            )
        return id

    return make


@pytest.fixture
async def region(pg: Any) -> Any:
    return await pg.region.create_regions({"name": "Europe", "currency_code": "eur"})


@pytest.fixture
async def cart(pg: Any, region: Any) -> Any:
    return await pg.cart.create_carts({"region_id": region.id, "currency_code": "eur"})


@pytest.fixture
async def order(pg: Any, region: Any) -> Any:
    return await pg.order.create_orders({"region_id": region.id, "currency_code": "eur"})
