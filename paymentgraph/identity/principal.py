"""Who is asking: the principal every request carries, decided from its ``Authorization`` header."""

from __future__ import annotations

from dataclasses import dataclass

from paymentgraph.db.reach import Scope


@dataclass(frozen=True)
class Principal:
    """The scope of a request and who is behind it.

    ``actor`` is what audit fields record: an API key's id ("apk_..."), "token:<n>" for the n-th
    bootstrap token of ``PAYMENTGRAPH_ADMIN_TOKENS``, or the customer's id. ``refusal`` is set when a
    token was sent but is not valid (unknown, revoked, expired): such a request is refused outright,
    never served as a guest.
    """

    scope: Scope
    customer_id: str | None = None
    actor: str | None = None
    session_id: str | None = None
    refusal: str | None = None

    @property
    def is_admin(self) -> bool:
        return self.scope is Scope.ADMIN and self.refusal is None


GUEST = Principal(Scope.GUEST)
# In-process callers (scripts, tests through the schema) act with every right and no recorded actor.
IN_PROCESS_ADMIN = Principal(Scope.ADMIN)


def customer(customer_id: str, session_id: str | None = None) -> Principal:
    return Principal(Scope.CUSTOMER, customer_id=customer_id, actor=customer_id, session_id=session_id)


def refused(reason: str) -> Principal:
    return Principal(Scope.GUEST, refusal=reason)
