"""How a mutation is declared: a plain async function plus the GraphQL type it returns.

The return types are generated from the registries at schema build time, so a mutation names what it
returns (an entity, ``DeleteResult``, ``PaymentMethod``, ``Boolean``) and :func:`build_field` fills the
annotation in. Arguments are the function's own parameters, named in camelCase in GraphQL.
"""

import dataclasses
import inspect
from collections.abc import Awaitable, Callable, Iterable, Mapping
from typing import Annotated, Any, get_origin

import strawberry
from strawberry.types.field import StrawberryField
from strawberry.types.unset import UNSET

from paymentgraph.db.reach import ADMIN_ONLY, Scope
from paymentgraph.errors import not_found
from paymentgraph.links.definition import camel, pascal

Returns = Callable[[Any], Any]  # TypeRegistry -> the annotation of the mutation's result


@dataclasses.dataclass(frozen=True)
class Acts:
    """What a guest's or customer's mutation acts on: argument ``argument`` names a row of ``entity``
    (reached ``through`` one of its relations or links, e.g. a collection through its cart), which must
    exist for the caller or the mutation fails with NOT_FOUND before it runs."""

    argument: str
    entity: str
    through: str | None = None


@dataclasses.dataclass(frozen=True)
class MutationDef:
    name: str  # the GraphQL field name, e.g. "createPaymentCollection"
    returns: Returns
    resolver: Callable[..., Awaitable[Any]]
    description: str | None = None
    # Reach, declared with the mutation: who may call it, the scope its result is read in (a fresh
    # sign-in's customer), and the rows it acts on.
    scopes: frozenset[Scope] = ADMIN_ONLY
    acts_as: Scope | None = None
    acts_on: tuple[Acts, ...] = ()


def entity(name: str) -> Returns:
    """The generated object type of entity ``name`` (non-null)."""
    return lambda types: types.object_type(name)


def static(annotation: Any) -> Returns:
    return lambda _types: annotation


def mutation(
    into: list[MutationDef],
    name: str,
    returns: Returns,
    description: str | None = None,
    *,
    scopes: frozenset[Scope] = ADMIN_ONLY,
    acts_as: Scope | None = None,
    acts_on: tuple[Acts, ...] = (),
) -> Callable[[Callable[..., Awaitable[Any]]], Callable[..., Awaitable[Any]]]:
    """Register the decorated resolver in ``into`` as Mutation.``name`` (the admin's unless ``scopes``)."""

    def register(func: Callable[..., Awaitable[Any]]) -> Callable[..., Awaitable[Any]]:
        doc = description or inspect.cleandoc(func.__doc__ or "") or None
        into.append(MutationDef(name, returns, func, doc, scopes, acts_as, acts_on))
        return func

    return register


def _named(param: inspect.Parameter) -> inspect.Parameter:
    """The parameter with its GraphQL name spelled out (camelCase), whatever the schema config says."""
    if param.name == "info" or get_origin(param.annotation) is Annotated:
        return param
    argument = strawberry.argument(name=camel(param.name))
    return param.replace(annotation=Annotated[param.annotation, argument])


def build_field(definition: MutationDef, types: Any) -> StrawberryField:
    """A strawberry field for ``definition`` with its return type taken from ``types``."""
    func = definition.resolver
    signature = inspect.signature(func)
    returns = definition.returns(types)

    acts_on = definition.acts_on

    async def resolver(*args: Any, **kwargs: Any) -> Any:
        if acts_on:
            from paymentgraph.schema.selection import require_reachable

            for acts in acts_on:
                await require_reachable(kwargs["info"], acts.entity, kwargs[acts.argument], acts.through)
        return await func(*args, **kwargs)

    parameters = [_named(p) for p in signature.parameters.values()]
    resolver.__signature__ = signature.replace(parameters=parameters, return_annotation=returns)  # type: ignore[attr-defined]
    resolver.__name__ = func.__name__
    resolver.__qualname__ = func.__qualname__
    resolver.__module__ = func.__module__
    resolver.__annotations__ = {p.name: p.annotation for p in parameters} | {"return": returns}
    return strawberry.mutation(resolver=resolver, name=definition.name, description=definition.description)


def mutation_type(definitions: Iterable[MutationDef], types: Any) -> type:
    """The ``Mutation`` root type holding every definition (in order)."""
    namespace: dict[str, Any] = {"__annotations__": {}}
    for definition in definitions:
        attribute = definition.name
        if attribute in namespace:
            raise ValueError(f"Mutation.{definition.name} is declared twice")
        namespace[attribute] = build_field(definition, types)
    return strawberry.type(type("Mutation", (), namespace))


def values(data: Any) -> dict[str, Any]:
    """A strawberry input as the snake_case dict services take; fields left out are not in it."""
    if isinstance(data, Mapping):
        return {k: _plain(v) for k, v in data.items() if v is not UNSET}
    return {
        f.name: _plain(getattr(data, f.name))
        for f in dataclasses.fields(data)
        if getattr(data, f.name) is not UNSET
    }


def _plain(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return values(value)
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def given(**kwargs: Any) -> dict[str, Any]:
    """Keyword arguments that were given (not UNSET), for service calls that tell omitted from null."""
    return {k: v for k, v in kwargs.items() if v is not UNSET}


async def load(info: Any, entity_name: str, id: str) -> dict[str, Any]:
    """The mutation's selection set for ``entity_name`` ``id``, loaded through the query graph.

    A selection of the id alone needs no read: the service has just written the row, for a caller it
    let act on it."""
    from paymentgraph.schema.selection import load_one, only_the_key

    key = only_the_key(info, entity_name)
    if key is not None:
        return {key: id}
    row = await load_one(info, entity_name, id)
    if row is None:
        # Written a moment ago and gone now: deleted concurrently.
        raise not_found(pascal(entity_name), id)
    return row
