"""The audit trail is a hash chain: altering or deleting any event is detected."""
from __future__ import annotations

import contextvars
import threading

import sqlalchemy as sa

from scheduler.models import AuditEvent
from scheduler.services.audit import record_event, verify_chain


def _events(db, make, count=5):
    user = make.user("auditor@example.org")
    for n in range(count):
        record_event(user, "test.step", "thing", n, n=n, note="ünïcode ✓")
    db.session.commit()
    return user


def _verify_cli(app):
    return contextvars.Context().run(app.test_cli_runner().invoke, args=["audit", "verify"])


def test_an_untouched_trail_verifies(app, db, make):
    _events(db, make)
    report = verify_chain(db.session)
    assert report.intact and report.events == 5
    result = _verify_cli(app)
    assert result.exit_code == 0 and "intact: 5 events" in result.output


def test_an_altered_event_is_detected(app, db, make):
    _events(db, make)
    db.session.execute(sa.text("UPDATE audit_events SET details = :d WHERE sequence = 3"), {"d": '{"n": 99}'})
    db.session.commit()
    report = verify_chain(db.session)
    assert not report.intact and any("event 3" in p and "altered" in p for p in report.problems)
    result = _verify_cli(app)
    assert result.exit_code == 1 and "BROKEN" in result.output


def test_a_deleted_event_is_detected(app, db, make):
    _events(db, make)
    db.session.execute(sa.text("DELETE FROM audit_events WHERE sequence = 2"))
    db.session.commit()
    problems = verify_chain(db.session).problems
    assert any("missing" in p for p in problems) and any("does not follow" in p for p in problems)


def test_deleting_the_newest_event_is_detected(app, db, make):
    _events(db, make)
    db.session.execute(sa.text("DELETE FROM audit_events WHERE sequence = 5"))
    db.session.commit()
    assert any("newest events" in p for p in verify_chain(db.session).problems)


def test_a_rewritten_tail_with_recomputed_hashes_still_breaks_the_head(app, db, make):
    """Someone who deletes the last event and re-hashes nothing cannot hide it; the head remembers."""
    _events(db, make, 3)
    db.session.execute(sa.text("DELETE FROM audit_events WHERE sequence = 3"))
    db.session.commit()
    assert not verify_chain(db.session).intact


def test_concurrent_appenders_never_fork_the_chain(app, db, make):
    user = make.user("busy@example.org")
    user_id = user.id
    errors = []

    def append(worker: int):
        with app.app_context():
            from scheduler.extensions import db as local_db
            from scheduler.models import User

            try:
                for n in range(10):
                    record_event(local_db.session.get(User, user_id), "test.concurrent", "thing", worker, n=n)
                    local_db.session.commit()
            except Exception as exc:  # noqa: BLE001 - surfaced by the assertion
                errors.append(repr(exc))
                local_db.session.rollback()
            finally:
                local_db.session.remove()

    threads = [threading.Thread(target=append, args=(w,)) for w in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == []
    report = verify_chain(db.session)
    assert report.intact and report.events == 30
    sequences = db.session.scalars(sa.select(AuditEvent.sequence).order_by(AuditEvent.sequence)).all()
    assert sequences == list(range(1, 31))


def test_admins_filter_and_export_the_trail(app, db, make, new_browser):
    import csv
    import io

    make.user("admin@example.org", is_admin=True)
    _events(db, make, 3)
    admin = new_browser()
    admin.login("admin@example.org")
    page = admin.get("/admin/audit?action=test.&subject_type=thing&subject_id=1").get_data(as_text=True)
    assert page.count("test.step") == 1
    export = admin.get("/admin/audit.csv?action=test.step&from=2000-01-01&to=2999-12-31")
    assert export.status_code == 200 and export.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(export.get_data(as_text=True))))
    assert [r["subject_id"] for r in rows] == ["0", "1", "2"] and all(len(r["hash"]) == 64 for r in rows)
    assert admin.get("/admin/audit.csv?from=yesterday").status_code == 400
    member = new_browser()
    make.user("member@example.org")
    member.login("member@example.org")
    assert member.get("/admin/audit.csv").status_code == 403
