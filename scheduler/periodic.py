"""Periodic work: a sweep that enqueues each task at most once per interval.

Several scheduler processes may run; a Redis key set with NX per task and
interval makes sure only one of them enqueues each round.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Callable

import redis

from scheduler import jobs
from scheduler.queueing import TaskQueue

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class PeriodicTask:
    name: str
    interval_seconds: int
    func: Callable


PERIODIC_TASKS: tuple[PeriodicTask, ...] = (
    PeriodicTask("reconcile", 60, jobs.reconcile),
    PeriodicTask("release_lifted_embargoes", 60, jobs.release_lifted_embargoes),
    PeriodicTask("escalate_waiting_posts", 60, jobs.escalate_waiting_posts),
    PeriodicTask("deliver_notification_digests", 300, jobs.deliver_notification_digests),
    PeriodicTask("purge_failed_logins", 600, jobs.purge_failed_logins),
)


class PeriodicScheduler:
    def __init__(self, task_queue: TaskQueue, tasks: tuple[PeriodicTask, ...] = PERIODIC_TASKS):
        self.task_queue = task_queue
        self.tasks = tasks

    def tick(self) -> list[str]:
        """Enqueue every task whose interval has elapsed; return their names."""
        enqueued = []
        for task in self.tasks:
            try:
                claimed = self.task_queue.connection.set(
                    f"gatepost:periodic:{task.name}", "1", nx=True, ex=task.interval_seconds
                )
                if claimed:
                    job = self.task_queue.queue().enqueue(task.func)
                    log.info("enqueued periodic task %s as job %s", task.name, job.id)
                    enqueued.append(task.name)
            except redis.RedisError:
                # One failing task never stops the sweep.
                log.exception("could not enqueue periodic task %s", task.name)
        return enqueued
