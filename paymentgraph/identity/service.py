"""``IdentityService``: who is asking (every request), and customers' registration, login and logout.

Customers themselves live in the customer module; identity keeps only their credentials and sessions
and reaches the module through the service it is handed (modules know nothing of identity).
"""

from __future__ import annotations

import hmac
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from paymentgraph.db.ids import new_id
from paymentgraph.db.session import read_session, write_transaction
from paymentgraph.db.types import utcnow
from paymentgraph.errors import Conflict, InvalidData, Unauthenticated
from paymentgraph.identity import principal as principals
from paymentgraph.identity.api_keys import ApiKeys
from paymentgraph.identity.models import CustomerCredential, CustomerSession
from paymentgraph.identity.passwords import check_new_password, hash_password, verify_password
from paymentgraph.identity.principal import GUEST, Principal
from paymentgraph.identity.throttle import LoginThrottle, ThrottleLimits, failure_keys
from paymentgraph.identity.tokens import API_KEY_PREFIX, SESSION_PREFIX, bearer_token, new_token, token_hash

WRONG_CREDENTIALS = "Wrong email or password."
INVALID_TOKEN = (
    "The bearer token is not valid (unknown, revoked or expired). Send an API key, a bootstrap token from "
    "PAYMENTGRAPH_ADMIN_TOKENS, a session token from login, or no Authorization header at all."
)


class Customers(Protocol):
    """What identity needs of the customer module."""

    async def create_customers(self, data: Any) -> Any: ...
    async def delete_customers(self, ids: str | Sequence[str]) -> list[str]: ...


@dataclass(frozen=True)
class SessionDTO:
    token: str  # returned once, to the customer who signed in
    expires_at: datetime
    customer_id: str
    session_id: str


def normal_email(value: object) -> str:
    if not isinstance(value, str) or "@" not in value.strip() or len(value) > 320:
        raise InvalidData("email must be an email address", field="email")
    return value.strip().lower()


class IdentityService:
    def __init__(
        self,
        sessionmaker: async_sessionmaker[AsyncSession],
        customers: Customers,
        *,
        bootstrap_tokens: Sequence[str] = (),
        session_lifetime: timedelta = timedelta(days=30),
        throttle: ThrottleLimits | None = None,
    ) -> None:
        self.sessionmaker = sessionmaker
        self.customers = customers
        self.bootstrap_tokens = tuple(bootstrap_tokens)
        self.session_lifetime = session_lifetime
        self.api_keys = ApiKeys(sessionmaker)
        self.throttle = LoginThrottle(sessionmaker, throttle or ThrottleLimits(5, 50, timedelta(minutes=15)))

    # ------------------------------------------------------------------ who is asking
    async def authenticate(self, authorization: str | None) -> Principal:
        """The principal of a request's ``Authorization`` header (a refusal for a token that is not valid)."""
        token = bearer_token(authorization)
        if token is None:
            return GUEST
        if not token:
            return principals.refused(INVALID_TOKEN)
        bootstrap = self._bootstrap_index(token)
        if bootstrap is not None:
            return principals.Principal(principals.Scope.ADMIN, actor=f"token:{bootstrap}")
        if token.startswith(API_KEY_PREFIX):
            key_id = await self.api_keys.find_live(token)
            if key_id is not None:
                return principals.Principal(principals.Scope.ADMIN, actor=key_id)
        elif token.startswith(SESSION_PREFIX):
            async with read_session(self.sessionmaker) as session:
                found = (
                    await session.execute(
                        select(CustomerSession.id, CustomerSession.customer_id).where(
                            CustomerSession.token_hash == token_hash(token),
                            CustomerSession.revoked_at.is_(None),
                            CustomerSession.expires_at > utcnow(),
                        )
                    )
                ).first()
            if found is not None:
                return principals.customer(found.customer_id, found.id)
        return principals.refused(INVALID_TOKEN)

    def _bootstrap_index(self, token: str) -> int | None:
        """1-based position in PAYMENTGRAPH_ADMIN_TOKENS; every token compared in constant time."""
        matched = None
        for index, candidate in enumerate(self.bootstrap_tokens, start=1):
            if hmac.compare_digest(token.encode(), candidate.encode()) and matched is None:
                matched = index
        return matched

    # ------------------------------------------------------------------ customers
    async def register(
        self, email: object, password: object, *, first_name: str | None = None, last_name: str | None = None
    ) -> SessionDTO:
        """A new customer with a credential, signed in; CONFLICT for an email already registered."""
        address = normal_email(email)
        secret = check_new_password(password)
        async with read_session(self.sessionmaker) as session:
            if await session.scalar(select(CustomerCredential.id).where(CustomerCredential.email == address)):
                raise Conflict(f"A customer with email {address} is already registered", field="email")
        password_hash = await hash_password(secret)
        customer = await self.customers.create_customers(
            {"email": address, "first_name": first_name, "last_name": last_name}
        )
        try:
            async with write_transaction(self.sessionmaker) as session:
                session.add(
                    CustomerCredential(
                        id=new_id("cuscred"),
                        customer_id=customer.id,
                        email=address,
                        password_hash=password_hash,
                    )
                )
        except IntegrityError:
            # Registered concurrently with the same email: this customer never gets a credential.
            await self.customers.delete_customers([customer.id])
            raise Conflict(f"A customer with email {address} is already registered", field="email") from None
        return await self._open_session(customer.id)

    async def login(self, email: object, password: object, *, address: str | None = None) -> SessionDTO:
        """A new session for the right email and password; the same refusal for any wrong one."""
        if not isinstance(password, str):
            raise InvalidData("password must be a string", field="password")
        normal = normal_email(email)
        keys = failure_keys(normal, address)
        await self.throttle.check(keys)
        async with read_session(self.sessionmaker) as session:
            credential = await session.scalar(
                select(CustomerCredential).where(CustomerCredential.email == normal)
            )
        stored = credential.password_hash if credential is not None else None
        if not await verify_password(stored, password) or credential is None:
            await self.throttle.record_failure(keys)
            raise Unauthenticated(WRONG_CREDENTIALS)
        await self.throttle.clear(keys["email"])
        return await self._open_session(credential.customer_id)

    async def logout(self, session_id: str | None) -> bool:
        """Revoke a session; False when there was none to revoke."""
        if session_id is None:
            return False
        async with write_transaction(self.sessionmaker) as session:
            result = await session.execute(
                update(CustomerSession)
                .where(CustomerSession.id == session_id, CustomerSession.revoked_at.is_(None))
                .values(revoked_at=utcnow())
            )
        return bool(getattr(result, "rowcount", 0))

    async def _open_session(self, customer_id: str) -> SessionDTO:
        token = new_token(SESSION_PREFIX)
        now = utcnow()
        row = CustomerSession(
            id=new_id("cusess"),
            customer_id=customer_id,
            token_hash=token_hash(token),
            created_at=now,
            expires_at=now + self.session_lifetime,
        )
        async with write_transaction(self.sessionmaker) as session:
            session.add(row)
        return SessionDTO(token, row.expires_at, customer_id, row.id)
