"""Admin bearer tokens and the store scope, checked on the parsed document before any resolver runs.

Without a token a request is in the store scope: its operation may only select the root fields marked
``# store`` in the contract (and anything nested under them). A token in ``PAYMENTGRAPH_ADMIN_TOKENS``
is the admin scope. A token that is not one of them is refused outright, even for store fields, so a
mistyped or revoked admin token fails loudly instead of quietly turning into a store request.
"""

from __future__ import annotations

import hmac
from collections.abc import Iterator, Mapping
from enum import StrEnum
from typing import Any

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    InlineFragmentNode,
    OperationDefinitionNode,
    OperationType,
    SelectionSetNode,
)
from strawberry.extensions import SchemaExtension

from paymentgraph.errors import ErrorCode

# The root fields the contract marks "# store"; tests/http/test_auth.py checks this against the contract.
STORE_FIELDS: Mapping[OperationType, frozenset[str]] = {
    OperationType.QUERY: frozenset({"cart", "order"}),
    OperationType.MUTATION: frozenset(
        {"createCart", "createCartPaymentCollection", "initiatePaymentSession", "completeCart"}
    ),
    OperationType.SUBSCRIPTION: frozenset(),
}


class Credential(StrEnum):
    """What a request's ``Authorization`` header proved."""

    ADMIN = "admin"
    NONE = "none"  # no header: the store scope
    INVALID = "invalid"  # a header whose token is not an admin token


def bearer_token(authorization: str | None) -> str | None:
    """The token of an ``Authorization: Bearer <token>`` header ("" for any other scheme)."""
    if authorization is None or not authorization.strip():
        return None
    scheme, _, token = authorization.strip().partition(" ")
    if scheme.lower() != "bearer":
        return ""
    return token.strip()


def authenticate(authorization: str | None, admin_tokens: frozenset[str]) -> Credential:
    """Decide the credential of a request from its ``Authorization`` header."""
    token = bearer_token(authorization)
    if token is None:
        return Credential.NONE
    # Compare against every token in constant time so timing does not reveal a prefix match.
    matched = False
    for candidate in admin_tokens:
        matched |= hmac.compare_digest(token.encode(), candidate.encode())
    return Credential.ADMIN if matched and token else Credential.INVALID


def _root_fields(
    selection_set: SelectionSetNode, fragments: Mapping[str, FragmentDefinitionNode], seen: set[str]
) -> Iterator[FieldNode]:
    """The root fields an operation selects, through inline fragments and fragment spreads."""
    for selection in selection_set.selections:
        if isinstance(selection, FieldNode):
            yield selection
        elif isinstance(selection, InlineFragmentNode):
            yield from _root_fields(selection.selection_set, fragments, seen)
        elif isinstance(selection, FragmentSpreadNode):
            name = selection.name.value
            fragment = fragments.get(name)
            if fragment is not None and name not in seen:
                yield from _root_fields(fragment.selection_set, fragments, seen | {name})


def admin_fields(document: DocumentNode, operation_name: str | None) -> list[str]:
    """Root fields of the operation to run that the store scope may not use (by field name, not alias)."""
    fragments = {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    if operation_name is not None:
        named = [op for op in operations if op.name is not None and op.name.value == operation_name]
        # An unknown operation name fails in execution; check everything meanwhile.
        operations = named or operations
    refused: list[str] = []
    for operation in operations:
        allowed = STORE_FIELDS.get(operation.operation, frozenset())
        for field in _root_fields(operation.selection_set, fragments, set()):
            name = field.name.value
            # Introspection (__schema, __type, __typename) stays open: GraphiQL needs it in both scopes.
            if name.startswith("__") or name in allowed or name in refused:
                continue
            refused.append(name)
    return refused


def check(document: DocumentNode, operation_name: str | None, credential: Credential) -> GraphQLError | None:
    """The refusal for ``credential`` running this document, or None when it may run."""
    if credential is Credential.ADMIN:
        return None
    if credential is Credential.INVALID:
        return GraphQLError(
            "The bearer token is not a valid admin token. Send a token listed in PAYMENTGRAPH_ADMIN_TOKENS, "
            "or no Authorization header for store fields.",
            extensions={"code": ErrorCode.FORBIDDEN.value},
        )
    refused = admin_fields(document, operation_name)
    if not refused:
        return None
    names = ", ".join(refused)
    return GraphQLError(
        f"{names} need{'s' if len(refused) == 1 else ''} the admin scope: send "
        "'Authorization: Bearer <token>' with an admin token. Without a token only store fields may be used.",
        extensions={"code": ErrorCode.UNAUTHENTICATED.value, "fields": refused},
    )


def credential_of(context: Any) -> Credential:
    """The credential of the request behind a GraphQL context (in-process contexts use their scope)."""
    request = getattr(context, "request", None)
    headers = getattr(request, "headers", None)
    pg = getattr(context, "pg", None)
    if headers is not None and pg is not None:
        return authenticate(headers.get("authorization"), pg.settings.admin_token_set)
    return Credential.ADMIN if getattr(context, "scope", "admin") == "admin" else Credential.NONE


class AuthExtension(SchemaExtension):
    """Refuses admin fields in the store scope and wrong tokens, after validation and before execution."""

    def on_validate(self) -> Iterator[None]:
        ctx = self.execution_context
        document = ctx.graphql_document
        if document is not None and not ctx.pre_execution_errors:
            error = check(document, ctx.operation_name, credential_of(ctx.context))
            if error is not None:
                # Setting the errors here makes strawberry skip execution (and its own validation).
                ctx.pre_execution_errors = [error]
        yield
