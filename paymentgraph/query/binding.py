"""A request split into what shapes its SQL (the plan's cache key) and the values bound at execution.

Building a plan costs more than running it for small pages, so plans are cached; if the cache were
keyed by values, every new id, amount or page offset would build a new plan, which is what a real
server's requests look like. Binding walks the request once per execution (cheap: dictionary lookups
and value checks, no SQL construction) and yields:

- ``key``: the selection's columns and children (and, for a shaped request, each level's output), the
  filters' shapes (query/filters.py), the order, whether each list has a skip and a take, the count and
  the ownership; never a value;
- ``params``: every filter value (``qf_<slot>``) and every skip and take (``qg_skip``/``qg_take`` at
  the root, ``qg_skip_<n>``/``qg_take_<n>`` for the n-th child path), bound in every statement;
- per child path, its filter shape and number, for the planner.

Every value is checked here (not only when a plan is built), so a cached plan never lets a bad value
through.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from paymentgraph.db.entity import EntityDef
from paymentgraph.errors import InvalidData
from paymentgraph.query.edges import EdgeIndex
from paymentgraph.query.filters import Shape, bind_filters, filter_params
from paymentgraph.query.ownership import OWNER_PARAM
from paymentgraph.query.selection import Request, Selection

ROOT_SKIP = "qg_skip"
ROOT_TAKE = "qg_take"


def child_skip(number: int) -> str:
    return f"qg_skip_{number}"


def child_take(number: int) -> str:
    return f"qg_take_{number}"


@dataclass(frozen=True)
class BoundChild:
    """A child path's part of the plan: its number (naming its parameters) and filter shape."""

    number: int
    filters: Shape | None
    has_skip: bool
    has_take: bool


@dataclass
class BoundRequest:
    key: tuple[Any, ...]
    params: dict[str, Any]
    filters: Shape | None
    has_skip: bool
    has_take: bool
    children: dict[str, BoundChild] = field(default_factory=dict)  # by path of response keys


def bind_request(edges: EdgeIndex, request: Request) -> BoundRequest:
    """Check every value of ``request`` and split it into a plan key and execution parameters."""
    entity = edges.entities[request.selection.entity]
    values: list[Any] = []
    params: dict[str, Any] = {}
    children: dict[str, BoundChild] = {}
    filters = bind_filters(edges, entity, request.filters, values)
    signature = _selection(
        edges, entity, request.selection, entity.name, request.shaped, values, params, children
    )
    skip, take = non_negative(request.skip, "skip"), non_negative(request.take, "take")
    if skip:
        params[ROOT_SKIP] = skip
    if take is not None:
        params[ROOT_TAKE] = take
    if request.owned:
        params[OWNER_PARAM] = request.owner
    params.update(filter_params(values))
    key = (
        signature,
        filters,
        repr(request.order),
        bool(skip),
        take is not None,
        request.with_count,
        request.owned,
        request.shaped,
    )
    return BoundRequest(key, params, filters, bool(skip), take is not None, children)


def _selection(
    edges: EdgeIndex,
    entity: EntityDef,
    selection: Selection,
    path: str,
    shaped: bool,
    values: list[Any],
    params: dict[str, Any],
    children: dict[str, BoundChild],
) -> tuple[Any, ...]:
    parts = []
    for key, child in selection.children.items():
        edge = edges.get(entity.name, child.name)
        if edge is None:
            raise InvalidData(f'Unknown relation or link "{child.name}" on {entity.name} at {path}')
        child_path = f"{path}.{key}"
        number = len(children)
        shape = bind_filters(edges, edge.target, child.filters, values, child_path)
        skip = non_negative(child.skip, f"skip of {child.name}") or 0
        take = non_negative(child.take, f"take of {child.name}")
        if edge.many and skip:
            params[child_skip(number)] = skip
        if edge.many and take is not None:
            params[child_take(number)] = take
        bound = BoundChild(number, shape, bool(edge.many and skip), edge.many and take is not None)
        children[child_path] = bound
        inner = _selection(edges, edge.target, child.selection, child_path, shaped, values, params, children)
        parts.append((key, child.name, inner, shape, repr(child.order), bound.has_skip, bound.has_take))
    # A shaped level's output is part of its shape; by identity, as the plan keeps it alive.
    output = id(selection.output) if shaped else None
    return (entity.name, tuple(sorted(selection.columns)), tuple(parts), output)


def non_negative(value: Any, name: str) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise InvalidData(f"{name} must be a non-negative integer, got {value!r}", field=name)
    return value
