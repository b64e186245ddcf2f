"""Reads answered in the response's shape: the query graph builds each row as the response carries it.

A root field whose whole selection is plain reads (columns, relations and links, ``__typename``; no
field with a resolver of its own) can have its rows built by the query graph in their final form
(query/rows.py): keyed by response key, amounts as text, enum names, timestamps in ISO 8601. The fast
executor (schema/fastexec.py) then puts them in the response as they are, instead of walking every
object again and coercing every value, which was the largest cost of a nested read above its SQL.

Two things keep that exact:

- Only an executor that completes shaped rows asks for them: the fast executor hands resolvers a
  :func:`shaped_info`, and nothing else does, so graphql-core's own executor (or the fast one with an
  extension that must see every field) always gets column-keyed rows.
- The rows carry the response keys they were shaped for (:attr:`Output.signature`), and the executor
  checks them against the field set it is completing before it uses them.

Each value is converted by the same coercion graphql-core applies (the field's GraphQL type, looked up
once per document); a value it cannot represent, or a null where the type allows none, makes the query
graph give up shaping (``Unshaped``), and the resolver reads again the usual way, so graphql-core
reports it exactly as before.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from graphql import (
    GraphQLBoolean,
    GraphQLEnumType,
    GraphQLID,
    GraphQLNonNull,
    GraphQLResolveInfo,
    GraphQLString,
)
from graphql.pyutils import Undefined

from paymentgraph.money import amount_text
from paymentgraph.query.selection import Output, OutputField
from paymentgraph.schema.scalars import serialize_decimal

# A database value of these types is already what the response carries: text columns are str and
# boolean columns bool (tests/schema/test_shaped_reads.py reads every entity's fields both ways).
_AS_STORED = (GraphQLString, GraphQLID, GraphQLBoolean)


SHAPED_MARK = "paymentgraph_completes_shaped"
_shaped_classes: dict[type, type] = {}


def shaped_info(info: GraphQLResolveInfo) -> GraphQLResolveInfo:
    """``info`` marked as coming from an executor that puts shaped rows in the response as they are.

    The mark is a subclass of the info's own class (graphql-core's, or the one strawberry substitutes),
    made once per class, so the info is otherwise what it was."""
    cls = type(info)
    shaped = _shaped_classes.get(cls)
    if shaped is None:
        shaped = _shaped_classes[cls] = type(
            f"Shaped{cls.__name__}", (cls,), {"__slots__": (), SHAPED_MARK: True}
        )
    return shaped(*info)


class ShapedList(list[Any]):
    """Rows shaped for the response, with the response keys they were shaped for."""

    __slots__ = ("signature",)

    def __init__(self, rows: list[Any], signature: tuple[Any, ...]) -> None:
        super().__init__(rows)
        self.signature = signature


class ShapedRow(dict[str, Any]):
    """One row shaped for the response, with the response keys it was shaped for."""

    __slots__ = ("signature",)

    def __init__(self, row: dict[str, Any], signature: tuple[Any, ...]) -> None:
        super().__init__(row)
        self.signature = signature


def completes_shaped(info: Any) -> bool:
    """Whether the executor resolving ``info`` puts shaped rows in the response as they are."""
    return getattr(getattr(info, "_raw_info", info), SHAPED_MARK, False) is True


def column_field(key: str, column: str, graphql_type: Any) -> OutputField:
    """The output of a column read under ``key`` as a field of ``graphql_type``."""
    required = isinstance(graphql_type, GraphQLNonNull)
    leaf = graphql_type.of_type if required else graphql_type
    return OutputField(key, column=column, convert=_converter(leaf), required=required)


def child_field(key: str, output: Output, required: bool) -> OutputField:
    return OutputField(key, child=output, required=required)


def typename_field(key: str, type_name: str) -> OutputField:
    return OutputField(key, constant=type_name)


def _converter(leaf: Any) -> Callable[[Any], Any] | None:
    if leaf in _AS_STORED:
        return None
    coerce = leaf.coerce_output_value
    if isinstance(leaf, GraphQLEnumType):
        # Each stored value's name, worked out once by the enum's own coercion; a value the enum does
        # not declare is a KeyError, which un-shapes the read so graphql-core reports it.
        return {value.value: coerce(value.value) for value in leaf.values.values()}.__getitem__
    if coerce is serialize_decimal:
        # Stored and computed amounts are Decimals: their text directly (anything else raises, which
        # un-shapes the read, and serialize_decimal then sees it as it always does).
        return amount_text

    def convert(value: Any) -> Any:
        result = coerce(value)
        if result is None or result is Undefined:
            raise ValueError(f"{leaf} cannot represent {value!r}")
        return result

    return convert
