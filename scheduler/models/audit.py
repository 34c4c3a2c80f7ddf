"""The append-only audit trail every decision is written to."""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.orm import Mapped, mapped_column

from scheduler.models.base import Base, UTCDateTime, now_utc


class AuditEvent(Base):
    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc, index=True)
    # No foreign key: history must outlive the rows it mentions.
    actor_id: Mapped[int | None] = mapped_column(sa.Integer, nullable=True, index=True)
    actor_label: Mapped[str] = mapped_column(sa.String(300))
    action: Mapped[str] = mapped_column(sa.String(80), index=True)
    subject_type: Mapped[str] = mapped_column(sa.String(40))
    subject_id: Mapped[str | None] = mapped_column(sa.String(80), nullable=True)
    details: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    # The chain: each event stores the hash of the one before it, so editing or
    # deleting history is detectable (`flask audit verify`).
    sequence: Mapped[int] = mapped_column(sa.BigInteger, unique=True)
    prev_hash: Mapped[str] = mapped_column(sa.String(64))
    hash: Mapped[str] = mapped_column(sa.String(64))

    __table_args__ = (sa.Index("ix_audit_events_subject", "subject_type", "subject_id"),)


class AuditChainHead(Base):
    """One row: the last sequence number and hash. Appenders lock it, so the chain never forks."""

    __tablename__ = "audit_chain_head"

    id: Mapped[int] = mapped_column(primary_key=True)
    sequence: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    last_hash: Mapped[str] = mapped_column(sa.String(64))


class AuditTrailIsAppendOnly(RuntimeError):
    pass


@event.listens_for(AuditEvent, "before_update")
def _refuse_update(mapper, connection, target):
    raise AuditTrailIsAppendOnly("audit events cannot be changed")


@event.listens_for(AuditEvent, "before_delete")
def _refuse_delete(mapper, connection, target):
    raise AuditTrailIsAppendOnly("audit events cannot be deleted")
