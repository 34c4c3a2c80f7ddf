"""Telling people: in-app notifications now, email after commit when SMTP is configured."""
from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Session

from scheduler.models import Notification, User


def notify_users(session: Session, users, kind: str, message: str, link: str | None = None) -> list[Notification]:
    notes = [Notification(user_id=user.id, kind=kind, message=message[:1000], link=link) for user in users]
    session.add_all(notes)
    session.flush()
    return notes


def active_admins(session: Session) -> list[User]:
    return list(session.scalars(sa.select(User).where(User.is_admin.is_(True), User.active.is_(True))))


def notify_admins(session: Session, kind: str, message: str, link: str | None = None) -> list[Notification]:
    return notify_users(session, active_admins(session), kind, message, link)
