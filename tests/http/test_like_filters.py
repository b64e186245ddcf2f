"""``like`` / ``ilike`` over GraphQL: a backslash escapes ``%``, ``_`` and itself, on both databases."""

from __future__ import annotations

import pytest
from http_helpers import GraphQL

LABELS = ["100% refund", "100 refund", "a_b", "axb", "back\\slash"]
QUERY = (
    "query($filter: RefundReasonFilter) {"
    " refundReasons(filter: $filter, orderBy: [{label: ASC}]) { items { label } } }"
)


@pytest.fixture
async def reasons(gql: GraphQL) -> GraphQL:
    for n, label in enumerate(LABELS):
        await gql.data(
            "mutation($input: CreateRefundReasonInput!) { createRefundReason(input: $input) { id } }",
            {"input": {"label": label, "code": f"code_{n}"}},
        )
    return gql


@pytest.mark.parametrize(
    ("operator", "pattern", "expected"),
    [
        ("like", "100\\%%", ["100% refund"]),
        ("like", "a\\_b", ["a_b"]),
        ("ilike", "A_B", ["a_b", "axb"]),
        ("like", "%\\\\%", ["back\\slash"]),
    ],
)
async def test_escaped_patterns_match_literally(
    reasons: GraphQL, operator: str, pattern: str, expected: list[str]
) -> None:
    data = await reasons.data(QUERY, {"filter": {"label": {operator: pattern}}})
    assert sorted(item["label"] for item in data["refundReasons"]["items"]) == expected


@pytest.mark.parametrize("operator", ["like", "ilike"])
async def test_a_trailing_backslash_is_invalid_data_not_a_server_error(
    reasons: GraphQL, operator: str
) -> None:
    error = await reasons.error(QUERY, {"filter": {"label": {operator: "back\\"}}})
    assert error["extensions"]["code"] == "INVALID_DATA"
