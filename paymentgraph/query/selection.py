"""The structured request the query graph executes (the string ``fields`` API parses into it).

The GraphQL layer builds a :class:`Selection` straight from a selection set: children are keyed by
their RESPONSE KEY (the alias, or the field name), and the loaded row stores each child's value under
that key, so two aliases of one relation with different arguments load independently.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any


@dataclass
class Child:
    """A relation, stored link or read-only link reached from the parent entity.

    ``filters`` narrow the related rows (the parent stays; a single-valued child that does not match
    is None). ``order``, ``take`` and ``skip`` apply per parent to list children and are ignored for
    single-valued ones; lists default to primary-key order.
    """

    name: str  # the relation or link field name on the parent, e.g. "payment_sessions", "cart"
    selection: Selection
    filters: dict[str, Any] | None = None  # Medusa filter dict applied to the related rows
    order: dict[str, Any] | None = None  # {"created_at": "DESC"} for list children
    take: int | None = None  # per-parent limit for list children
    skip: int | None = None  # per-parent offset for list children (with or without take)


@dataclass(frozen=True)
class OutputField:
    """One key of a shaped row, in response order: a column's value, a child, or a constant.

    ``convert`` turns a non-null column value into what the response carries (an amount's text, an
    enum's name) and raises for a value it cannot represent; ``required``: a null here cannot be shaped.
    """

    key: str
    column: str | None = None
    convert: Callable[[Any], Any] | None = None
    required: bool = False
    child: Output | None = None  # the shape of the child selected under ``key``
    constant: Any = None  # the value of a key that is neither a column nor a child


@dataclass(frozen=True, eq=False)  # compared by identity: plans key on it (query/binding.py)
class Output:
    """The response shape of one level. A request that asks for it (``Request.shaped``) gets rows keyed
    and valued as the response carries them, built as each row is read, instead of column-keyed rows a
    caller walks again; every level of such a request has one. ``signature``: the response keys, nested,
    so whoever completes the rows can check they are the shape it expects."""

    fields: tuple[OutputField, ...]

    @cached_property
    def signature(self) -> tuple[Any, ...]:
        return tuple((f.key, None if f.child is None else f.child.signature) for f in self.fields)


@dataclass
class Selection:
    """Columns and children of one entity level; ``entity`` is the entity name."""

    entity: str
    columns: set[str] = field(default_factory=set)  # scalar field names to output
    children: dict[str, Child] = field(default_factory=dict)  # response key -> child
    output: Output | None = None  # the response shape, used when a request is shaped


@dataclass
class Request:
    """A root request: what ``QueryGraph.run`` executes.

    ``with_count`` adds one COUNT statement for ``metadata["count"]``; without it the count is given
    only when every matching row was read (no skip, no take). ``owned`` narrows every owned entity at
    every level to ``owner``'s rows, inside the same statements.
    """

    selection: Selection
    filters: dict[str, Any] | None = None
    skip: int | None = None
    take: int | None = None
    order: dict[str, Any] | None = None
    with_count: bool = False
    # Read on behalf of a guest or customer: owned rows (query/ownership.py) only when they are
    # ``owner``'s (None: a guest, who sees only rows nobody owns). False: everything (the admin).
    owned: bool = False
    owner: str | None = None
    # Rows in the shape of ``selection.output`` (every level must have one); a value that shape cannot
    # represent raises Unshaped (query/rows.py) and the caller reads again without it.
    shaped: bool = False
