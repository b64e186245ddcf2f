"""Admin API keys: created with a title (the token is returned once), listed, revoked."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from paymentgraph.db.ids import new_id
from paymentgraph.db.session import read_session, write_transaction
from paymentgraph.db.types import utcnow
from paymentgraph.errors import InvalidData, not_found
from paymentgraph.identity.models import ApiKey
from paymentgraph.identity.tokens import API_KEY_PREFIX, new_token, redact, token_hash

# lastUsedAt is written at most this often per key, so a busy key does not cost a write per request.
LAST_USED_RESOLUTION = timedelta(seconds=60)
MAX_TITLE = 200


@dataclass(frozen=True)
class ApiKeyDTO:
    id: str
    title: str
    redacted: str
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None

    @classmethod
    def from_row(cls, row: ApiKey) -> ApiKeyDTO:
        return cls(row.id, row.title, row.redacted, row.created_at, row.last_used_at, row.revoked_at)


@dataclass(frozen=True)
class CreatedApiKey:
    api_key: ApiKeyDTO
    token: str  # shown once: only its hash is stored


class ApiKeys:
    def __init__(self, sessionmaker: async_sessionmaker[AsyncSession]) -> None:
        self.sessionmaker = sessionmaker

    async def create(self, title: str, *, created_by: str | None = None) -> CreatedApiKey:
        if not isinstance(title, str) or not title.strip() or len(title) > MAX_TITLE:
            raise InvalidData(f"title must be 1 to {MAX_TITLE} characters", field="title")
        token = new_token(API_KEY_PREFIX)
        row = ApiKey(
            id=new_id("apk"),
            title=title.strip(),
            token_hash=token_hash(token),
            redacted=redact(token),
            created_by=created_by,
            created_at=utcnow(),
        )
        async with write_transaction(self.sessionmaker) as session:
            session.add(row)
        return CreatedApiKey(ApiKeyDTO.from_row(row), token)

    async def revoke(self, id: str) -> ApiKeyDTO:
        """Revoke a key (again: no change); the next request with its token is UNAUTHENTICATED."""
        async with write_transaction(self.sessionmaker) as session:
            row = await session.get(ApiKey, id, with_for_update=True)
            if row is None:
                raise not_found("ApiKey", id)
            if row.revoked_at is None:
                row.revoked_at = utcnow()
            return ApiKeyDTO.from_row(row)

    async def list(self) -> list[ApiKeyDTO]:
        async with read_session(self.sessionmaker) as session:
            rows = (await session.scalars(select(ApiKey).order_by(ApiKey.created_at, ApiKey.id))).all()
        return [ApiKeyDTO.from_row(row) for row in rows]

    async def find_live(self, token: str) -> str | None:
        """The id of the live key whose token this is (and its lastUsedAt brought up to date)."""
        now = utcnow()
        async with read_session(self.sessionmaker) as session:
            found = (
                await session.execute(
                    select(ApiKey.id, ApiKey.last_used_at).where(
                        ApiKey.token_hash == token_hash(token), ApiKey.revoked_at.is_(None)
                    )
                )
            ).first()
        if found is None:
            return None
        key_id, last_used = found
        if last_used is None or now - last_used >= LAST_USED_RESOLUTION:
            async with write_transaction(self.sessionmaker) as session:
                await session.execute(update(ApiKey).where(ApiKey.id == key_id).values(last_used_at=now))
        return str(key_id)
