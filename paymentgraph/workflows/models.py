"""Tables of the workflow engine: runs, their recorded steps (recovery points) and named locks."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from paymentgraph.db.base import Base, TimestampMixin
from paymentgraph.db.types import JSONType, UTCDateTime


class WorkflowRun(Base, TimestampMixin):
    """One execution of a workflow under one idempotency key; a retry with the key resumes it."""

    __tablename__ = "workflow_run"
    __table_args__ = (UniqueConstraint("workflow", "idempotency_key"),)

    id: Mapped[str] = mapped_column(String, primary_key=True)
    workflow: Mapped[str] = mapped_column(String, nullable=False)
    idempotency_key: Mapped[str] = mapped_column(String, nullable=False)
    # sha256 of the canonical input: the same key with another input is refused, not resumed.
    input_fingerprint: Mapped[str] = mapped_column(String, nullable=False)
    # running | succeeded | failed (failed runs were compensated; a retry starts a new attempt)
    status: Mapped[str] = mapped_column(String, nullable=False, default="running", index=True)
    attempts: Mapped[int] = mapped_column(Integer, nullable=False, default=1)
    result: Mapped[dict[str, Any] | None] = mapped_column(JSONType, nullable=True)
    error: Mapped[dict[str, Any] | None] = mapped_column(JSONType, nullable=True)


class WorkflowStep(Base, TimestampMixin):
    """A completed step of a run with its output: the point a retry resumes after."""

    __tablename__ = "workflow_step"
    __table_args__ = (UniqueConstraint("run_id", "name"),)

    id: Mapped[str] = mapped_column(String, primary_key=True)
    run_id: Mapped[str] = mapped_column(
        ForeignKey("workflow_run.id", ondelete="CASCADE"), nullable=False, index=True
    )
    name: Mapped[str] = mapped_column(String, nullable=False)
    position: Mapped[int] = mapped_column(Integer, nullable=False)
    output: Mapped[dict[str, Any]] = mapped_column(JSONType, nullable=False, default=dict)
    compensated_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class WorkflowLock(Base):
    """A named lease (e.g. one cart's completion) held by one run; expired leases may be taken over."""

    __tablename__ = "workflow_lock"

    key: Mapped[str] = mapped_column(String, primary_key=True)
    owner: Mapped[str] = mapped_column(String, nullable=False)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
