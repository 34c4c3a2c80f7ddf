"""Versions of the guideline policy: every change is a new version, old ones are kept."""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from scheduler.models.base import Base, UTCDateTime, now_utc
from scheduler.models.users import User


class PolicyVersion(Base):
    __tablename__ = "policy_versions"

    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[str] = mapped_column(sa.String(80), unique=True)  # the gate's content hash
    source_text: Mapped[str] = mapped_column(sa.Text)
    note: Mapped[str | None] = mapped_column(sa.String(500), nullable=True)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
    activated_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    is_active: Mapped[bool] = mapped_column(sa.Boolean, default=False, server_default=sa.false(), index=True)

    created_by: Mapped[User | None] = relationship()
