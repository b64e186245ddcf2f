"""The link service: the six payment links created, listed, dismissed and re-created, with cardinality."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from sqlalchemy import insert, select

from paymentgraph.db.ids import new_id
from paymentgraph.db.session import read_session, write_transaction
from paymentgraph.errors import Conflict, InvalidData, NotFound
from paymentgraph.links.definitions import LINKS
from paymentgraph.modules.payment.models import AccountHolder, PaymentCollection


async def insert_row(pg: Any, model: Any, **values: Any) -> str:
    """A payment-module row inserted directly (the payment service is written elsewhere)."""
    async with write_transaction(pg.sessionmaker) as session:
        await session.execute(insert(model.__table__).values(**values))
    return str(values["id"])


LINK_NAMES = [definition.table_name for definition in LINKS]


async def make_record(pg: Any, entity: str) -> str:
    """A live record of ``entity``; returns its id."""
    region = await pg.region.create_regions({"name": "EU", "currency_code": "eur"})
    if entity == "region":
        return str(region.id)
    if entity == "payment_collection":
        return await insert_row(pg, PaymentCollection, id=new_id("pay_col"), currency_code="usd", amount=1)
    if entity == "account_holder":
        id = new_id("acchld")
        return await insert_row(
            pg, AccountHolder, id=id, provider_id="pp_system_default", external_id=id, data={}
        )
    if entity == "payment_provider":
        return "pp_system_default"
    if entity == "customer":
        return str((await pg.customer.create_customers({"email": "a@example.com"})).id)
    if entity == "cart":
        return str((await pg.cart.create_carts({"region_id": region.id, "currency_code": "eur"})).id)
    order = await pg.order.create_orders({"region_id": region.id, "currency_code": "eur"})
    if entity == "order":
        return str(order.id)
    if entity == "order_claim":
        return str((await pg.order.create_order_claims({"order_id": order.id, "type": "refund"})).id)
    assert entity == "order_exchange"
    return str((await pg.order.create_order_exchanges({"order_id": order.id})).id)


def link_dict(definition: Any, left_id: Any, right_id: Any) -> dict[str, Any]:
    return {
        definition.left.module: {definition.left.key: left_id},
        definition.right.module: {definition.right.key: right_id},
    }


@pytest.mark.parametrize("name", LINK_NAMES)
async def test_every_link_creates_lists_dismisses_and_revives(pg: Any, name: str) -> None:
    definition = pg.link.definition(name)
    left_id = await make_record(pg, definition.left.entity)
    right_id = await make_record(pg, definition.right.entity)
    pair = link_dict(definition, left_id, right_id)

    row = await pg.link.create(pair)
    assert row[definition.left.key] == left_id and row[definition.right.key] == right_id
    assert row["id"].startswith(definition.id_prefix + "_")
    assert [r["id"] for r in await pg.link.list(pair)] == [row["id"]]
    assert await pg.link.create(pair) == row  # creating a live pair again changes nothing

    dismissed = await pg.link.dismiss(pair)
    assert [r["id"] for r in dismissed] == [row["id"]]
    assert await pg.link.list(pair) == []
    assert await pg.link.dismiss(pair) == []

    revived = await pg.link.create(pair)
    assert revived["id"] == row["id"] and revived["deleted_at"] is None
    assert len(await pg.link.list(pair)) == 1


async def test_key_order_may_be_given_either_way(pg: Any, cart: Any, make_collection: Any) -> None:
    collection = await make_collection()
    reversed_pair = {"payment": {"payment_collection_id": collection}, "cart": {"cart_id": cart.id}}
    await pg.link.create(reversed_pair)
    rows = await pg.link.list({"cart": {"cart_id": cart.id}, "payment": {"payment_collection_id": None}})
    assert [(r["cart_id"], r["payment_collection_id"]) for r in rows] == [(cart.id, collection)]


async def test_create_link_and_dismiss_link_by_name(pg: Any, cart: Any, make_collection: Any) -> None:
    collection = await make_collection()
    row = await pg.link.create_link("CartPaymentCollection", cart.id, collection)
    assert row["cart_id"] == cart.id
    assert await pg.link.dismiss_link("cart_payment_collection", cart.id, collection) is True
    assert await pg.link.dismiss_link("CartPaymentCollection", cart.id, collection) is False
    with pytest.raises(InvalidData):
        await pg.link.create_link("CartRegion", cart.id, collection)


# (link, which end already has a partner): the second partner on that single-valued end is refused.
SINGLE_VALUED = [
    ("cart_payment_collection", "left"),  # a cart has one collection
    ("cart_payment_collection", "right"),  # a collection has one cart
    ("customer_account_holder", "right"),  # a holder has one customer
    ("order_payment_collection", "right"),
    ("order_claim_payment_collection", "right"),
    ("order_exchange_payment_collection", "right"),
]


@pytest.mark.parametrize(("name", "side"), SINGLE_VALUED)
async def test_second_partner_on_a_single_valued_end_is_a_conflict(pg: Any, name: str, side: str) -> None:
    definition = pg.link.definition(name)
    fixed_end = definition.left if side == "left" else definition.right
    other_end = definition.other(fixed_end)
    fixed = await make_record(pg, fixed_end.entity)
    first = await make_record(pg, other_end.entity)
    second = await make_record(pg, other_end.entity)

    def pair(partner: str) -> dict[str, Any]:
        ids = {fixed_end.key: fixed, other_end.key: partner}
        return link_dict(definition, ids[definition.left.key], ids[definition.right.key])

    await pg.link.create(pair(first))
    with pytest.raises(Conflict) as refused:
        await pg.link.create(pair(second))
    assert fixed in refused.value.message and first in refused.value.message
    assert second in refused.value.message
    assert refused.value.details[f"existing_{other_end.key}"] == first
    rows = await pg.link.list(pair(None))  # type: ignore[arg-type]
    assert [r[other_end.key] for r in rows] == [first]

    # Once dismissed, the end is free again.
    await pg.link.dismiss(pair(first))
    await pg.link.create(pair(second))


async def test_many_valued_ends_accept_several_partners(pg: Any, order: Any, make_collection: Any) -> None:
    collections = [await make_collection() for _ in range(3)]
    await pg.link.create(
        [{"order": {"order_id": order.id}, "payment": {"payment_collection_id": c}} for c in collections]
    )
    rows = await pg.link.list({"order": {"order_id": order.id}, "payment": {"payment_collection_id": None}})
    assert sorted(r["payment_collection_id"] for r in rows) == sorted(collections)


async def test_region_payment_provider_is_many_to_many(pg: Any) -> None:
    regions = [await make_record(pg, "region") for _ in range(2)]
    for region_id in regions:
        await pg.link.create_link("RegionPaymentProvider", region_id, "pp_system_default")
    rows = await pg.link.list(
        {"region": {"region_id": regions}, "payment": {"payment_provider_id": "pp_system_default"}}
    )
    assert sorted(r["region_id"] for r in rows) == sorted(regions)


async def test_reviving_a_dismissed_pair_still_respects_cardinality(
    pg: Any, cart: Any, make_collection: Any
) -> None:
    old, new = await make_collection(), await make_collection()
    await pg.link.create_link("CartPaymentCollection", cart.id, old)
    await pg.link.dismiss_link("CartPaymentCollection", cart.id, old)
    await pg.link.create_link("CartPaymentCollection", cart.id, new)
    with pytest.raises(Conflict):
        await pg.link.create_link("CartPaymentCollection", cart.id, old)


async def test_a_batch_is_all_or_nothing(pg: Any, cart: Any, make_collection: Any) -> None:
    first, second = await make_collection(), await make_collection()
    with pytest.raises(Conflict):
        await pg.link.create(
            [
                {"cart": {"cart_id": cart.id}, "payment": {"payment_collection_id": first}},
                {"cart": {"cart_id": cart.id}, "payment": {"payment_collection_id": second}},
            ]
        )
    assert (
        await pg.link.list({"cart": {"cart_id": cart.id}, "payment": {"payment_collection_id": None}}) == []
    )


@pytest.mark.parametrize("missing_side", ["cart", "payment"])
async def test_linking_a_missing_id_is_not_found(
    pg: Any, cart: Any, make_collection: Any, missing_side: str
) -> None:
    collection = await make_collection()
    cart_id = "cart_missing" if missing_side == "cart" else cart.id
    collection_id = "pay_col_missing" if missing_side == "payment" else collection
    with pytest.raises(NotFound) as missing:
        await pg.link.create(
            {"cart": {"cart_id": cart_id}, "payment": {"payment_collection_id": collection_id}}
        )
    assert missing.value.details["id"] in {"cart_missing", "pay_col_missing"}
    assert (
        await pg.link.list({"cart": {"cart_id": cart.id}, "payment": {"payment_collection_id": None}}) == []
    )


async def test_linking_a_soft_deleted_record_is_not_found(pg: Any, cart: Any, make_collection: Any) -> None:
    collection = await make_collection()
    await pg.cart.delete_carts(cart.id)
    with pytest.raises(NotFound):
        await pg.link.create_link("CartPaymentCollection", cart.id, collection)


@pytest.mark.parametrize(
    "bad",
    [
        {"cart": {"cart_id": "c"}, "region": {"region_id": "r"}},
        {"cart": {"cart_id": "c"}},
        {"cart": {"cart_id": "c"}, "payment": {"payment_collection_id": "p"}, "order": {"order_id": "o"}},
        {"cart": {"id": "c"}, "payment": {"payment_collection_id": "p"}},
        {"cart": {"cart_id": 5}, "payment": {"payment_collection_id": "p"}},
        "cart_1",
    ],
)
async def test_unknown_shapes_are_invalid_data(pg: Any, bad: Any) -> None:
    with pytest.raises(InvalidData):
        await pg.link.create(bad)


async def test_deleting_an_order_cascades_to_its_collections_and_their_links(
    pg: Any, order: Any, cart: Any, make_collection: Any
) -> None:
    paid, spare, unrelated = await make_collection(), await make_collection(), await make_collection()
    await pg.link.create_link("OrderPaymentCollection", order.id, paid)
    await pg.link.create_link("OrderPaymentCollection", order.id, spare)
    await pg.link.create_link("CartPaymentCollection", cart.id, paid)
    claim = await pg.order.create_order_claims({"order_id": order.id, "type": "refund"})
    await pg.link.create_link("OrderClaimPaymentCollection", claim.id, unrelated)

    deleted = await pg.order.delete_orders(order.id)
    removed = await pg.link.delete({"order": deleted})

    assert sorted(removed["payment_collection"]) == sorted([paid, spare])
    assert len(removed["order_payment_collection"]) == 2
    assert len(removed["cart_payment_collection"]) == 1
    assert len(removed["order_claim_payment_collection"]) == 1
    async with read_session(pg.sessionmaker) as session:
        live = set(
            (
                await session.scalars(
                    select(PaymentCollection.id).where(PaymentCollection.deleted_at.is_(None))
                )
            ).all()
        )
    # The claim link goes, but claim links do not cascade: the claim's collection stays.
    assert live == {unrelated}
    assert (
        await pg.link.list({"cart": {"cart_id": cart.id}, "payment": {"payment_collection_id": None}}) == []
    )
    assert (await pg.cart.retrieve_cart(cart.id)).id == cart.id  # the cart end does not cascade


async def test_delete_refuses_an_end_no_link_has(pg: Any) -> None:
    with pytest.raises(InvalidData):
        await pg.link.delete({"order": {"cart_id": ["x"]}})


async def test_concurrent_creates_leave_exactly_one_partner(pg: Any, cart: Any, make_collection: Any) -> None:
    collections = [await make_collection() for _ in range(8)]
    results = await asyncio.gather(
        *(pg.link.create_link("CartPaymentCollection", cart.id, c) for c in collections),
        return_exceptions=True,
    )
    linked = [r for r in results if isinstance(r, dict)]
    conflicts = [r for r in results if isinstance(r, Conflict)]
    assert len(linked) == 1 and len(conflicts) == 7, results
    winner = linked[0]["payment_collection_id"]
    assert all(winner in c.message and cart.id in c.message for c in conflicts)
    rows = await pg.link.list({"cart": {"cart_id": cart.id}, "payment": {"payment_collection_id": None}})
    assert [r["payment_collection_id"] for r in rows] == [winner]
