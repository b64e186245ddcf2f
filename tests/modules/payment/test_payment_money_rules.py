"""Money rules at the service boundary: exact, per-currency precision, refused bad values."""

from __future__ import annotations

from decimal import Decimal

import pytest

from paymentgraph import PaymentGraph
from paymentgraph.errors import InvalidData

CURRENCY_CASES = [("usd", "10.25", "10.255"), ("jpy", "500", "500.5"), ("kwd", "1.125", "1.1255")]
BAD_AMOUNTS = [
    "-1",
    "NaN",
    "Infinity",
    "-Infinity",
    "1000000000000001",
    1.5,
    "abc",
    True,
    # Written in a way other than plain ASCII decimals: each reads as a number to Decimal().
    "\u0661\u0660",  # Arabic-Indic "10"
    "\uff11\uff10",  # full-width "10"
    "1e3",
    "1E+3",
    "1_000",
    "+5",
    " 5",
    "5 ",
    ".5",
    "5.",
]


async def test_currency_precision(pg: PaymentGraph) -> None:
    for currency, good, bad in CURRENCY_CASES:
        col = await pg.payment.create_payment_collections({"currency_code": currency.upper(), "amount": good})
        assert col.currency_code == currency
        assert col.amount == Decimal(good) and str(col.amount) == good
        assert str((await pg.payment.retrieve_payment_collection(col.id)).amount) == good
        with pytest.raises(InvalidData, match="finer than the minor unit"):
            await pg.payment.create_payment_collections({"currency_code": currency, "amount": bad})
    # Whole amounts are quantized to the currency: 40 USD is 40.00, 40 KWD is 40.000.
    assert str(
        (await pg.payment.create_payment_collections({"currency_code": "kwd", "amount": 40})).amount
    ) == ("40.000")


async def test_bad_amounts_refused_everywhere(pg: PaymentGraph, make_payment) -> None:
    payment = await make_payment(pg)
    for amount in BAD_AMOUNTS:
        with pytest.raises(InvalidData):
            await pg.payment.create_payment_collections({"currency_code": "usd", "amount": amount})
        with pytest.raises(InvalidData):
            await pg.payment.capture_payment({"payment_id": payment.id, "amount": amount})
        with pytest.raises(InvalidData):
            await pg.payment.create_payment_session(
                payment.payment_collection_id, {"provider_id": "pp_system_default", "amount": amount}
            )
    await pg.payment.capture_payment({"payment_id": payment.id})
    for amount in BAD_AMOUNTS:
        with pytest.raises(InvalidData):
            await pg.payment.refund_payment({"payment_id": payment.id, "amount": amount})
    after = await pg.payment.retrieve_payment(payment.id)
    assert after.refunds == () and len(after.captures) == 1
    assert len(await pg.payment.list_payment_collections()) == 1


async def test_negative_zero_is_stored_as_zero(pg: PaymentGraph) -> None:
    for written in ("-0", "-0.00", Decimal("-0"), Decimal("-0.000")):
        col = await pg.payment.create_payment_collections({"currency_code": "usd", "amount": written})
        stored = (await pg.payment.retrieve_payment_collection(col.id)).amount
        assert (str(col.amount), str(stored)) == ("0.00", "0.00")


async def test_zero_capture_and_refund_refused(pg: PaymentGraph, make_payment) -> None:
    payment = await make_payment(pg)
    with pytest.raises(InvalidData, match="greater than 0"):
        await pg.payment.capture_payment({"payment_id": payment.id, "amount": "0"})
    await pg.payment.capture_payment({"payment_id": payment.id})
    with pytest.raises(InvalidData, match="greater than 0"):
        await pg.payment.refund_payment({"payment_id": payment.id, "amount": 0})


async def test_unknown_or_wrong_currency(pg: PaymentGraph) -> None:
    for currency in ["XYZ", "", "us", None, 840, "usd "[:2]]:
        with pytest.raises(InvalidData, match="currency_code"):
            await pg.payment.create_payment_collections({"currency_code": currency, "amount": "1"})
    col = await pg.payment.create_payment_collections({"currency_code": " Usd ", "amount": "1"})
    assert col.currency_code == "usd"
    with pytest.raises(InvalidData, match="does not match"):
        await pg.payment.create_payment_session(
            col.id, {"provider_id": "pp_system_default", "currency_code": "EUR"}
        )
    with pytest.raises(InvalidData, match="not an ISO 4217"):
        await pg.payment.create_payment_session(
            col.id, {"provider_id": "pp_system_default", "currency_code": "ABC"}
        )


async def test_large_exact_amount_round_trips(pg: PaymentGraph) -> None:
    col = await pg.payment.create_payment_collections(
        {"currency_code": "usd", "amount": "999999999999999.99"}
    )
    assert (await pg.payment.retrieve_payment_collection(col.id)).amount == Decimal("999999999999999.99")
    col = await pg.payment.create_payment_collections({"currency_code": "usd", "amount": "0.10"})
    assert str((await pg.payment.retrieve_payment_collection(col.id)).amount) == "0.10"


async def test_refund_refusal_states_the_refundable_amount_in_the_currency(
    pg: PaymentGraph, make_payment
) -> None:
    payment = await make_payment(pg, amount="40")  # authorized, nothing captured
    with pytest.raises(InvalidData, match=r"has 0\.00 USD refundable"):  # was "has 0 USD"
        await pg.payment.refund_payment({"payment_id": payment.id, "amount": "1"})
    kwd = await make_payment(pg, amount="5", currency="kwd")
    await pg.payment.capture_payment({"payment_id": kwd.id, "amount": "2"})
    with pytest.raises(InvalidData, match=r"has 2\.000 KWD refundable"):
        await pg.payment.refund_payment({"payment_id": kwd.id, "amount": "3"})
