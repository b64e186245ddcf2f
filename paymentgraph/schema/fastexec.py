"""An execution context that completes plain reads directly and leaves everything else to graphql-core.

graphql-core spends about 2.5 µs on every field of every object (docs/performance.md, "Per-field
cost"): a resolve info, a path, an argument dict, ``complete_value`` and its type checks. Most of our
fields need none of it: the root field loads the whole plan, and nested fields only read what it
loaded. So:

- A **plain leaf** has no arguments, a scalar or enum type, and a resolver that reads only its source:
  strawberry's basic-field resolver (no resolver, no field extensions, no exception handlers; strawberry
  marks it ``_is_default``) or a resolver marked with :func:`mark_source_only`. It is read and coerced.
- A **plain edge** is an object or list field whose value is a plain read: ``read_loaded`` (the value the
  plan stored under the response key), a basic strawberry field, or a source-only resolver, and whose
  type is an object type without ``is_type_of`` (or a list of them).
- An object whose fields are all plain leaves, plain edges to such objects, and ``__typename`` is
  completed by :meth:`FastExecutionContext._complete` in one pass, with no paths or infos.

- Rows the query graph already built in the response's shape (schema/shaping.py: a ShapedList or
  ShapedRow, asked for only by resolvers that got this executor's marked resolve info) are put in the
  response as they are, once their response keys match the field set's: no walk at all.

Every read here is free of side effects, so when anything is unusual (a null where none is allowed, a
value that does not coerce, a missing key, a value that is not a list) the fast pass is dropped and
graphql-core executes that object, producing exactly its usual result and error. Any schema extension
that hooks ``resolve`` turns all of this off, so it sees every field as before.
"""

from __future__ import annotations

from typing import Any

from graphql import (
    ExecutionResult,
    GraphQLEnumType,
    GraphQLID,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLScalarType,
    GraphQLString,
)
from graphql.execution.executor import to_nodes
from graphql.execution.values import get_argument_values
from graphql.pyutils import Path, Undefined
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

from paymentgraph.schema.selection import read_loaded
from paymentgraph.schema.shaping import ShapedList, ShapedRow, shaped_info

# Attributes set on a graphql-core resolver ``(source, info) -> value`` that never looks at ``info``
# (and, with a dict key, returns ``source.get(key)`` for a plain dict source).
SOURCE_ONLY = "paymentgraph_source_only"
DICT_KEY = "paymentgraph_dict_key"
# Set on a default resolver ``(source, python_name) -> value`` that returns ``source.get(python_name)``
# for a plain dict source: the fast pass then reads the dict itself (a call saved per field and object).
NAME_IS_DICT_KEY = "paymentgraph_name_is_dict_key"

# Plan entry kinds. A leaf whose coercion returns a str unchanged (String, ID) skips the call for a str.
_LEAF, _STR_LEAF, _TYPENAME, _OBJECT, _LIST = range(5)
_NOT_PURE = object()  # cached plan of a field set that must take the stock path
_NO_KEY = object()


def mark_source_only(resolver: Any, dict_key: str | None = None) -> Any:
    """Mark ``resolver`` as reading only its source, so a plain field may call it without an info.

    ``dict_key``: for a source that is a plain ``dict``, the resolver returns ``source.get(dict_key)``.
    """
    setattr(resolver, SOURCE_ONLY, True)
    if dict_key is not None:
        setattr(resolver, DICT_KEY, dict_key)
    return resolver


class _Fallback(Exception):
    """Something unusual: let graphql-core execute this object and report it exactly as it does."""


