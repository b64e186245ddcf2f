"""The TypeRegistry the mutation layer builds on, and the filter/order conversion it shares."""

from __future__ import annotations

from decimal import Decimal

import pytest

from paymentgraph.links.registry import default_registry
from paymentgraph.schema.build import TypeRegistry, build_schema, types_of
from paymentgraph.schema.filters import convert_filter
from paymentgraph.schema.ordering import convert_order


@pytest.fixture(scope="module")
def types() -> TypeRegistry:
    return TypeRegistry(default_registry())


def test_registry_hands_out_the_generated_types(types: TypeRegistry) -> None:
    assert types.object_type("payment").__strawberry_definition__.name == "Payment"  # type: ignore[attr-defined]
    assert types.object_type("payment_collections").__strawberry_definition__.name == "PaymentCollection"  # type: ignore[attr-defined]
    assert types.filter_input("cart").__strawberry_definition__.name == "CartFilter"  # type: ignore[attr-defined]
    assert types.order_input("cart").__strawberry_definition__.name == "CartOrderBy"  # type: ignore[attr-defined]
    assert types.list_type("refund_reason").__strawberry_definition__.name == "RefundReasonList"  # type: ignore[attr-defined]
    status = types.enum("PaymentCollectionStatus")
    assert status.AUTHORIZED.value == "authorized"  # type: ignore[attr-defined]
    assert types.delete_result.__strawberry_definition__.name == "DeleteResult"  # type: ignore[attr-defined]
    with pytest.raises(KeyError):
        types.enum("Payment")


def test_schema_built_from_a_type_registry_keeps_it(types: TypeRegistry) -> None:
    schema = build_schema(TypeRegistry(default_registry()))
    assert types_of(schema).object_type("cart").__strawberry_definition__.name == "Cart"  # type: ignore[attr-defined]
    assert "type DeleteResult" in schema.as_str()


def test_filter_conversion_to_query_graph_dicts(types: TypeRegistry) -> None:
    status = types.enum("PaymentCollectionStatus")
    converted = convert_filter(
        types.filter_specs,
        "payment_collection",
        {
            "currencyCode": {"eq": "usd", "ilike": None},
            "status": {"in": [status.AUTHORIZED]},  # type: ignore[attr-defined]
            "amount": {"gte": Decimal("10"), "isNull": False},
            "cart": {"email": {"ilike": "%@x.com"}, "region": {"name": {"eq": "EU"}}},
            "or": [{"id": {"nin": ["a"]}}, {"paymentSessions": {"providerId": {"like": "pp_%"}}}],
            "not": {"completedAt": {"isNull": True}},
            "order": None,
        },
    )
    assert converted == {
        "currency_code": {"$eq": "usd"},
        "status": {"$in": ["authorized"]},
        "amount": {"$gte": Decimal("10"), "$is_null": False},
        "cart": {"email": {"$ilike": "%@x.com"}, "region": {"name": {"$eq": "EU"}}},
        "$or": [{"id": {"$nin": ["a"]}}, {"payment_sessions": {"provider_id": {"$like": "pp_%"}}}],
        "$not": {"completed_at": {"$is_null": True}},
    }


def test_order_conversion_keeps_list_priority(types: TypeRegistry) -> None:
    direction = types.enum("SortDirection")
    converted = convert_order(
        types.order_specs,
        "payment_collection",
        [
            {"cart": {"email": direction.DESC}},  # type: ignore[attr-defined]
            {"createdAt": direction.ASC, "amount": None},  # type: ignore[attr-defined]
            {"cart": {"total": direction.ASC}},  # type: ignore[attr-defined]
        ],
    )
    assert converted == {"cart": {"email": "DESC", "total": "ASC"}, "created_at": "ASC"}
    assert list(converted) == ["cart", "created_at"]
