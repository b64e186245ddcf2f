"""The region module's service on both databases."""

from __future__ import annotations

from typing import Any

import pytest

from paymentgraph.errors import InvalidData, NotFound


async def test_create_retrieve_update_list_delete(pg: Any) -> None:
    eu = await pg.region.create_regions({"name": "Europe", "currency_code": "EUR", "metadata": {"vat": True}})
    assert (eu.name, eu.currency_code, eu.metadata) == ("Europe", "eur", {"vat": True})
    assert eu.id.startswith("reg_")
    assert await pg.region.retrieve_region(eu.id) == eu

    updated = await pg.region.update_regions(eu.id, {"name": "EU", "currency_code": "usd"})
    assert (updated.name, updated.currency_code) == ("EU", "usd")

    us, jp = await pg.region.create_regions(
        [{"name": "US", "currency_code": "usd"}, {"name": "Japan", "currency_code": "jpy"}]
    )
    assert [r.id for r in await pg.region.list_regions()] == [eu.id, us.id, jp.id]
    assert [r.id for r in await pg.region.list_regions({"currency_code": "USD"})] == [eu.id, us.id]
    assert [r.id for r in await pg.region.list_regions({"id": [jp.id]})] == [jp.id]
    assert [r.id for r in await pg.region.list_regions(skip=1, take=1)] == [us.id]

    assert await pg.region.delete_regions([eu.id]) == [eu.id]
    with pytest.raises(NotFound):
        await pg.region.retrieve_region(eu.id)
    assert [r.id for r in await pg.region.list_regions()] == [us.id, jp.id]


@pytest.mark.parametrize(
    "bad",
    [
        {"name": "", "currency_code": "usd"},
        {"currency_code": "usd"},
        {"name": "X", "currency_code": "dollars"},
        {"name": "X"},
        {"name": "X", "currency_code": "usd", "colour": "red"},
        {"name": "X", "currency_code": "usd", "metadata": "text"},
    ],
)
async def test_bad_input_is_refused_and_nothing_is_written(pg: Any, bad: dict[str, Any]) -> None:
    with pytest.raises(InvalidData):
        await pg.region.create_regions([{"name": "Fine", "currency_code": "usd"}, bad])
    assert await pg.region.list_regions() == []


async def test_unknown_ids_are_not_found_and_nothing_is_deleted(pg: Any) -> None:
    region = await pg.region.create_regions({"name": "EU", "currency_code": "eur"})
    with pytest.raises(NotFound) as missing:
        await pg.region.delete_regions([region.id, "reg_missing"])
    assert missing.value.details["id"] == "reg_missing"
    assert await pg.region.retrieve_region(region.id) == region
    with pytest.raises(NotFound):
        await pg.region.update_regions("reg_missing", {"name": "X"})
    with pytest.raises(InvalidData):
        await pg.region.update_regions(region.id, {"currency_code": "zzz"})
    with pytest.raises(InvalidData):
        await pg.region.list_regions({"colour": "red"})


@pytest.mark.parametrize("bad", ["Europe", 42, None])
async def test_create_takes_an_object_or_a_list_of_objects(pg: Any, bad: object) -> None:
    with pytest.raises(InvalidData, match="an object or a list of objects"):
        await pg.region.create_regions(bad)
    assert await pg.region.list_regions() == []
