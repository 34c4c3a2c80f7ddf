"""The reconciler: the database drives the work; Redis only delivers it.

Every minute it (1) enqueues due targets that Redis does not know about (an
emptied Redis loses nothing), (2) turns claims older than the job timeout
into `unconfirmed` (a worker died mid-publish: a person decides), (3) expires
posts still waiting for approval past their time when the team does not
publish late, and (4) resumes targets held for an account that has since been
reconnected. One bad row never stops the sweep.
"""
from __future__ import annotations

import logging
from datetime import timedelta, timezone

import sqlalchemy as sa
from rq.exceptions import NoSuchJobError
from rq.job import Job, JobStatus
from rq.registry import ScheduledJobRegistry

from scheduler.extensions import db
from scheduler.models import (AccountStatus, LateApprovalRule, Post, PostState, PostTarget, PublishAttempt,
                              SocialAccount, TargetState, Team, now_utc)
from scheduler.queueing import send_job, task_queue

log = logging.getLogger(__name__)

LOOKAHEAD = timedelta(seconds=60)
from scheduler.services.posts import PUBLISH_JOB_TIMEOUT_SECONDS  # noqa: E402

STALE_CLAIM_AFTER = timedelta(seconds=2 * PUBLISH_JOB_TIMEOUT_SECONDS)
LIVE_JOB_STATUSES = {JobStatus.QUEUED, JobStatus.SCHEDULED, JobStatus.STARTED, JobStatus.DEFERRED}
# RQ's scheduler moves a due job onto the queue within a second. One still
# waiting well past its time means no scheduler is running (the worker that
# held RQ's scheduler lock died; the others retry the lock only every 10
# minutes). A job "started" longer ago than its timeout died with its work
# horse. Neither job will ever run.
SCHEDULED_JOB_OVERDUE = timedelta(seconds=30)
STARTED_JOB_OVERDUE = timedelta(seconds=PUBLISH_JOB_TIMEOUT_SECONDS + 60)


def _job_is_live(job_id: str, connection, now) -> bool:
    """Will this job still run? Only asked for targets nobody has claimed, so re-sending one is safe."""
    try:
        job = Job.fetch(job_id, connection=connection)
    except NoSuchJobError:
        return False
    status = job.get_status(refresh=False)
    if status == JobStatus.SCHEDULED:
        registry = ScheduledJobRegistry(job.origin, connection=connection)
        try:
            overdue = registry.get_scheduled_time(job) < now - SCHEDULED_JOB_OVERDUE
        except NoSuchJobError:
            return False
        if overdue:
            registry.remove(job)
        return not overdue
    if status == JobStatus.STARTED and job.started_at is not None:
        return job.started_at.replace(tzinfo=timezone.utc) >= now - STARTED_JOB_OVERDUE
    return status in LIVE_JOB_STATUSES


def reconcile() -> dict:
    from scheduler.jobs import publish_target
    from scheduler.services.posts import expire_post, publish_job_id, resume_held_targets
    from scheduler.services.publishing import _finish

    now = now_utc()
    report = {"enqueued": 0, "stale_claims": 0, "expired": 0, "resumed": 0, "errors": 0}
    queue = task_queue().queue()

    due = db.session.scalars(sa.select(PostTarget).where(PostTarget.state == TargetState.scheduled,
                                                         PostTarget.due_at <= now + LOOKAHEAD)).all()
    for target in due:
        try:
            job_id = publish_job_id(target)
            if not _job_is_live(job_id, queue.connection, now):
                send_job(queue, publish_target, (target.id,), at=target.due_at, job_id=job_id,
                         job_timeout=PUBLISH_JOB_TIMEOUT_SECONDS)
                report["enqueued"] += 1
        except Exception:  # noqa: BLE001 - one bad row never stops the sweep
            report["errors"] += 1
            log.exception("reconciler could not enqueue target %s", target.id)

    stale = db.session.scalars(sa.select(PostTarget).where(PostTarget.state == TargetState.publishing,
                                                           PostTarget.claimed_at < now - STALE_CLAIM_AFTER)).all()
    for target in stale:
        try:
            attempt = db.session.scalar(sa.select(PublishAttempt).where(PublishAttempt.target_id == target.id)
                                        .order_by(PublishAttempt.id.desc()).limit(1))
            if attempt is None or attempt.finished_at is not None:
                attempt = PublishAttempt(target_id=target.id, outcome="started")
                db.session.add(attempt)
            _finish(target, attempt, TargetState.unconfirmed, "unknown",
                    "The worker stopped while publishing; the post may or may not be on the network.")
            report["stale_claims"] += 1
        except Exception:  # noqa: BLE001
            db.session.rollback()
            report["errors"] += 1
            log.exception("reconciler could not settle stale claim of target %s", target.id)

    overdue = db.session.scalars(sa.select(Post).join(Team).where(
        Post.state == PostState.awaiting_approval, Post.scheduled_at < now,
        Team.late_approval_rule == LateApprovalRule.expire.value)).all()
    for post in overdue:
        try:
            expire_post(post, "no manager approved it before its scheduled time")
            db.session.commit()
            report["expired"] += 1
        except Exception:  # noqa: BLE001
            db.session.rollback()
            report["errors"] += 1
            log.exception("reconciler could not expire post %s", post.id)

    reconnected = db.session.scalars(sa.select(SocialAccount).where(
        SocialAccount.status == AccountStatus.connected,
        SocialAccount.id.in_(sa.select(PostTarget.account_id).where(PostTarget.state == TargetState.held)))).all()
    for account in reconnected:
        try:
            report["resumed"] += resume_held_targets(account)
            db.session.commit()
        except Exception:  # noqa: BLE001
            db.session.rollback()
            report["errors"] += 1
            log.exception("reconciler could not resume targets of account %s", account.id)

    db.session.commit()
    log.info("reconciler: %s", report)
    return report
