"""graphql-core's validation, cached, run only on documents the limits (limits.py) have admitted.

Strawberry's ``ValidationCache`` validates whatever it is given and overwrites earlier refusals; this
one stands aside when an earlier guard has refused the document, so an oversized document never reaches
validation's overlapping-fields rule (pairwise over fields sharing a response key). When validation
gives up anyway ("Validation aborted."), the error says why and which setting bounds it.
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import lru_cache

from graphql import DocumentNode, GraphQLError, GraphQLSchema, specified_rules
from graphql.validation import ASTValidationRule
from graphql.validation.validate import ValidationAbortedError
from strawberry.extensions import SchemaExtension
from strawberry.schema.schema import validate_document

from paymentgraph.errors import ErrorCode

SPECIFIED_RULES = tuple(specified_rules)
# Distinct documents whose validation result is kept (the parser cache hands back the same AST object).
CACHE_SIZE = 128
TOO_MANY_ERRORS = (
    "Validation stopped after the errors above (graphql-core reports at most 100): fix them and send the "
    "document again."
)
GAVE_UP = (
    "Validation aborted: the document is nested or repeated too much to validate. Lower "
    "PAYMENTGRAPH_MAX_QUERY_NESTING or PAYMENTGRAPH_MAX_FIELD_REPEATS so such documents are refused "
    "before validation, or send a simpler document."
)


@lru_cache(maxsize=CACHE_SIZE)
def _validate(
    schema: GraphQLSchema, document: DocumentNode, rules: tuple[type[ASTValidationRule], ...]
) -> list[GraphQLError]:
    return validate_document(schema, document, rules)


def validate(schema: GraphQLSchema, document: DocumentNode) -> list[GraphQLError]:
    """The specification's rules on ``document`` (uncached: a compiled operation keeps the result)."""
    return validate_document(schema, document, SPECIFIED_RULES)


def explained(errors: list[GraphQLError]) -> list[GraphQLError]:
    """``errors`` with graphql-core's bare "Validation aborted." replaced by an error a person can act on."""
    result: list[GraphQLError] = []
    for error in errors:
        if not isinstance(error, ValidationAbortedError):
            result.append(error)
        elif error.message.startswith("Too many validation errors"):
            code = ErrorCode.GRAPHQL_VALIDATION_FAILED.value
            result.append(GraphQLError(TOO_MANY_ERRORS, extensions={"code": code}))
        else:
            code = ErrorCode.QUERY_TOO_COMPLEX.value
            result.append(GraphQLError(GAVE_UP, extensions={"code": code, "limit": "validation"}))
    return result


class Validation(SchemaExtension):
    """The specification's validation (cached per document), skipped for a document already refused."""

    def on_validate(self) -> Iterator[None]:
        ctx = self.execution_context
        if ctx.pre_execution_errors is None and ctx.graphql_document is not None:
            errors = _validate(ctx.schema._schema, ctx.graphql_document, tuple(ctx.validation_rules))
            ctx.pre_execution_errors = explained(errors)
        yield
