"""The cart module's service on both databases: items, exact totals, completion, validation."""

from __future__ import annotations

import asyncio
from decimal import Decimal
from typing import Any

import pytest

from paymentgraph.errors import InvalidData, NotAllowed, NotFound


@pytest.fixture
async def region(pg: Any) -> Any:
    return await pg.region.create_regions({"name": "US", "currency_code": "usd"})


async def test_create_with_items_keeps_an_exact_total(pg: Any, region: Any) -> None:
    cart = await pg.cart.create_carts(
        {
            "region_id": region.id,
            "currency_code": "USD",
            "email": "buyer@example.com",
            "items": [
                {"title": "Shirt", "quantity": 3, "unit_price": "19.99"},
                {"title": "Sticker", "quantity": 1, "unit_price": Decimal("0.10")},
            ],
        }
    )
    assert cart.id.startswith("cart_") and cart.currency_code == "usd"
    assert cart.total == Decimal("60.07")
    assert [(i.title, i.quantity, i.unit_price, i.total) for i in cart.items] == [
        ("Shirt", 3, Decimal("19.99"), Decimal("59.97")),
        ("Sticker", 1, Decimal("0.10"), Decimal("0.10")),
    ]
    assert await pg.cart.retrieve_cart(cart.id) == cart


async def test_add_line_items_updates_the_total(pg: Any, region: Any) -> None:
    cart = await pg.cart.create_carts({"region_id": region.id, "currency_code": "usd"})
    assert cart.total == Decimal("0.00") and cart.items == ()
    cart = await pg.cart.add_line_items(cart.id, [{"title": "Mug", "quantity": 2, "unit_price": 12}])
    cart = await pg.cart.add_line_items(cart.id, [{"title": "Pen", "quantity": 1, "unit_price": "0.01"}])
    assert cart.total == Decimal("24.01") and len(cart.items) == 2
    assert (await pg.cart.retrieve_cart(cart.id)).total == Decimal("24.01")


async def test_concurrent_item_additions_all_count_in_the_total(pg: Any, region: Any) -> None:
    cart = await pg.cart.create_carts({"region_id": region.id, "currency_code": "usd"})
    await asyncio.gather(
        *(
            pg.cart.add_line_items(cart.id, [{"title": f"Item {n}", "quantity": 1, "unit_price": "1.25"}])
            for n in range(6)
        )
    )
    stored = await pg.cart.retrieve_cart(cart.id)
    assert len(stored.items) == 6 and stored.total == Decimal("7.50")


@pytest.mark.parametrize(
    "item",
    [
        {"title": "A", "quantity": 0, "unit_price": "1"},
        {"title": "A", "quantity": -1, "unit_price": "1"},
        {"title": "A", "quantity": 1.5, "unit_price": "1"},
        {"title": "A", "quantity": True, "unit_price": "1"},
        {"title": "A", "quantity": 1, "unit_price": 1.5},
        {"title": "A", "quantity": 1, "unit_price": "1.005"},
        {"title": "A", "quantity": 1, "unit_price": "-1"},
        {"title": "", "quantity": 1, "unit_price": "1"},
        {"quantity": 1, "unit_price": "1"},
        {"title": "A", "quantity": 1, "unit_price": "1", "sku": "x"},
    ],
)
async def test_bad_items_are_refused_and_nothing_is_written(
    pg: Any, region: Any, item: dict[str, Any]
) -> None:
    good = {"title": "Good", "quantity": 1, "unit_price": "5"}
    with pytest.raises(InvalidData):
        await pg.cart.create_carts({"region_id": region.id, "currency_code": "usd", "items": [good, item]})
    assert await pg.cart.list_carts() == []

    cart = await pg.cart.create_carts({"region_id": region.id, "currency_code": "usd", "items": [good]})
    with pytest.raises(InvalidData):
        await pg.cart.add_line_items(cart.id, [good, item])
    stored = await pg.cart.retrieve_cart(cart.id)
    assert len(stored.items) == 1 and stored.total == Decimal("5.00")


