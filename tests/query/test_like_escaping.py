"""``$like`` / ``$ilike`` escaping: one rule on both databases (``\\`` escapes ``%``, ``_`` and itself)."""

from __future__ import annotations

from typing import Any

import pytest

from paymentgraph.errors import ErrorCode, InvalidData

LABELS = ["100% refund", "100 refund", "a_b", "axb", "back\\slash", "plain"]


@pytest.fixture
async def reasons(pg: Any) -> Any:
    await pg.payment.create_refund_reasons(
        [{"label": label, "code": f"code_{n}"} for n, label in enumerate(LABELS)]
    )
    return pg


async def labels(pg: Any, operator: str, pattern: str) -> list[str]:
    result = await pg.query.graph(
        entity="refund_reason",
        fields=["label"],
        filters={"label": {operator: pattern}},
        pagination={"order": {"label": "ASC"}},
    )
    return sorted(row["label"] for row in result["data"])


@pytest.mark.parametrize(
    ("operator", "pattern", "expected"),
    [
        ("$like", "100%", ["100 refund", "100% refund"]),  # % is a wildcard
        ("$like", "100\\%%", ["100% refund"]),  # \% is a literal percent sign
        ("$like", "a_b", ["a_b", "axb"]),  # _ is any one character
        ("$like", "a\\_b", ["a_b"]),  # \_ is a literal underscore
        ("$ilike", "A\\_B", ["a_b"]),
        ("$like", "%\\\\%", ["back\\slash"]),  # \\ is a literal backslash
        ("$ilike", "BACK\\\\SLASH", ["back\\slash"]),
        ("$like", "100\\%", []),  # escaped, the % no longer matches " refund"
    ],
)
async def test_like_patterns_escape_with_a_backslash_on_both_databases(
    reasons: Any, operator: str, pattern: str, expected: list[str]
) -> None:
    assert await labels(reasons, operator, pattern) == expected


@pytest.mark.parametrize("pattern", ["back\\", "100\\", "\\", "a\\b", "%\\s%"])
@pytest.mark.parametrize("operator", ["$like", "$ilike"])
async def test_a_backslash_that_escapes_nothing_is_invalid_data(
    reasons: Any, operator: str, pattern: str
) -> None:
    with pytest.raises(InvalidData) as raised:
        await labels(reasons, operator, pattern)
    assert raised.value.code is ErrorCode.INVALID_DATA
    assert raised.value.details == {"field": "label"}
