"""Text with a NUL character (``\\u0000``) is refused before anything runs, on every database.

PostgreSQL cannot store NUL in text or jsonb: such a value used to reach the database and fail there
as an internal error (after SQLite had quietly stored it), and an id containing one could not even be
looked up.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from graphql import DocumentNode, GraphQLError, StringValueNode, Visitor, visit
from strawberry.extensions import SchemaExtension

from paymentgraph.errors import ErrorCode

MESSAGE = "Text must not contain the NUL character (\\u0000)"


def _nul_path(value: Any, path: str) -> str | None:
    """The path of the first string holding a NUL inside a variable value, or None."""
    if isinstance(value, str):
        return path if "\x00" in value else None
    if isinstance(value, dict):
        for key, item in value.items():
            child_path = f"{path}.{key}".replace("\x00", "\\u0000")
            if isinstance(key, str) and "\x00" in key:
                return child_path
            found = _nul_path(item, child_path)
            if found:
                return found
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found = _nul_path(item, f"{path}[{index}]")
            if found:
                return found
    return None


class _StringLiterals(Visitor):
    def __init__(self) -> None:
        super().__init__()
        self.found = False

    def enter_string_value(self, node: StringValueNode, *_args: Any) -> Any:
        if "\x00" in node.value:
            self.found = True
            return self.BREAK
        return None


def _document_has_nul(query: str | None, document: DocumentNode) -> bool:
    # Only a document that spells an escape (or a raw NUL) can hold one: skip the walk otherwise.
    if query is not None and "\\u" not in query and "\x00" not in query:
        return False
    visitor = _StringLiterals()
    visit(document, visitor)
    return visitor.found


def check(
    query: str | None, document: DocumentNode, variables: Mapping[str, Any] | None
) -> GraphQLError | None:
    """The INVALID_DATA error for the first NUL in ``variables`` or in a string literal, or None."""
    where = next(
        (found for name, value in (variables or {}).items() if (found := _nul_path(value, f"${name}"))),
        None,
    )
    extensions: dict[str, Any] = {"code": ErrorCode.INVALID_DATA.value, "field": where}
    if where is None and _document_has_nul(query, document):
        where, extensions = "a string literal of the document", {"code": ErrorCode.INVALID_DATA.value}
    if where is None:
        return None
    return GraphQLError(f"{MESSAGE}; found in {where}", extensions=extensions)


class NulGuard(SchemaExtension):
    """Refuses NUL characters in variables and string literals (INVALID_DATA), after validation."""

    def on_validate(self) -> Iterator[None]:
        ctx = self.execution_context
        document = ctx.graphql_document
        if document is not None and not ctx.pre_execution_errors:
            error = check(ctx.query, document, ctx.variables)
            if error is not None:
                ctx.pre_execution_errors = [error]
        yield