def _reader(field_def: Any, response_name: str) -> tuple[Any, Any, Any] | None:
    """``(read, argument, dict_key)`` with ``read(source, argument)`` the field's value (``dict_key``: the
    value for a plain dict source is ``source.get(dict_key)``), or None if the field is not a plain read.
    """
    resolve = field_def.resolve
    if resolve is read_loaded:
        return read_loaded, response_name, _NO_KEY
    if resolve is not None and getattr(resolve, SOURCE_ONLY, False):
        return resolve, None, getattr(resolve, DICT_KEY, _NO_KEY)
    if resolve is None or not getattr(resolve, "_is_default", False):
        return None
    definition = (field_def.extensions or {}).get("strawberry-definition")
    if definition is None or definition.base_resolver is not None or definition.extensions:
        return None
    default = definition.default_resolver
    key = definition.python_name if getattr(default, NAME_IS_DICT_KEY, False) else _NO_KEY
    return default, definition.python_name, key


def _unwrap(graphql_type: Any) -> tuple[bool, Any]:
    if isinstance(graphql_type, GraphQLNonNull):
        return True, graphql_type.of_type
    return False, graphql_type


def _plain_object(graphql_type: Any) -> bool:
    return type(graphql_type) is GraphQLObjectType and graphql_type.is_type_of is None


