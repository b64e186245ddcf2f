"""One compiled operation per (document text, operationName): parsed, checked and kept; requests bind and run.

``/graphql`` serves every request through :class:`Operations`. The first request with a given text and
operation name compiles it: the size check, the parse, which operation runs and its type, whether its
string literals hold a NUL. What depends on more than the text is decided once per value of what it
depends on and kept on the operation (:attr:`CompiledOperation.verdicts`): the limits' verdict under the
values of the variables that decide its takes (schema/limit_guards.py), validation once the limits have
admitted the document (schema/validation.py), and the auth verdict per scope (schema/auth.py). Each root
field's query-graph selection and plan are kept by the document's field nodes (schema/plans.py), which
the operation keeps alive. A repeated request therefore runs: the lookup, the checks that read its
variables (the NUL guard; the limits' key), then graphql-core's execution with the fast executor.

The checks run in the order of the schema's extensions (schema/__init__.py), which serve the other ways
in (``schema.execute`` in process, subscriptions over WebSocket) with the same functions: the answers
are the same whichever way a document arrives. Errors come back unformatted; the caller formats them
once (schema/errors.py).
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Awaitable, Mapping
from typing import Any, cast

from graphql import (
    DocumentNode,
    ExecutionResult,
    GraphQLError,
    OperationDefinitionNode,
    execute,
    parse,
    print_ast,
)
from strawberry.execution.is_awaitable import optimized_is_awaitable
from strawberry.types.graphql import OperationType

from paymentgraph.identity.principal import Principal
from paymentgraph.schema import auth, limit_guards, nul_guard
from paymentgraph.schema.limits import Limits
from paymentgraph.schema.operation import several_operations_error
from paymentgraph.schema.validation import explained, validate
from paymentgraph.schema.verdicts import NodeCache

# Distinct (text, operationName) pairs kept per worker; a document's verdicts are few (scopes, takes).
CACHE_SIZE = 512
_VERDICTS_PER_OPERATION = 32


class CompiledOperation:
    """A document as the server will run it (see the module docstring)."""

    def __init__(self, text: str, operation_name: str | None, limits: Limits) -> None:
        self.text = text
        self.provided_name = operation_name
        self.document: DocumentNode | None = None
        # The operation graphql-core will run: the named one, else the first (strawberry's rule; a
        # document of several sent without a name is refused after validation, as the spec says).
        self.operation: OperationDefinitionNode | None = None
        self.operation_type: OperationType | None = None
        # Refused whatever the variables and caller: the size, the syntax.
        self.refusal: list[GraphQLError] | None = None
        self.unknown_operation = False  # operationName names no operation of the document
        self.several_operations: GraphQLError | None = None
        self.verdicts = NodeCache(_VERDICTS_PER_OPERATION)
        self._validation: list[GraphQLError] | None = None
        self._normalised: str | None = None
        self._compile(limits)

    def _compile(self, limits: Limits) -> None:
        size_error = limit_guards.check_document_size(self.text, limits)
        if size_error is not None:
            self.refusal = [size_error]
            return
        try:
            self.document = parse(self.text)
        except GraphQLError as error:
            self.refusal = [error]
            return
        operations = [d for d in self.document.definitions if isinstance(d, OperationDefinitionNode)]
        if self.provided_name is None:
            self.operation = operations[0] if operations else None
            if len(operations) > 1:
                self.several_operations = several_operations_error(operations)
        else:
            named = (op for op in operations if op.name and op.name.value == self.provided_name)
            self.operation = next(named, None)
        if self.operation is None:
            self.unknown_operation = True
        else:
            self.operation_type = OperationType(self.operation.operation.value)

    @property
    def operation_name(self) -> str | None:
        """The name graphql-core and the guards are given: the provided one, else the operation's own."""
        if self.provided_name is not None:
            return self.provided_name
        return self.operation.name.value if self.operation is not None and self.operation.name else None

    @property
    def runs_one_mutation(self) -> bool:
        """A parsed document whose one operation to run, without ambiguity, is a mutation."""
        return (
            self.refusal is None
            and self.several_operations is None
            and self.operation_type is OperationType.MUTATION
        )

    @property
    def normalised(self) -> str:
        """The document printed canonically (formatting-insensitive), for Idempotency-Key fingerprints."""
        if self._normalised is None:
            assert self.document is not None
            self._normalised = print_ast(self.document)
        return self._normalised

    def request_errors(
        self,
        schema: Any,
        variables: Mapping[str, Any] | None,
        principal: Principal,
        limits: Limits,
    ) -> list[GraphQLError] | None:
        """Why this request may not run (unformatted), or None. ``schema``: the graphql-core schema."""
        if self.refusal is not None:
            return self.refusal
        document = self.document
        assert document is not None and not self.unknown_operation
        name = self.operation_name
        error = limit_guards.check(schema, document, name, variables, limits, self.verdicts)
        if error is not None:
            return [error]
        if self._validation is None:
            # Only after the limits admitted it: validation is not linear in the document's size.
            self._validation = explained(validate(schema, document))
        if self._validation:
            return self._validation
        if self.several_operations is not None:
            return [self.several_operations]
        error = nul_guard.check(self.text, document, variables)
        if error is not None:
            return [error]
        error = auth.check(schema, document, name, principal, self.verdicts)
        return None if error is None else [error]

    async def run(self, schema: Any, variables: dict[str, Any] | None, context: Any) -> ExecutionResult:
        """Execute with ``schema.execution_context_class`` (a strawberry schema); errors unformatted."""
        assert self.document is not None
        try:
            outcome = execute(
                schema._schema,
                self.document,
                context_value=context,
                variable_values=variables,
                operation_name=self.operation_name,
                executor_class=schema.execution_context_class,
                is_awaitable=cast(Any, optimized_is_awaitable),
            )
            result = await outcome if isinstance(outcome, Awaitable) else outcome
        except Exception as error:  # a bug in execution itself: the caller masks and logs it
            return ExecutionResult(None, [GraphQLError(str(error), original_error=error)])
        assert isinstance(result, ExecutionResult)
        return result


class Operations:
    """The compiled operations of one schema: a bounded LRU keyed by (text, operationName)."""

    def __init__(self, limits: Limits, size: int = CACHE_SIZE) -> None:
        self.limits = limits
        self.size = size
        self._entries: OrderedDict[tuple[str, str | None], CompiledOperation] = OrderedDict()

    def get(self, text: str, operation_name: str | None) -> CompiledOperation:
        key = (text, operation_name)
        compiled = self._entries.get(key)
        if compiled is not None:
            self._entries.move_to_end(key)
            return compiled
        compiled = CompiledOperation(text, operation_name, self.limits)
        if compiled.refusal is None:  # an oversized or unparsable text is not worth a place
            self._entries[key] = compiled
            if len(self._entries) > self.size:
                self._entries.popitem(last=False)
        return compiled

    def __len__(self) -> int:
        return len(self._entries)
