"""The loading plan: a selection tree compiled once into one SQL statement per relation path.

The root statement reads only the selected columns (plus the join keys the children need). Each child
path gets one statement that loads the related rows for ALL parents of its level at once, given the
parents' join keys as one bound array (``= ANY(:keys)`` on PostgreSQL, ``IN (SELECT value FROM
json_each(:keys))`` on SQLite); a link hop joins the link table and the target in that same
statement. A per-parent ``take`` is a ``ROW_NUMBER() OVER (PARTITION BY parent key ...)`` filter, so
limits never cost extra statements.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import orjson
from sqlalchemy import ColumnElement, Integer, Select, String, and_, any_, bindparam, func, literal, select
from sqlalchemy.dialects.postgresql import ARRAY

from paymentgraph.db.entity import EntityDef
from paymentgraph.errors import InvalidData
from paymentgraph.query.binding import ROOT_SKIP, ROOT_TAKE, BoundChild, BoundRequest, child_skip, child_take
from paymentgraph.query.edges import Edge, EdgeIndex, field_value, live_condition
from paymentgraph.query.filters import compile_filters
from paymentgraph.query.ordering import order_by
from paymentgraph.query.ownership import Ownership
from paymentgraph.query.rows import RowBuilder, column_rows, shaped_rows
from paymentgraph.query.selection import Child, Output, Request, Selection

PARENT_KEY = "qg_parent_key"
_ROW_NUMBER = "qg_row_number"


@dataclass
class NodePlan:
    """One level: its columns (``names``: output columns first, then ``hidden`` join keys), how each
    fetched row becomes a dict (query/rows.py) and its children."""

    entity: EntityDef
    names: list[str]
    row: RowBuilder
    children: list[ChildPlan] = field(default_factory=list)
    # Kept alive with the plan: the cache key holds its id (query/binding.py).
    output: Output | None = None


@dataclass
class ChildPlan:
    """A child path: the statement loading it for a batch of parent keys (``bind_keys(keys)``)."""

    key: str  # the response key the value is stored under
    edge: Edge
    node: NodePlan
    statement: Select[Any]
    bind_keys: Callable[[list[Any]], dict[str, Any]]
    parent_index: int  # where the parent's join key is in the parent's fetched row
    required: bool = False  # shaped: a single child that must not be missing


@dataclass
class RootPlan:
    node: NodePlan
    statement: Select[Any]
    count_statement: Select[Any] | None


class Planner:
    """Compiles requests for one registry and one SQL dialect."""

    def __init__(self, edges: EdgeIndex, dialect: str) -> None:
        self.edges = edges
        self.dialect = dialect
        self.ownership = Ownership(edges.registry)

    def plan(self, request: Request, bound: BoundRequest) -> RootPlan:
        """The plan of every request ``bound`` the same way (``bound.key``): values are parameters."""
        entity = self.edges.entities[request.selection.entity]
        node = self._node(
            entity, request.selection, request.selection.entity, request.owned, request.shaped, bound
        )
        table = entity.table
        conditions = [
            c
            for c in (
                live_condition(table),
                compile_filters(self.edges, entity, table, bound.filters),
                self.ownership.condition(entity, table) if request.owned else None,
            )
            if c is not None
        ]
        statement = (
            select(*[field_value(self.edges, entity, table, n) for n in node.names])
            .where(*conditions)
            .order_by(*order_by(self.edges, entity, table, request.order))
        )
        if bound.has_skip:
            statement = statement.offset(bindparam(ROOT_SKIP, type_=Integer()))
        if bound.has_take:
            statement = statement.limit(bindparam(ROOT_TAKE, type_=Integer()))
        count = None
        if request.with_count:
            count = select(func.count()).select_from(table).where(*conditions)
        return RootPlan(node, statement, count)

    def _node(
        self,
        entity: EntityDef,
        selection: Selection,
        path: str,
        owned: bool,
        shaped: bool,
        bound: BoundRequest,
    ) -> NodePlan:
        unknown = [c for c in selection.columns if entity.field(c) is None]
        if unknown:
            raise InvalidData(f"Unknown field(s) {', '.join(sorted(unknown))} on {entity.name} at {path}")
        out = [f.name for f in entity.fields if f.name in selection.columns]
        children: list[tuple[str, Edge, Child]] = []
        for key, child in selection.children.items():
            edge = self.edges.get(entity.name, child.name)
            if edge is None:
                raise InvalidData(f'Unknown relation or link "{child.name}" on {entity.name} at {path}')
            children.append((key, edge, child))
        in_currency = [
            (f.name, f.currency_field) for f in entity.fields if f.name in out and f.currency_field
        ]
        needed = [*(e.parent_key for _, e, _ in children), *(currency for _, currency in in_currency)]
        hidden = list(dict.fromkeys(key for key in needed if key not in out))
        clashes = sorted({key for key, _, _ in children} & {*out, *hidden})
        if clashes and not shaped:
            # A child stored under a column's name would overwrite it (or be dropped with a join key).
            raise InvalidData(
                f"Response key(s) {', '.join(clashes)} of {entity.name} at {path} name a column"
            )
        names = out + hidden
        output = selection.output if shaped else None
        if shaped:
            row = shaped_rows(names, in_currency, _checked_output(output, out, selection, path))
        else:
            row = column_rows(names, len(out), in_currency)
        node = NodePlan(entity, names, row, output=output)
        required = {f.key for f in output.fields if f.required} if output is not None else set()
        for key, edge, child in children:
            child_path = f"{path}.{key}"
            child_node = self._node(edge.target, child.selection, child_path, owned, shaped, bound)
            statement = self._child_statement(edge, child, child_node, owned, bound.children[child_path])
            node.children.append(
                ChildPlan(
                    key,
                    edge,
                    child_node,
                    statement,
                    self._bind_keys,
                    names.index(edge.parent_key),
                    key in required,
                )
            )
        return node

    def _child_statement(
        self, edge: Edge, child: Child, node: NodePlan, owned: bool, bound: BoundChild
    ) -> Select[Any]:
        target = edge.target.table
        from_clause, match, conditions = edge.hop(target)
        conditions.append(self._keys_condition(match))
        mine = self.ownership.condition(edge.target, target) if owned else None
        if mine is not None:
            conditions.append(mine)
        filtered = compile_filters(self.edges, edge.target, target, bound.filters)
        if filtered is not None:
            conditions.append(filtered)
        columns = [field_value(self.edges, edge.target, target, n) for n in node.names]
        parent = match.label(PARENT_KEY)
        if not edge.many:
            return select(*columns, parent).select_from(from_clause).where(*conditions)
        ordering = order_by(self.edges, edge.target, target, child.order)
        if not bound.has_take and not bound.has_skip:
            return select(*columns, parent).select_from(from_clause).where(*conditions).order_by(*ordering)
        row_number = func.row_number().over(partition_by=match, order_by=ordering).label(_ROW_NUMBER)
        inner = select(*columns, parent, row_number).select_from(from_clause).where(*conditions).subquery()
        position = inner.c[_ROW_NUMBER]
        skip: ColumnElement[Any] = (
            bindparam(child_skip(bound.number), type_=Integer()) if bound.has_skip else literal(0)
        )
        window = [position > skip]
        if bound.has_take:
            window.append(position <= skip + bindparam(child_take(bound.number), type_=Integer()))
        return (
            select(*[inner.c[n] for n in node.names], inner.c[PARENT_KEY]).where(*window).order_by(position)
        )

    def _bind_keys(self, keys: list[Any]) -> dict[str, Any]:
        return {"keys": keys if self.dialect == "postgresql" else orjson.dumps(keys).decode()}

    def _keys_condition(self, match: ColumnElement[Any]) -> ColumnElement[Any]:
        # One parameter whatever the number of keys, so one statement text (and one prepared
        # statement) serves every batch: a PostgreSQL array, or a JSON array read by json_each.
        if self.dialect == "postgresql":
            return and_(match == any_(bindparam("keys", type_=ARRAY(String))))
        keys = func.json_each(bindparam("keys", type_=String)).table_valued("value")
        return match.in_(select(keys.c.value))


def _checked_output(output: Output | None, columns: list[str], selection: Selection, path: str) -> Output:
    """``output``, checked against what its level loads: its columns, and exactly its children."""
    if output is None:
        raise InvalidData(f"a shaped request needs an output at every level; {path} has none")
    unknown = sorted({f.column for f in output.fields if f.column is not None} - set(columns))
    children = {f.key for f in output.fields if f.child is not None}
    if unknown or children != set(selection.children):
        raise InvalidData(f"the output of {path} does not match its selection", path=path)
    return output


def pagination_request(selection: Selection, filters: Any, pagination: Mapping[str, Any] | None) -> Request:
    """A Request from ``query.graph``'s ``filters`` and ``pagination`` arguments."""
    if pagination is None:
        return Request(selection, filters)
    if not isinstance(pagination, Mapping):
        raise InvalidData("pagination must be an object with skip, take and order")
    unknown = set(pagination) - {"skip", "take", "order"}
    if unknown:
        raise InvalidData(
            f"Unknown pagination key(s): {', '.join(sorted(unknown))}; expected skip, take, order"
        )
    return Request(
        selection,
        filters,
        skip=pagination.get("skip"),
        take=pagination.get("take"),
        order=pagination.get("order"),
        # Medusa's rule: listAndCount (one COUNT statement) only when "skip" is given.
        with_count="skip" in pagination,
    )
