"""Writing to the audit trail, in the same transaction as the change, as a hash chain.

Each event's hash covers its content and the previous event's hash. The
single head row is updated first, which locks it (a row lock on Postgres,
the write lock on SQLite), so concurrent appenders take turns and the chain
never forks.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from scheduler.extensions import db
from scheduler.models import AuditChainHead, AuditEvent, User, now_utc

SYSTEM_LABEL = "system"
GENESIS_HASH = "0" * 64
HEAD_ID = 1


def record_event(actor: User | None, action: str, subject_type: str, subject_id=None, **details) -> AuditEvent:
    """Append an audit event; flushed with the caller's transaction."""
    return record_event_in(db.session, actor, action, subject_type, subject_id, **details)


def event_hash(prev_hash: str, sequence: int, occurred_at, actor_id, actor_label: str, action: str,
               subject_type: str, subject_id, details: dict) -> str:
    canonical = json.dumps([prev_hash, sequence, occurred_at.isoformat(), actor_id, actor_label, action,
                            subject_type, subject_id, details], sort_keys=True, ensure_ascii=False,
                           separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def _lock_head(session) -> AuditChainHead:
    """Advance the head's sequence (taking its lock) and return it."""
    for _ in range(2):
        locked = session.execute(sa.update(AuditChainHead).where(AuditChainHead.id == HEAD_ID)
                                 .values(sequence=AuditChainHead.sequence + 1)
                                 .execution_options(synchronize_session=False))
        if locked.rowcount:
            return session.execute(sa.select(AuditChainHead).where(AuditChainHead.id == HEAD_ID)
                                   .execution_options(populate_existing=True)).scalar_one()
        # No head yet (a new database): create it; a concurrent appender may win that race.
        try:
            with session.begin_nested():
                session.add(AuditChainHead(id=HEAD_ID, sequence=0, last_hash=GENESIS_HASH))
        except IntegrityError:
            pass
    raise RuntimeError("the audit chain head could not be created")


def record_event_in(session, actor: User | None, action: str, subject_type: str, subject_id=None,
                    **details) -> AuditEvent:
    """The same, in an explicit session (the vault writes in its own transaction)."""
    head = _lock_head(session)
    # Stored exactly as hashed: JSON-normalised details, microsecond UTC time.
    details = json.loads(json.dumps(details, default=str))
    fields = dict(
        occurred_at=now_utc(),
        actor_id=actor.id if actor is not None else None,
        actor_label=actor.email if actor is not None else SYSTEM_LABEL,
        action=action,
        subject_type=subject_type,
        subject_id=None if subject_id is None else str(subject_id),
        details=details,
    )
    digest = event_hash(head.last_hash, head.sequence, **fields)
    event = AuditEvent(sequence=head.sequence, prev_hash=head.last_hash, hash=digest, **fields)
    head.last_hash = digest
    session.add(event)
    session.flush()
    return event


@dataclass
class ChainReport:
    events: int
    problems: list[str]

    @property
    def intact(self) -> bool:
        return not self.problems


def verify_chain(session, batch: int = 5000) -> ChainReport:
    """Walk the whole trail: recompute every hash, check every link and the head."""
    problems: list[str] = []
    expected_prev, expected_sequence, count = GENESIS_HASH, 1, 0
    while True:
        rows = session.scalars(sa.select(AuditEvent).where(AuditEvent.sequence >= expected_sequence)
                               .order_by(AuditEvent.sequence).limit(batch)).all()
        if not rows:
            break
        for event in rows:
            count += 1
            if event.sequence != expected_sequence:
                problems.append(f"events {expected_sequence}..{event.sequence - 1} are missing (deleted?)")
            if event.prev_hash != expected_prev:
                problems.append(f"event {event.sequence} (id {event.id}) does not follow the event before it")
            recomputed = event_hash(event.prev_hash, event.sequence, event.occurred_at, event.actor_id,
                                    event.actor_label, event.action, event.subject_type, event.subject_id,
                                    event.details)
            if recomputed != event.hash:
                problems.append(f"event {event.sequence} (id {event.id}, {event.action}) was altered")
            expected_prev, expected_sequence = event.hash, event.sequence + 1
        if len(problems) > 50:
            break
    head = session.get(AuditChainHead, HEAD_ID)
    if head is not None and (head.sequence != expected_sequence - 1 or head.last_hash != expected_prev):
        problems.append(f"the newest events after {expected_sequence - 1} are missing (deleted?)")
    if head is None and count:
        problems.append("the chain head is missing")
    return ChainReport(events=count, problems=problems)
