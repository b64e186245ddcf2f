"""``paymentgraph seed --demo``: regions, customers, carts and orders with payments in every state.

Everything goes through the module services and the link service, so the demo data obeys the same
rules as real data (exact amounts, recomputed collection status, enforced link cardinality).

Seeding is done once per database: the demo customers are written first and mark it, so a second run
(or a run after one that stopped half-way) adds nothing rather than a second copy of everything.
"""

from __future__ import annotations

from collections import Counter

from paymentgraph.config import Settings
from paymentgraph.connection import PaymentGraph
from paymentgraph.money import quantum

SYSTEM_PROVIDER = "pp_system_default"

REGIONS = (("United States", "usd"), ("Europe", "eur"), ("Japan", "jpy"))
CUSTOMERS = (
    ("ada@example.com", "Ada", "Lovelace"),
    ("grace@example.com", "Grace", "Hopper"),
    ("alan@example.com", "Alan", "Turing"),
)
# (title, unit price per currency)
PRODUCTS = (
    ("Coffee mug", {"usd": "12.50", "eur": "11.90", "jpy": "1800"}),
    ("Notebook", {"usd": "7.25", "eur": "6.80", "jpy": "950"}),
)


async def _paid_up_to(pg: PaymentGraph, collection_id: str, state: str) -> None:
    """Drive a collection's payment to ``state`` through the payment service."""
    if state == "not_paid":
        return
    session = await pg.payment.create_payment_session(collection_id, {"provider_id": SYSTEM_PROVIDER})
    if state == "awaiting":
        return
    payment = await pg.payment.authorize_payment_session(session.id, {})
    if state == "authorized":
        return
    if state == "canceled":
        await pg.payment.cancel_payment(payment.id)
        # Canceling the payment alone leaves the collection awaiting a new one; the collection itself is
        # canceled as an admin would, with the status given explicitly (it wins over the derived one).
        await pg.payment.update_payment_collections(collection_id, {"status": "canceled"})
        return
    if state == "partially_captured":
        half = (payment.amount / 2).quantize(quantum(payment.currency_code))
        await pg.payment.capture_payment({"payment_id": payment.id, "amount": half})
        return
    await pg.payment.capture_payment({"payment_id": payment.id})
    if state == "refunded":
        await pg.payment.refund_payment({"payment_id": payment.id, "note": "Demo: returned in full"})


STATES = ("not_paid", "awaiting", "authorized", "partially_captured", "completed", "refunded", "canceled")


async def demo_present(pg: PaymentGraph) -> bool:
    """Whether the demo data set (begun or complete) is already in the database."""
    found = await pg.query.graph(
        entity="customer",
        fields=["id"],
        filters={"email": {"$in": [email for email, _, _ in CUSTOMERS]}},
        pagination={"take": 1},
    )
    return bool(found["data"])


async def seed_demo(settings: Settings | None = None) -> dict[str, int] | None:
    """Fill the database named by ``settings`` with the demo data set; returns counts by kind.

    None when the demo data is already there (nothing is written).
    """
    counts: Counter[str] = Counter()
    async with PaymentGraph.connect(settings=settings or Settings()) as pg:
        if await demo_present(pg):
            return None
        await pg.sync_providers()
        customers = [
            await pg.customer.create_customers({"email": e, "first_name": f, "last_name": last})
            for e, f, last in CUSTOMERS
        ]
        counts["customers"] = len(customers)
        regions = [await pg.region.create_regions({"name": n, "currency_code": c}) for n, c in REGIONS]
        counts["regions"] = len(regions)
        for region in regions:
            await pg.link.create_link("region_payment_provider", region.id, SYSTEM_PROVIDER)
        for index, state in enumerate(STATES * len(regions)):
            region = regions[index % len(regions)]
            customer = customers[index % len(customers)]
            items = [
                {"title": title, "quantity": 1 + (index + n) % 3, "unit_price": prices[region.currency_code]}
                for n, (title, prices) in enumerate(PRODUCTS)
            ]
            cart = await pg.cart.create_carts(
                {
                    "region_id": region.id,
                    "currency_code": region.currency_code,
                    "customer_id": customer.id,
                    "email": customer.email,
                    "items": items,
                }
            )
            counts["carts"] += 1
            collection = await pg.payment.create_payment_collections(
                {"currency_code": cart.currency_code, "amount": cart.total, "metadata": {"demo_state": state}}
            )
            counts["payment_collections"] += 1
            await pg.link.create_link("cart_payment_collection", cart.id, collection.id)
            await _paid_up_to(pg, collection.id, state)
            if state in {"completed", "refunded", "partially_captured"}:
                order = await pg.order.create_orders(
                    {
                        "region_id": region.id,
                        "currency_code": region.currency_code,
                        "customer_id": customer.id,
                        "email": customer.email,
                        "cart_id": cart.id,
                        "items": items,
                    }
                )
                await pg.link.create_link("order_payment_collection", order.id, collection.id)
                counts["orders"] += 1
            counts[f"collections {state}"] += 1
        await pg.payment.create_refund_reasons(
            [
                {"label": "Damaged", "code": "damaged"},
                {"label": "Customer changed their mind", "code": "changed_mind"},
            ]
        )
        counts["refund_reasons"] = 2
    return dict(counts)
