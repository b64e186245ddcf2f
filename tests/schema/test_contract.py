"""The served schema is a superset of every contract file in ``contract/``; schema.graphql matches the code.

``contract/contract.graphql`` is the contract in force; each further file there is one landed capability's
section of the next round's additions (``extend type`` / ``extend enum`` included). The files live in the
repository so that the tests pass in any clone; they are brought up to date from the team's shared API
contract as each capability lands.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import strawberry
from graphql import (
    DocumentNode,
    EnumTypeDefinitionNode,
    EnumTypeExtensionNode,
    GraphQLArgument,
    GraphQLEnumType,
    GraphQLInputField,
    GraphQLInputObjectType,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLScalarType,
    InputObjectTypeDefinitionNode,
    InputValueDefinitionNode,
    ObjectTypeDefinitionNode,
    ObjectTypeExtensionNode,
    ScalarTypeDefinitionNode,
    Undefined,
    ast_from_value,
    parse,
    print_ast,
)

from paymentgraph.schema.sdl import SDL_PATH, sdl, served_schema

REPO_ROOT = next(p for p in Path(__file__).resolve().parents if (p / "pyproject.toml").exists())
CONTRACT_DIR = REPO_ROOT / "contract"
CONTRACT = CONTRACT_DIR / "contract.graphql"
CONTRACT_FILES = sorted(CONTRACT_DIR.glob("*.graphql"))


@pytest.fixture(scope="module")
def served() -> strawberry.Schema:
    return served_schema()


@pytest.fixture(scope="module")
def contract() -> DocumentNode:
    return parse(CONTRACT.read_text(encoding="utf-8"))


def _default(value: object, arg: GraphQLArgument | GraphQLInputField) -> str | None:
    if value is Undefined:
        return None
    node = ast_from_value(value, arg.type)
    return None if node is None else print_ast(node)


def _check_inputs(
    where: str,
    wanted: tuple[InputValueDefinitionNode, ...],
    served: dict[str, GraphQLArgument] | dict[str, GraphQLInputField],
    problems: list[str],
) -> None:
    for node in wanted:
        name = node.name.value
        got = served.get(name)
        if got is None:
            problems.append(f"{where}: missing {name}")
            continue
        if print_ast(node.type) != str(got.type):
            problems.append(f"{where}.{name}: type {got.type}, contract says {print_ast(node.type)}")
        want_default = print_ast(node.default_value) if node.default_value else None
        if want_default != _default(got.default_value, got):
            problems.append(
                f"{where}.{name}: default {_default(got.default_value, got)}, contract {want_default}"
            )
    spelled = {node.name.value for node in wanted}
    for name, extra in served.items():
        # Anything the schema adds must be optional, or the contract's own documents would break.
        if (
            name not in spelled
            and isinstance(extra.type, GraphQLNonNull)
            and extra.default_value is Undefined
        ):
            problems.append(f"{where}: extra required {name}")


@pytest.mark.parametrize("path", CONTRACT_FILES, ids=lambda p: p.name)
def test_served_schema_is_a_superset_of_the_contract(served: strawberry.Schema, path: Path) -> None:
    contract = parse(path.read_text(encoding="utf-8"))
    schema = served._schema
    problems: list[str] = []
    for definition in contract.definitions:
        name = definition.name.value  # type: ignore[attr-defined]
        served_type = schema.type_map.get(name)
        if served_type is None:
            problems.append(f"missing type {name}")
            continue
        if isinstance(definition, ScalarTypeDefinitionNode):
            if not isinstance(served_type, GraphQLScalarType):
                problems.append(f"{name} is not a scalar")
        elif isinstance(definition, EnumTypeDefinitionNode | EnumTypeExtensionNode):
            if not isinstance(served_type, GraphQLEnumType):
                problems.append(f"{name} is not an enum")
                continue
            for value in definition.values or ():
                if value.name.value not in served_type.values:
                    problems.append(f"enum {name}: missing value {value.name.value}")
        elif isinstance(definition, ObjectTypeDefinitionNode | ObjectTypeExtensionNode):
            if not isinstance(served_type, GraphQLObjectType):
                problems.append(f"{name} is not an object type")
                continue
            for field in definition.fields or ():
                served_field = served_type.fields.get(field.name.value)
                where = f"{name}.{field.name.value}"
                if served_field is None:
                    problems.append(f"missing field {where}")
                    continue
                if print_ast(field.type) != str(served_field.type):
                    problems.append(
                        f"{where}: type {served_field.type}, contract says {print_ast(field.type)}"
                    )
                _check_inputs(where, tuple(field.arguments or ()), served_field.args, problems)
        elif isinstance(definition, InputObjectTypeDefinitionNode):
            if not isinstance(served_type, GraphQLInputObjectType):
                problems.append(f"{name} is not an input type")
                continue
            _check_inputs(name, tuple(definition.fields or ()), served_type.fields, problems)
        else:  # pragma: no cover - the contract holds only the kinds above
            problems.append(f"unchecked definition kind for {name}")
    assert not problems, "served schema differs from the contract:\n" + "\n".join(problems)


def test_every_entity_has_root_single_and_list_fields(served: strawberry.Schema) -> None:
    from paymentgraph.links.definition import camel
    from paymentgraph.links.registry import default_registry

    query = served._schema.query_type
    assert query is not None
    for entity in default_registry().entities.values():
        one = query.fields[camel(entity.name)]
        assert str(one.type) == entity.graphql_name
        assert str(one.args["id"].type) == "ID!"
        page = query.fields[camel(entity.plural_name)]
        assert str(page.type) == f"{entity.graphql_name}List!"
        assert [str(a.type) for a in page.args.values()] == [
            f"{entity.graphql_name}Filter",
            f"[{entity.graphql_name}OrderBy!]",
            "Int",
            "Int",
        ]


def test_committed_sdl_matches_the_code(served: strawberry.Schema) -> None:
    assert SDL_PATH.exists(), "schema.graphql is missing: run `paymentgraph schema` (write_sdl)"
    committed = SDL_PATH.read_text(encoding="utf-8")
    assert committed == sdl(served), (
        "schema.graphql drifted from the code: run `paymentgraph schema` (write_sdl)"
    )


@pytest.mark.parametrize(
    "name",
    [
        "StringFilter",
        "IDFilter",
        "DecimalFilter",
        "DateTimeFilter",
        "PaymentCollectionStatusFilter",
        "SortDirection",
    ],
)
def test_spelled_out_operator_inputs_have_exactly_the_contract_fields(
    served: strawberry.Schema, contract: DocumentNode, name: str
) -> None:
    [definition] = [d for d in contract.definitions if getattr(d, "name", None) and d.name.value == name]  # type: ignore[attr-defined]
    wanted = [
        v.name.value for v in (getattr(definition, "fields", None) or getattr(definition, "values", ()))
    ]
    served_type = served._schema.type_map[name]
    got = list(served_type.fields if isinstance(served_type, GraphQLInputObjectType) else served_type.values)  # type: ignore[attr-defined]
    assert got == wanted
