"""Who may read what: the scopes, and the reach an entity, a field or a link declares next to itself.

Three scopes ask questions: the guest (no token), the customer (a session token) and the admin (an API
key). An entity's :class:`Reach` says which scopes may read its fields (with per-field exceptions) and,
through ``owner_key``, which customer owns a row. The GraphQL layer checks the static part on the parsed
operation before anything runs; the query graph turns ownership into a filter of its SQL statements.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum


class Scope(StrEnum):
    GUEST = "guest"
    CUSTOMER = "customer"
    ADMIN = "admin"


EVERYONE: frozenset[Scope] = frozenset(Scope)
SIGNED_IN: frozenset[Scope] = frozenset({Scope.CUSTOMER, Scope.ADMIN})
ADMIN_ONLY: frozenset[Scope] = frozenset({Scope.ADMIN})
STORE: frozenset[Scope] = frozenset({Scope.GUEST, Scope.CUSTOMER})


@dataclass(frozen=True)
class Reach:
    """The reach of one entity.

    ``readable``: the scopes that may select its fields (relations and links leaving it included), unless
    ``fields`` names other scopes for a field. ``by_id``: the scopes that may use its root ``e(id:)``
    field (lists of every row are the admin's). ``owner_key``: the column holding the id of the customer
    a row belongs to (``"id"`` on the customer itself); a row whose owner is set exists only for that
    customer and the admin, a row whose owner is null (a guest's cart) for whoever holds its id.
    """

    readable: frozenset[Scope] = EVERYONE
    fields: Mapping[str, frozenset[Scope]] = field(default_factory=dict)
    by_id: frozenset[Scope] = ADMIN_ONLY
    owner_key: str | None = None

    def of(self, name: str) -> frozenset[Scope]:
        """The scopes that may read field ``name``."""
        return self.fields.get(name, self.readable)


OPEN = Reach()
