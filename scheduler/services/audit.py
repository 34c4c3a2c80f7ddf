"""Writing to the audit trail, in the same transaction as the change."""
from __future__ import annotations

from scheduler.extensions import db
from scheduler.models import AuditEvent, User

SYSTEM_LABEL = "system"


def record_event(actor: User | None, action: str, subject_type: str, subject_id=None, **details) -> AuditEvent:
    """Append an audit event; flushed with the caller's transaction."""
    return record_event_in(db.session, actor, action, subject_type, subject_id, **details)


def record_event_in(session, actor: User | None, action: str, subject_type: str, subject_id=None,
                    **details) -> AuditEvent:
    """The same, in an explicit session (the vault writes in its own transaction)."""
    event = AuditEvent(
        actor_id=actor.id if actor is not None else None,
        actor_label=actor.email if actor is not None else SYSTEM_LABEL,
        action=action,
        subject_type=subject_type,
        subject_id=None if subject_id is None else str(subject_id),
        details=details,
    )
    session.add(event)
    session.flush()
    return event