class FastExecutionContext(StrawberryGraphQLCoreExecutionContext):
    """Strawberry's execution context with a direct path for plain reads (see the module docstring)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Per request: id(grouped field set) -> (the set, kept alive so the id stays unique; its plan).
        self._plans: dict[int, tuple[Any, Any]] = {}
        # Per request: field definition -> its arguments when the query passes none (defaults only).
        self._default_args: dict[int, tuple[Any, dict[str, Any]]] = {}
        # Per request: id(plan) -> the response keys it completes, nested (checked against shaped rows).
        self._signatures: dict[int, tuple[Any, ...]] = {}
        manager = self.middleware_manager
        # An extension that hooks resolve must see every field: then nothing leaves the stock path.
        self._fast = not (manager is not None and getattr(manager, "_middleware_resolvers", None))

    # ------------------------------------------------------------------ plans

    def _plan(self, parent_type: GraphQLObjectType, grouped_field_set: Any) -> Any:
        """The compiled plan of an object's field set, or ``_NOT_PURE``."""
        key = id(grouped_field_set)
        cached = self._plans.get(key)
        if cached is not None and cached[0] is grouped_field_set:
            return cached[1]
        # Placeholder first: a field set reached again while compiling (a cycle) is not pure.
        self._plans[key] = (grouped_field_set, _NOT_PURE)
        plan = self._compile(parent_type, grouped_field_set) if self._fast else _NOT_PURE
        self._plans[key] = (grouped_field_set, plan)
        return plan

    def _compile(self, parent_type: GraphQLObjectType, grouped_field_set: Any) -> Any:
        plan: list[tuple[Any, ...]] = []
        for response_name, details in grouped_field_set.items():
            node = details[0].node
            name = node.name.value
            if name == "__typename":
                plan.append((response_name, _TYPENAME, None, None, _NO_KEY, False, parent_type.name))
                continue
            field_def = parent_type.fields.get(name)
            if field_def is None:
                return _NOT_PURE
            reader = _reader(field_def, response_name)
            if reader is None:
                return _NOT_PURE
            read, argument, key = reader
            non_null, inner = _unwrap(field_def.type)
            if isinstance(inner, GraphQLScalarType | GraphQLEnumType):
                if node.arguments or field_def.args:
                    return _NOT_PURE
                kind = _STR_LEAF if inner is GraphQLString or inner is GraphQLID else _LEAF
                plan.append((response_name, kind, read, argument, key, non_null, inner.coerce_output_value))
            elif read is not read_loaded and (node.arguments or field_def.args):
                return _NOT_PURE  # a resolver that might use its arguments
            elif _plain_object(inner):
                child = self._child_plan(inner, details)
                if child is _NOT_PURE:
                    return _NOT_PURE
                plan.append((response_name, _OBJECT, read, argument, key, non_null, child))
            elif isinstance(inner, GraphQLList):
                item_non_null, item = _unwrap(inner.of_type)
                if not _plain_object(item):
                    return _NOT_PURE
                child = self._child_plan(item, details)
                if child is _NOT_PURE:
                    return _NOT_PURE
                plan.append((response_name, _LIST, read, argument, key, non_null, (item_non_null, child)))
            else:
                return _NOT_PURE
        return plan

    def _child_plan(self, object_type: GraphQLObjectType, details: Any) -> Any:
        grouped_field_set, new_defer_usages, *_ = self.collect_subfields(object_type, details)
        if new_defer_usages:
            return _NOT_PURE
        return self._plan(object_type, grouped_field_set)

    def _signature(self, plan: list[tuple[Any, ...]]) -> tuple[Any, ...]:
        """The response keys ``plan`` completes, nested, as :attr:`Output.signature` spells them."""
        signature = self._signatures.get(id(plan))
        if signature is None:
            signature = tuple(
                (
                    entry[0],
                    self._signature(entry[6])
                    if entry[1] is _OBJECT
                    else self._signature(entry[6][1])
                    if entry[1] is _LIST
                    else None,
                )
                for entry in plan
            )
            self._signatures[id(plan)] = signature  # plans live as long as this context: ids stay unique
        return signature

    def _shaped(self, plan: Any, value: ShapedList | ShapedRow) -> Any:
        """``value`` as it is, once its response keys are the ones ``plan`` completes.

        A resolver asks for shaped rows only from this executor (ShapedInfo) and builds them from the same
        field nodes, so a mismatch is a bug: it is reported, never papered over with wrong keys."""
        if plan is _NOT_PURE or value.signature != self._signature(plan):
            raise RuntimeError("rows were shaped for other response keys than the ones being completed")
        return value

    # ------------------------------------------------------------------ the fast pass

    def _complete(self, plan: list[tuple[Any, ...]], source: Any) -> dict[str, Any]:
        """The completed object for ``source``; raises _Fallback on anything unusual."""
        out: dict[str, Any] = {}
        is_dict = type(source) is dict
        for response_name, kind, read, argument, key, non_null, extra in plan:
            try:
                if key is not _NO_KEY and is_dict:
                    value = source.get(key)
                elif read is read_loaded:
                    value = source[argument]
                elif kind is _TYPENAME:
                    out[response_name] = extra
                    continue
                else:
                    value = read(source, argument)
                if value is None:
                    if non_null:
                        raise _Fallback
                    out[response_name] = None
                elif kind is _STR_LEAF and type(value) is str:
                    out[response_name] = value  # what String's and ID's coercion return for a str
                elif kind is _LEAF or kind is _STR_LEAF:
                    coerced = extra(value)
                    if coerced is None or coerced is Undefined:
                        raise _Fallback
                    out[response_name] = coerced
                elif kind is _OBJECT:
                    out[response_name] = self._complete(extra, value)
                else:
                    out[response_name] = self._complete_list(extra, value)
            except _Fallback:
                raise
            except Exception as error:
                raise _Fallback from error
        return out

    def _complete_list(self, item_plan: tuple[bool, Any], value: Any) -> list[dict[str, Any] | None]:
        item_non_null, child = item_plan
        if type(value) is ShapedList:
            return self._shaped(child, value)
        if not isinstance(value, list | tuple):
            raise _Fallback
        complete = self._complete
        items: list[dict[str, Any] | None] = []
        for item in value:
            if item is None:
                if item_non_null:
                    raise _Fallback
                items.append(None)
            else:
                items.append(complete(child, item))
        return items

    # ------------------------------------------------------------------ graphql-core overrides

    def execute_fields(
        self,
        parent_type: GraphQLObjectType,
        source_value: Any,
        path: Path | None,
        grouped_field_set: Any,
        position_context: Any,
    ) -> Any:
        plan = self._plan(parent_type, grouped_field_set)
        if type(source_value) is ShapedRow:
            return self._shaped(plan, source_value)
        if plan is not _NOT_PURE:
            try:
                return self._complete(plan, source_value)
            except _Fallback:
                pass  # graphql-core executes it and reports what went wrong
        return super().execute_fields(parent_type, source_value, path, grouped_field_set, position_context)

    def execute_field(
        self,
        parent_type: GraphQLObjectType,
        source: Any,
        field_details_list: Any,
        path: Path,
        position_context: Any,
    ) -> Any:
        """graphql-core's ``execute_field``, except that a field written without arguments gets its
        default arguments from a per-request cache instead of coercing them again for every object."""
        first_node = field_details_list[0].node
        if first_node.arguments:
            return super().execute_field(parent_type, source, field_details_list, path, position_context)
        field_def = self.schema.get_field(parent_type, first_node.name.value)
        if not field_def:
            return Undefined
        return_type = field_def.type
        resolve_fn = field_def.resolve or self.field_resolver
        if self.middleware_manager:
            resolve_fn = self.middleware_manager.get_field_resolver(resolve_fn)
        info = self.build_resolve_info(field_def, to_nodes(field_details_list), parent_type, path)
        try:
            args = self._defaults(field_def, field_details_list[0]) if field_def.args else {}
            result = resolve_fn(source, info, **args)
            if self.is_awaitable(result):
                return self.complete_awaitable_value(
                    return_type, field_details_list, info, path, result, position_context
                )
            completed = self.complete_value(
                return_type, field_details_list, info, path, result, position_context
            )
            if self.is_awaitable(completed):
                return self._await_completed(completed, return_type, field_details_list, path)
        except Exception as raw_error:
            self.handle_field_error(raw_error, return_type, field_details_list, path)
            return None
        return completed

    def build_response(self, data: dict[str, Any] | None) -> Any:
        """graphql-core's response; then the request's part of the heap is let go at once.

        graphql-core keeps bound methods of the context on the context (``async_helpers``): a reference
        cycle, so everything the request touched (its Context, the HTTP request, the collected fields,
        the plans here) waited for the cyclic GC, about 235 objects per N=100 read, and a gen-0
        collection then took 30-35 ms at once under load (bench/analysis.md): the tail every
        request and every refusal waited behind. A plain result needs none of it any more; an
        incremental one (@defer, @stream) or work still running keeps it."""
        response = super().build_response(data)
        if type(response) is ExecutionResult and not self.background_futures:
            self.async_helpers = None  # type: ignore[assignment]
        return response

    def build_resolve_info(
        self, field_def: Any, field_nodes: Any, parent_type: GraphQLObjectType, path: Path
    ) -> Any:
        """graphql-core's resolve info, marked as shaped (schema/shaping.py) when this executor takes
        shaped rows (an extension that hooks ``resolve`` must see every field, so then it does not)."""
        info = super().build_resolve_info(field_def, field_nodes, parent_type, path)
        return shaped_info(info) if self._fast else info

    def _defaults(self, field_def: Any, details: Any) -> dict[str, Any]:
        cached = self._default_args.get(id(field_def))
        if cached is not None and cached[0] is field_def:
            return cached[1]
        args = get_argument_values(
            field_def,
            details.node,
            self.variable_values,
            details.fragment_variable_values,
            self.hide_suggestions,
        )
        self._default_args[id(field_def)] = (field_def, args)
        return args

    async def _await_completed(
        self, completed: Any, return_type: Any, field_details_list: Any, path: Path
    ) -> Any:
        try:
            return await completed
        except Exception as raw_error:
            self.handle_field_error(raw_error, return_type, field_details_list, path)
            return None

    def complete_value(
        self,
        return_type: Any,
        field_details_list: Any,
        info: Any,
        path: Path,
        result: Any,
        position_context: Any,
    ) -> Any:
        """A non-null object value with no ``is_type_of`` goes straight to its sub-fields (the stock path
        gets there through four calls and several type checks); everything else is stock."""
        if (
            type(return_type) is GraphQLNonNull
            and result is not None
            and result is not Undefined
            and not isinstance(result, Exception)
            and _plain_object(return_type.of_type)
        ):
            return self.collect_and_execute_subfields(
                return_type.of_type, field_details_list, path, result, position_context
            )
        return super().complete_value(return_type, field_details_list, info, path, result, position_context)
