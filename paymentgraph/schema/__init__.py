"""The served GraphQL schema: generated types and queries, the mutations, and the request guards."""

from __future__ import annotations

from collections.abc import Sequence
from types import MethodType
from typing import Any

import strawberry
from strawberry.extensions import ParserCache

from paymentgraph.config import Settings
from paymentgraph.links.registry import Registry
from paymentgraph.schema.auth import AuthExtension
from paymentgraph.schema.errors import ErrorExtension, quiet_process_errors
from paymentgraph.schema.limit_guards import DocumentSizeLimit, QueryLimits
from paymentgraph.schema.limits import Limits
from paymentgraph.schema.nul_guard import NulGuard
from paymentgraph.schema.operation import SingleOperationGuard
from paymentgraph.schema.validation import Validation
from paymentgraph.schema.verdicts import NodeCache


def extensions(settings: Settings) -> list[Any]:
    """The schema extensions, in the order they must run (as factories: one instance per request)."""
    limits = Limits.from_settings(settings)
    limit_verdicts = NodeCache()  # one for the schema: the extensions are made per request
    return [
        ErrorExtension,  # first in, last out: sees every other extension's errors
        lambda: DocumentSizeLimit(limits),  # before ParserCache: a huge document is refused unparsed
        ParserCache,
        # Before validation: graphql-core's rules are not linear in the document, so only documents
        # within the limits are validated (schema/validation.py).
        lambda: QueryLimits(limits, limit_verdicts),
        Validation,  # before the guards: they check only documents that validate
        SingleOperationGuard,  # before auth: it checks the operation that will run
        NulGuard,
        AuthExtension,
    ]


def create_schema(
    registry: Registry | None = None, settings: Settings | None = None, *, mutations: Sequence[Any] = ()
) -> strawberry.Schema:
    """The schema served at /graphql for ``registry`` (default: every module and link).

    ``mutations``: plugins' ``MutationDef`` s, served beside the built-in ones (admin scope).
    """
    from paymentgraph.links.registry import default_registry
    from paymentgraph.resolvers import TYPE_REACH, build_mutation, mutation_definitions
    from paymentgraph.schema.build import TypeRegistry, build_schema
    from paymentgraph.schema.fastexec import FastExecutionContext
    from paymentgraph.schema.reach import REACH_KEY, build_reach_table

    settings = settings or Settings()
    type_registry = TypeRegistry(registry or default_registry())
    schema = build_schema(
        type_registry,
        mutation_factory=lambda types: build_mutation(types, mutations),
        extensions=extensions(settings),
        # Plain reads of what the plan loaded skip graphql-core's per-field machinery (fastexec.py).
        execution_context_class=FastExecutionContext,
    )
    gql = schema._schema
    every_mutation = mutation_definitions(type_registry, tuple(mutations))
    reach = build_reach_table(type_registry, every_mutation, TYPE_REACH, gql)
    gql.extensions = {**(gql.extensions or {}), REACH_KEY: reach}
    # Strawberry logs every error, domain errors included; schema/errors.py logs the unexpected ones.
    schema.process_errors = MethodType(quiet_process_errors, schema)  # type: ignore[method-assign]
    return schema


__all__ = ["create_schema", "extensions"]
