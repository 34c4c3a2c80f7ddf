"""Work goes through real Redis to a real RQ worker, and only after commit."""
from datetime import timedelta

import sqlalchemy as sa
from rq import SimpleWorker

from scheduler import jobs
from scheduler.models import FailedLogin, Team, now_utc
from scheduler.periodic import PeriodicScheduler
from scheduler.queueing import enqueue_after_commit, task_queue


def _old_failure(db):
    db.session.add(FailedLogin(email="x@example.org", remote_addr="127.0.0.1",
                               attempted_at=now_utc() - timedelta(hours=2)))
    db.session.add(FailedLogin(email="y@example.org", remote_addr="127.0.0.1"))
    db.session.commit()


def test_a_job_enqueued_through_redis_runs_on_a_worker(app_ctx, db):
    _old_failure(db)
    queue = task_queue().queue()
    job = queue.enqueue(jobs.purge_failed_logins)
    assert queue.count == 1
    SimpleWorker([queue], connection=queue.connection).work(burst=True)
    job.refresh()
    assert job.is_finished and job.return_value() == 1
    db.session.expire_all()
    assert [f.email for f in db.session.scalars(sa.select(FailedLogin))] == ["y@example.org"]


def test_the_worker_command_runs_queued_jobs(app, db):
    _old_failure(db)
    job = task_queue().queue().enqueue(jobs.purge_failed_logins)
    result = app.test_cli_runner().invoke(args=["worker", "--burst"])
    assert result.exit_code == 0, result.output
    job.refresh()
    assert job.is_finished, job.get_status()
    db.session.expire_all()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(FailedLogin)) == 1


def test_enqueue_waits_for_commit(app_ctx, db):
    queue = task_queue().queue()
    db.session.add(Team(name="Committed"))
    enqueue_after_commit(db.session, jobs.purge_failed_logins)
    assert queue.count == 0  # not before the row is committed
    db.session.commit()
    assert queue.count == 1


def test_rollback_drops_the_pending_job(app_ctx, db):
    queue = task_queue().queue()
    db.session.add(Team(name="Never"))
    enqueue_after_commit(db.session, jobs.purge_failed_logins)
    db.session.rollback()
    db.session.commit()  # a later, unrelated commit must not send it either
    assert queue.count == 0


def test_periodic_scheduler_enqueues_once_per_interval(app_ctx):
    runner = PeriodicScheduler(task_queue())
    assert runner.tick() == ["reconcile", "release_lifted_embargoes", "escalate_waiting_posts",
                             "deliver_notification_digests", "purge_failed_logins"]
    assert runner.tick() == []  # a second scheduler (or tick) in the same interval does nothing
    assert task_queue().queue().count == 5
