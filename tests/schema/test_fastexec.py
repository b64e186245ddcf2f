"""The fast-leaf execution context returns exactly what the stock one does: data, nulls and errors."""

from __future__ import annotations

import enum
from typing import Any

import pytest
import strawberry
from graphql import GraphQLObjectType
from strawberry.extensions import SchemaExtension

from paymentgraph.schema.fastexec import FastExecutionContext, mark_source_only


@strawberry.enum
class Colour(enum.Enum):
    RED = "red"
    BLUE = "blue"


@strawberry.type
class Leaf:
    id: strawberry.ID
    name: str
    maybe: str | None
    count: int
    colour: Colour

    @strawberry.field
    def shout(self) -> str:
        return self.name.upper()


@strawberry.type
class Node:
    id: strawberry.ID
    label: str
    leaves: list[Leaf]
    raw: str | None = None

    @strawberry.field
    def some(self, limit: int = 1, prefix: str | None = None) -> list[str]:
        names = [leaf.name for leaf in self.leaves[:limit]]
        return [f"{prefix}{n}" for n in names] if prefix else names


def _leaf(i: int, **overrides: Any) -> Leaf:
    values: dict[str, Any] = {"id": str(i), "name": f"n{i}", "maybe": None, "count": i, "colour": Colour.RED}
    values.update(overrides)
    return Leaf(**values)


NODES = [
    Node(id="1", label="ok", leaves=[_leaf(1), _leaf(2, maybe="x", colour=Colour.BLUE)], raw="r"),
    # A non-null String that is None: the error must bubble to the nearest nullable parent.
    Node(id="2", label="broken", leaves=[_leaf(3, name=None)]),
    # An Int that cannot be coerced and an enum value that is not a member.
    Node(id="3", label="bad", leaves=[_leaf(4, count="many"), _leaf(5, colour="green")]),
]


@strawberry.type
class Query:
    @strawberry.field
    def nodes(self) -> list[Node | None]:
        return list(NODES)

    @strawberry.field
    def first(self) -> Node:
        return NODES[0]


class ResolveHook(SchemaExtension):
    """An extension hooking resolve: every field must still pass through it."""

    seen: list[str] = []

    def resolve(self, _next: Any, root: Any, info: Any, *args: Any, **kwargs: Any) -> Any:
        ResolveHook.seen.append(info.field_name)
        return _next(root, info, *args, **kwargs)


def _schemas(**kwargs: Any) -> tuple[strawberry.Schema, strawberry.Schema]:
    stock = strawberry.Schema(query=Query, **kwargs)
    fast = strawberry.Schema(query=Query, execution_context_class=FastExecutionContext, **kwargs)
    return stock, fast


def _mark_raw(schema: strawberry.Schema) -> None:
    node = schema._schema.type_map["Node"]
    assert isinstance(node, GraphQLObjectType)

    def read(source: Any, _info: Any) -> Any:
        return source.raw

    node.fields["raw"].resolve = mark_source_only(read)


QUERIES = [
    "{ nodes { id label raw leaves { id name maybe count colour shout } } }",
    "{ nodes { ... on Node { id leaves { alias: name, name, __typename } } } }",
    "{ first { id leaves { id count colour } } }",
    '{ nodes { id some a: some(limit: 2) b: some(prefix: "p-") } first { some } }',
    "query($n: Int) { first { some(limit: $n) } nodes { some(limit: $n) } }",
    "query($skip: Boolean!) { nodes { id label @skip(if: $skip) leaves { id @include(if: $skip) } } }",
]


def _shape(result: Any) -> tuple[Any, list[tuple[str, Any]]]:
    errors = sorted((e.message, e.path) for e in result.errors or [])
    return result.data, errors


@pytest.mark.parametrize("query", QUERIES)
async def test_same_data_nulls_and_errors_as_stock(query: str) -> None:
    stock, fast = _schemas()
    _mark_raw(stock)
    _mark_raw(fast)
    variables = {"skip": True, "n": 2}
    expected = await stock.execute(query, variable_values=variables)
    got = await fast.execute(query, variable_values=variables)
    assert _shape(got) == _shape(expected)


async def test_errors_are_located_like_stock() -> None:
    stock, fast = _schemas()
    got = await fast.execute("{ nodes { id leaves { name count colour } } }")
    expected = await stock.execute("{ nodes { id leaves { name count colour } } }")
    assert got.data == expected.data
    assert got.data is not None and got.data["nodes"][1] is None  # the null bubbled up to the list item
    assert [e.path for e in got.errors or []] == [e.path for e in expected.errors or []]
    assert len(got.errors or []) == 2  # the second bad leaf of node 3 is never reached: its parent is null


async def test_an_extension_hooking_resolve_sees_every_field() -> None:
    stock, fast = _schemas(extensions=[ResolveHook])
    ResolveHook.seen = []
    await stock.execute("{ first { id label } }")
    stock_seen = list(ResolveHook.seen)
    ResolveHook.seen = []
    await fast.execute("{ first { id label } }")
    assert ResolveHook.seen == stock_seen == ["first", "id", "label"]
