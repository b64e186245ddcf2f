"""``QueryGraph``: Medusa's ``query.graph`` over entities and links, plus a structured API for GraphQL.

Result shapes: rows are plain dicts with snake_case keys (Decimal money, aware UTC datetimes). A list
field is always a list (``[]`` when empty). A single-valued field with no live match is present with
``None`` (Medusa leaves the key out; an explicit None keeps every row the same shape). Join keys the
caller did not select are not in the output. Lists are in primary-key order unless ordered.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from paymentgraph.db.entity import EntityDef
from paymentgraph.db.native import NativeStatements
from paymentgraph.errors import InvalidData
from paymentgraph.links.registry import Registry
from paymentgraph.query.binding import bind_request
from paymentgraph.query.edges import EdgeIndex
from paymentgraph.query.fields import parse_fields
from paymentgraph.query.loaders import load_root
from paymentgraph.query.planner import Planner, RootPlan, pagination_request
from paymentgraph.query.selection import Request, Selection

_CHILD_ARGUMENTS = {"filters", "order", "take", "skip"}
_PLAN_CACHE_SIZE = 512


class QueryGraph:
    """Reads a field selection over entities and links, one SQL statement per relation path."""

    def __init__(self, sessionmaker: async_sessionmaker[AsyncSession], registry: Registry) -> None:
        self.sessionmaker = sessionmaker
        self.registry = registry
        self.engine: AsyncEngine = sessionmaker.kw["bind"]
        self.edges = EdgeIndex(registry)
        self.planner = Planner(self.edges, self.engine.dialect.name)
        self._plans: dict[tuple[Any, ...], RootPlan] = {}
        # Reads are single statements: on PostgreSQL autocommit saves a BEGIN and a ROLLBACK round trip
        # per statement. (Not on SQLite, whose connect hook issues its own BEGIN.)
        self.read_engine = (
            self.engine.execution_options(isolation_level="AUTOCOMMIT")
            if self.engine.dialect.name == "postgresql"
            else self.engine
        )
        self.native = NativeStatements(self.engine)

    @property
    def cached_plans(self) -> int:
        """How many plans are cached: one per request shape, whatever the values (for monitoring)."""
        return len(self._plans)

    def entity(self, name: str) -> EntityDef:
        """An entity by name or plural; unknown names are refused with InvalidData."""
        entity = self.edges.entity(name) if isinstance(name, str) else None
        if entity is None:
            known = ", ".join(sorted(self.edges.entities))
            raise InvalidData(f'Unknown entity "{name}"; known entities: {known}', entity=str(name))
        return entity

    def selection(
        self, entity: str, fields: Iterable[str], context: Mapping[str, Any] | None = None
    ) -> Selection:
        """The Selection for Medusa-style ``fields``, with per-path list arguments from ``context``."""
        selection = parse_fields(self.edges, self.entity(entity), fields)
        for path, arguments in (context or {}).items():
            _apply_child_arguments(selection, path, arguments)
        return selection

    async def graph(
        self,
        entity: str,
        fields: Iterable[str],
        filters: Mapping[str, Any] | None = None,
        pagination: Mapping[str, Any] | None = None,
        *,
        context: Mapping[str, Any] | None = None,
    ) -> dict[str, Any]:
        """``{"data": [...], "metadata": {"count", "skip", "take"}}`` as Medusa's ``query.graph`` returns.

        ``count`` is exact: one COUNT statement when ``pagination`` has ``skip`` (Medusa's rule), the
        number of rows when there is no pagination, and absent for ``take`` without ``skip``.

        ``context`` maps a dotted relation path to its list arguments:
        ``{"payments": {"filters": {...}, "order": {"created_at": "DESC"}, "take": 2}}``.
        """
        selection = self.selection(entity, fields, context)
        return await self.run(pagination_request(selection, filters, pagination))

    async def run(self, request: Request) -> dict[str, Any]:
        """Execute a structured request (what the GraphQL layer builds from a selection set)."""
        if request.selection.entity not in self.edges.entities:
            request.selection.entity = self.entity(request.selection.entity).name
        # Plans are cached by shape (query/binding.py): building one costs more than running it for
        # small pages, and a new id or offset must not build another.
        bound = bind_request(self.edges, request)
        plan = self._plans.get(bound.key)
        if plan is None:
            plan = self.planner.plan(request, bound)
            if len(self._plans) >= _PLAN_CACHE_SIZE:
                self._plans.pop(next(iter(self._plans)))
            self._plans[bound.key] = plan
        rows, count = await load_root(self.read_engine, plan, bound.params, self.native)
        metadata: dict[str, Any] = {"skip": request.skip or 0, "take": request.take}
        if count is not None:
            metadata["count"] = count
        elif not request.skip and request.take is None:
            metadata["count"] = len(rows)  # every matching row was read: the count is exact for free
        return {"data": rows, "metadata": metadata}


def _apply_child_arguments(selection: Selection, path: str, arguments: Any) -> None:
    if not isinstance(arguments, Mapping) or set(arguments) - _CHILD_ARGUMENTS:
        raise InvalidData(
            f'context["{path}"] must be an object with filters, order, take and skip', path=path
        )
    current = selection
    child = None
    for part in path.split("."):
        child = current.children.get(part)
        if child is None:
            raise InvalidData(f'context path "{path}" is not a selected relation or link', path=path)
        current = child.selection
    assert child is not None
    child.filters = arguments.get("filters", child.filters)
    child.order = arguments.get("order", child.order)
    child.take = arguments.get("take", child.take)
    child.skip = arguments.get("skip", child.skip)
