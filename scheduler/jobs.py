"""RQ jobs. Jobs take ids or plain values, never ORM objects, and reload what they need."""
from __future__ import annotations

import contextlib
import logging
import os

from flask import current_app, has_app_context

log = logging.getLogger(__name__)
_pool_pid = os.getpid()


@contextlib.contextmanager
def job_context():
    """Run a job inside an app context with a database pool owned by this process.

    RQ forks a work horse per job; connections inherited across a fork must
    not be shared, so the child drops the parent's pool (without closing it).
    """
    global _pool_pid
    own_context = not has_app_context()
    if not own_context:  # run in-process (tests, SimpleWorker inside a request/CLI)
        app = current_app._get_current_object()
        ctx = contextlib.nullcontext()
    else:
        from scheduler import create_app

        app = create_app()
        ctx = app.app_context()
    with ctx:
        from scheduler.extensions import db

        if os.getpid() != _pool_pid:
            db.engine.dispose(close=False)
            _pool_pid = os.getpid()
        try:
            yield app
            db.session.commit()
        except Exception:
            db.session.rollback()
            raise
        finally:
            if own_context:
                db.session.remove()


def purge_failed_logins() -> int:
    """Forget failed sign-ins older than the throttling window."""
    from scheduler.services.signin import purge_old_failures

    with job_context() as app:
        removed = purge_old_failures(app.extensions["gatepost.settings"])
    log.info("purged %d old failed sign-in records", removed)
    return removed


def send_email(to: str, subject: str, body: str) -> None:
    from scheduler.services.mail import deliver

    with job_context() as app:
        settings = app.extensions["gatepost.settings"]
        deliver(settings.smtp_url, settings.mail_from, to, subject, body)


def publish_target(target_id: int) -> str:
    """Publish one target when it is due (see scheduler.services.publishing)."""
    from rq import get_current_job

    from scheduler.services.publishing import publish_target as run

    job = get_current_job()
    with job_context():
        return run(target_id, job.id if job else None)


def reconcile() -> dict:
    """The every-minute sweep (see scheduler.services.reconcile)."""
    from scheduler.services.reconcile import reconcile as run

    with job_context():
        return run()


def release_lifted_embargoes() -> int:
    """Posts held only by an embargo go on by themselves once it lifts."""
    from scheduler.services.policy import release_lifted_embargoes as run

    with job_context():
        return run()


def escalate_waiting_posts() -> int:
    """Flagged posts waiting too long (or too near their slot) go to the deputy or admins."""
    from scheduler.services.approvals import escalate_waiting_posts as run

    with job_context():
        return run()


def deliver_notification_digests() -> dict:
    """Batched emails (and the chat webhook) for new notifications."""
    from scheduler.models import now_utc
    from scheduler.services.notifications import deliver_digests

    with job_context() as app:
        return deliver_digests(app.extensions["gatepost.settings"], now_utc())
