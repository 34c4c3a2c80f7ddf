from datetime import datetime, timedelta, timezone

import pytest
import sqlalchemy as sa

from scheduler.models import AuditEvent, Base, Team
from scheduler.models.audit import AuditTrailIsAppendOnly
from scheduler.services.audit import record_event


def test_utc_datetime_returns_aware_utc(db, make):
    team = make.team()
    team.created_at = datetime(2026, 3, 29, 2, 30, tzinfo=timezone(timedelta(hours=2)))
    db.session.commit()
    db.session.expire_all()
    loaded = db.session.get(Team, team.id).created_at
    assert loaded.tzinfo is not None and loaded.utcoffset() == timedelta(0)
    assert loaded == datetime(2026, 3, 29, 0, 30, tzinfo=timezone.utc)


def test_utc_datetime_refuses_naive_values(db, make):
    team = make.team()
    team.created_at = datetime(2026, 1, 1, 12, 0)
    with pytest.raises(sa.exc.StatementError, match="naive datetime"):
        db.session.commit()


def test_every_constraint_is_named():
    for table in Base.metadata.sorted_tables:
        for constraint in table.constraints:
            assert constraint.name, f"unnamed constraint on {table.name}"


def test_audit_events_cannot_be_changed_or_deleted(db, make):
    user = make.user()
    event = record_event(user, "test.happened", "user", user.id, note="x")
    db.session.commit()
    event.action = "test.rewritten"
    with pytest.raises(AuditTrailIsAppendOnly):
        db.session.flush()
    db.session.rollback()
    db.session.delete(db.session.get(AuditEvent, event.id))
    with pytest.raises(AuditTrailIsAppendOnly):
        db.session.flush()
    db.session.rollback()
    stored = db.session.get(AuditEvent, event.id)
    assert stored.action == "test.happened" and stored.details == {"note": "x"}
    assert stored.actor_label == user.email and stored.subject_id == str(user.id)