async def test_amounts_follow_the_cart_currency(pg: Any, region: Any) -> None:
    with pytest.raises(InvalidData):
        await pg.cart.create_carts(
            {
                "region_id": region.id,
                "currency_code": "jpy",
                "items": [{"title": "A", "quantity": 1, "unit_price": "1.5"}],
            }
        )
    cart = await pg.cart.create_carts(
        {
            "region_id": region.id,
            "currency_code": "kwd",
            "items": [{"title": "A", "quantity": 2, "unit_price": "1.125"}],
        }
    )
    assert cart.total == Decimal("2.250")


@pytest.mark.parametrize(
    "bad",
    [
        {"currency_code": "usd"},
        {"region_id": "reg_1"},  # currency_code is required: the caller resolves the region's
        {"region_id": "reg_1", "currency_code": "xyz"},
        {"region_id": "reg_1", "currency_code": "usd", "email": "not-an-email"},
        {"region_id": "reg_1", "currency_code": "usd", "items": "many"},
    ],
)
async def test_bad_cart_input_is_invalid_data(pg: Any, bad: dict[str, Any]) -> None:
    with pytest.raises(InvalidData):
        await pg.cart.create_carts(bad)
    assert await pg.cart.list_carts() == []


async def test_update_carts(pg: Any, region: Any) -> None:
    cart = await pg.cart.create_carts({"region_id": region.id, "currency_code": "usd"})
    cart = await pg.cart.update_carts(cart.id, {"email": "a@example.com", "customer_id": "cus_1"})
    assert (cart.email, cart.customer_id) == ("a@example.com", "cus_1")
    cart = await pg.cart.update_carts(cart.id, {"currency_code": "eur"})
    assert cart.currency_code == "eur"
    await pg.cart.add_line_items(cart.id, [{"title": "A", "quantity": 1, "unit_price": "2"}])
    with pytest.raises(NotAllowed):
        await pg.cart.update_carts(cart.id, {"currency_code": "usd"})
    with pytest.raises(InvalidData):
        await pg.cart.update_carts(cart.id, {"email": "nope"})
    assert (await pg.cart.retrieve_cart(cart.id)).email == "a@example.com"


async def test_complete_cart_is_idempotent_and_freezes_the_cart(pg: Any, region: Any) -> None:
    cart = await pg.cart.create_carts(
        {
            "region_id": region.id,
            "currency_code": "usd",
            "items": [{"title": "A", "quantity": 1, "unit_price": 3}],
        }
    )
    completed = await pg.cart.complete_cart(cart.id)
    assert completed.completed_at is not None
    again = await pg.cart.complete_cart(cart.id)
    assert again.completed_at == completed.completed_at
    with pytest.raises(NotAllowed):
        await pg.cart.add_line_items(cart.id, [{"title": "B", "quantity": 1, "unit_price": 1}])
    with pytest.raises(NotAllowed):
        await pg.cart.update_carts(cart.id, {"email": "late@example.com"})
    assert (await pg.cart.retrieve_cart(cart.id)).total == Decimal("3.00")


async def test_list_and_delete(pg: Any, region: Any) -> None:
    first = await pg.cart.create_carts({"region_id": region.id, "currency_code": "usd"})
    second = await pg.cart.create_carts({"region_id": "reg_other", "currency_code": "usd"})
    assert [c.id for c in await pg.cart.list_carts({"region_id": region.id})] == [first.id]
    assert [c.id for c in await pg.cart.list_carts()] == [first.id, second.id]
    with pytest.raises(NotFound):
        await pg.cart.delete_carts([first.id, "cart_missing"])
    await pg.cart.delete_carts(first.id)
    assert [c.id for c in await pg.cart.list_carts()] == [second.id]
    for call in (pg.cart.retrieve_cart, pg.cart.complete_cart):
        with pytest.raises(NotFound):
            await call(first.id)
    with pytest.raises(NotFound):
        await pg.cart.add_line_items("cart_missing", [{"title": "A", "quantity": 1, "unit_price": 1}])
