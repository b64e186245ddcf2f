"""Who may run an operation, decided on the parsed document before any resolver runs.

Every request carries a :class:`~paymentgraph.identity.Principal` (``info.context.principal``), decided
from its ``Authorization`` header by the identity service: a guest (no header), a customer (a session
token) or the admin (an API key or a bootstrap token). Then, after validation:

- a token that is not valid (unknown, revoked, expired, another scheme): UNAUTHENTICATED, whatever the
  operation asks for; such a request is never served as a guest;
- the admin may select anything;
- a guest or customer may use only the root fields declared for their scope, and below them only the
  fields their scope may read (schema/reach.py, from the registries' declarations). What they may not:
  UNAUTHENTICATED for a guest (signing in may help), FORBIDDEN for a customer.

Which rows a guest or customer may see is not decided here: the query graph filters owned rows in SQL.
"""

from __future__ import annotations

from collections.abc import Iterator

from graphql import DocumentNode, GraphQLError, GraphQLSchema
from strawberry.extensions import SchemaExtension

from paymentgraph.db.reach import Scope
from paymentgraph.errors import ErrorCode
from paymentgraph.identity.principal import Principal
from paymentgraph.identity.tokens import bearer_token
from paymentgraph.schema.context import principal_of
from paymentgraph.schema.reach import REACH_KEY, ReachTable, refused_fields
from paymentgraph.schema.verdicts import MISSING, NodeCache

__all__ = ["AuthExtension", "bearer_token", "check", "principal_of"]


def check(
    schema: GraphQLSchema,
    document: DocumentNode,
    operation_name: str | None,
    principal: Principal,
    verdicts: NodeCache | None = None,
) -> GraphQLError | None:
    """The refusal for ``principal`` running this document, or None when it may run.

    ``verdicts``: where the refused fields per scope are kept (default: the reach table's, per document).
    """
    if principal.refusal is not None:
        return GraphQLError(principal.refusal, extensions={"code": ErrorCode.UNAUTHENTICATED.value})
    if principal.is_admin:
        return None
    table: ReachTable | None = (schema.extensions or {}).get(REACH_KEY)
    if table is None:  # a schema built without reach declarations: only the admin may use it
        return GraphQLError(
            "This schema serves the admin only", extensions={"code": ErrorCode.UNAUTHENTICATED.value}
        )
    kept = table.verdicts if verdicts is None else verdicts
    refused = kept.get(document, (operation_name, principal.scope))
    if refused is MISSING:
        refused = refused_fields(schema, table, document, operation_name, principal.scope)
        kept.put(document, (operation_name, principal.scope), refused)
    if not refused:
        return None
    names = ", ".join(refused)
    if principal.scope is Scope.GUEST:
        return GraphQLError(
            f"{names} need{'s' if len(refused) == 1 else ''} a signed-in customer or an admin API key: "
            "send 'Authorization: Bearer <token>'. Without a token only store fields may be used.",
            extensions={"code": ErrorCode.UNAUTHENTICATED.value, "fields": refused},
        )
    return GraphQLError(
        f"{names} {'is' if len(refused) == 1 else 'are'} not available to a {principal.scope.value}: "
        "they need an admin API key.",
        extensions={"code": ErrorCode.FORBIDDEN.value, "fields": refused},
    )


class AuthExtension(SchemaExtension):
    """Refuses invalid tokens and what the scope may not select: after validation, before execution."""

    def on_validate(self) -> Iterator[None]:
        ctx = self.execution_context
        document = ctx.graphql_document
        if document is not None and not ctx.pre_execution_errors:
            error = check(ctx.schema._schema, document, ctx.operation_name, principal_of(ctx.context))
            if error is not None:
                # Setting the errors here makes strawberry skip execution (and its own validation).
                ctx.pre_execution_errors = [error]
        yield
