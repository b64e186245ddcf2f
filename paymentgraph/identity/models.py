"""Identity tables: customers' credentials and sessions, admin API keys, failed logins.

Secrets are never stored: passwords as Argon2id hashes, tokens as their SHA-256 (a token carries 256
random bits, so a fast hash is enough to make a stolen table useless; the hash is the lookup key).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, String
from sqlalchemy.orm import Mapped, mapped_column

from paymentgraph.db.base import Base, TimestampMixin
from paymentgraph.db.types import UTCDateTime, utcnow


class CustomerCredential(Base, TimestampMixin):
    """A customer's sign-in: one per customer, one per email (stored lower-case)."""

    __tablename__ = "customer_credential"

    id: Mapped[str] = mapped_column(String, primary_key=True)
    customer_id: Mapped[str] = mapped_column(String, nullable=False, unique=True)
    email: Mapped[str] = mapped_column(String, nullable=False, unique=True)
    password_hash: Mapped[str] = mapped_column(String, nullable=False)


class CustomerSession(Base):
    """A signed-in session: the bearer token's hash, until it expires or is revoked (logout)."""

    __tablename__ = "customer_session"

    id: Mapped[str] = mapped_column(String, primary_key=True)
    customer_id: Mapped[str] = mapped_column(String, nullable=False, index=True)
    token_hash: Mapped[str] = mapped_column(String, nullable=False, unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class ApiKey(Base):
    """An admin API key: shown once when created, then known here only by its hash and a redacted form."""

    __tablename__ = "api_key"

    id: Mapped[str] = mapped_column(String, primary_key=True)
    title: Mapped[str] = mapped_column(String, nullable=False)
    token_hash: Mapped[str] = mapped_column(String, nullable=False, unique=True)
    redacted: Mapped[str] = mapped_column(String, nullable=False)
    created_by: Mapped[str | None] = mapped_column(String, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class LoginFailure(Base):
    """One failed login, counted per email and per client address within the throttling window."""

    __tablename__ = "login_failure"
    __table_args__ = (Index("IDX_login_failure_key_created_at", "key", "created_at"),)

    id: Mapped[str] = mapped_column(String, primary_key=True)
    # "email:<sha256>" or "address:<sha256>": who was tried, without keeping the address or email itself.
    key: Mapped[str] = mapped_column(String, nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)
