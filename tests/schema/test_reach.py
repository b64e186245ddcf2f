"""Every path a guest or customer can reach from the store roots is declared, and the check agrees.

The walk starts at each root field the scope may use in the served schema and follows every field of
every object type it meets. Each (type, field) on the way must be declared (readable for the scope, or
refused), and the static check must refuse exactly the undeclared-for-the-scope ones, whether reached
directly, through an alias, a named fragment or an inline fragment.
"""

from __future__ import annotations

from collections import deque

import pytest
import strawberry
from graphql import GraphQLObjectType, OperationType, get_named_type, parse

from paymentgraph.db.reach import Scope
from paymentgraph.identity.principal import Principal
from paymentgraph.schema import create_schema
from paymentgraph.schema.auth import check
from paymentgraph.schema.reach import REACH_KEY, ReachTable

# The contract's customer data: never a guest's (section B).
CUSTOMER_DATA_TYPES = {"AccountHolder", "PaymentMethod"}
CUSTOMER_FIELDS_FOR_ANYONE = {"id"}

Path = tuple[tuple[OperationType, str], tuple[str, ...]]  # (root, field names below it)


@pytest.fixture(scope="module")
def schema() -> strawberry.Schema:
    return create_schema()


def _walk(schema: strawberry.Schema, scope: Scope) -> list[tuple[Path, str, str, bool]]:
    """(path to a type, type name, field name, readable) for every field reachable by ``scope``."""
    gql = schema._schema
    table: ReachTable = gql.extensions[REACH_KEY]
    seen: set[tuple[str, Scope]] = set()
    found: list[tuple[Path, str, str, bool]] = []
    queue: deque[tuple[Path, GraphQLObjectType, Scope]] = deque()
    for operation, roots in table.roots.items():
        root_type = gql.get_root_type(operation)
        for name, reach in roots.items():
            if scope not in reach.scopes or root_type is None:
                continue
            target = get_named_type(root_type.fields[name].type)
            if isinstance(target, GraphQLObjectType):
                queue.append((((operation, name), ()), target, reach.acts_as or scope))
    while queue:
        path, type_, in_scope = queue.popleft()
        if (type_.name, in_scope) in seen:
            continue
        seen.add((type_.name, in_scope))
        for field_name, field in type_.fields.items():
            assert field_name in table.fields.get(type_.name, {}), (
                f"{type_.name}.{field_name} has no reach declared"
            )
            readable = in_scope in table.readable(type_.name, field_name)
            found.append((path, type_.name, field_name, readable))
            target = get_named_type(field.type)
            if readable and isinstance(target, GraphQLObjectType):
                queue.append(((path[0], (*path[1], field_name)), target, in_scope))
    return found


def _document(path: Path, field: str, style: str) -> str:
    (operation, root), names = path
    inner = field if style != "alias" else f"renamed: {field}"
    for name in reversed(names):
        inner = f"{name} {{ {inner} }}"
    keyword = "query" if operation is OperationType.QUERY else "mutation"
    if style == "inline":
        return f"{keyword} {{ {root} {{ ... {{ {inner} }} }} }}"
    if style == "fragment":
        on = operation.value.capitalize()
        return f"{keyword} {{ ...Root }} fragment Root on {on} {{ {root} {{ {inner} }} }}"
    return f"{keyword} {{ {root} {{ {inner} }} }}"


@pytest.mark.parametrize("scope", [Scope.GUEST, Scope.CUSTOMER])
def test_every_reachable_field_is_declared_and_the_check_agrees(
    schema: strawberry.Schema, scope: Scope
) -> None:
    principal = Principal(scope, customer_id="cus_1" if scope is Scope.CUSTOMER else None)
    found = _walk(schema, scope)
    assert len(found) > 100  # the walk really covers the store's graph
    for path, type_name, field, readable in found:
        for style in ("plain", "alias", "inline", "fragment"):
            document = parse(_document(path, field, style), no_location=True)
            error = check(schema._schema, document, None, principal)
            assert (error is None) == readable, (style, path, type_name, field, error)
            if error is not None:
                expected = "UNAUTHENTICATED" if scope is Scope.GUEST else "FORBIDDEN"
                assert error.extensions == {"code": expected, "fields": [f"{type_name}.{field}"]}


def test_a_guest_reaches_no_customer_data(schema: strawberry.Schema) -> None:
    readable = {
        (t, f)
        for path, t, f, ok in _walk(schema, Scope.GUEST)
        if ok and path[0][1] not in {"registerCustomer", "login"}
    }
    assert not {(t, f) for t, f in readable if t in CUSTOMER_DATA_TYPES}
    assert {f for t, f in readable if t == "Customer"} <= CUSTOMER_FIELDS_FOR_ANYONE
    # ... while the checkout's provider data stays readable.
    assert ("PaymentSession", "data") in readable


def test_a_signed_in_response_is_read_in_the_customers_scope(schema: strawberry.Schema) -> None:
    guest = Principal(Scope.GUEST)
    document = parse(
        'mutation { login(email: "a@b.c", password: "x") { token customer { email accountHolders { id } } } }'
    )
    assert check(schema._schema, document, None, guest) is None
