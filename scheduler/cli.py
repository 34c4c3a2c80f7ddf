"""flask CLI commands: users, worker, periodic scheduler, demo data."""
from __future__ import annotations

import logging
import os
import signal
import time

import click
from flask import Flask, current_app
from flask.cli import AppGroup

from scheduler import authz
from scheduler.extensions import db
from scheduler.services.errors import ServiceError

log = logging.getLogger(__name__)
SCHEDULER_LOCK_RETRY_SECONDS = 60
users_cli = AppGroup("users", help="Manage user accounts.")
demo_cli = AppGroup("demo", help="Demo organisation for a first look.")
vault_cli = AppGroup("vault", help="The token vault.")
audit_cli = AppGroup("audit", help="The tamper-evident audit trail.")


def register(app: Flask) -> None:
    app.cli.add_command(users_cli)
    app.cli.add_command(demo_cli)
    app.cli.add_command(vault_cli)
    app.cli.add_command(audit_cli)
    app.cli.add_command(worker_command)
    app.cli.add_command(scheduler_command)


def _fail(message: str) -> None:
    db.session.rollback()
    raise click.ClickException(message)


@users_cli.command("create-admin")
@click.argument("email")
@click.option("--name", "display_name", default=None, help="Display name (defaults to the part before @).")
def create_admin(email: str, display_name: str | None):
    """Create an admin. The password comes from GATEPOST_ADMIN_PASSWORD or a prompt."""
    from scheduler.services import people

    authz.require(authz.SYSTEM, "user.manage")
    password = os.environ.get("GATEPOST_ADMIN_PASSWORD")
    if not password:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    try:
        user = people.create_user(authz.SYSTEM, email=email, display_name=display_name or email.split("@")[0],
                                  password=password, is_admin=True)
    except ServiceError as exc:
        _fail(exc.message)
    db.session.commit()
    click.echo(f"Created admin {user.email} (id {user.id}).")


@users_cli.command("deactivate")
@click.argument("email")
def deactivate(email: str):
    """Deactivate a user: their sessions end and they cannot sign in."""
    from scheduler.services import people

    authz.require(authz.SYSTEM, "user.manage")
    user = people.find_user_by_email(email)
    if user is None:
        _fail(f"No user with email {email}.")
    people.set_user_active(authz.SYSTEM, user, False)
    db.session.commit()
    click.echo(f"Deactivated {user.email}.")


@vault_cli.command("rotate")
def rotate_vault():
    """Re-encrypt every stored token under the first key of GATEPOST_TOKEN_KEYS."""
    from scheduler.vault import VaultError, current_vault

    authz.require(authz.SYSTEM, "account.manage")
    try:
        count = current_vault().rotate(db.session)
    except VaultError as exc:
        _fail(str(exc))
    from scheduler.services.audit import record_event

    record_event(None, "vault.rotated", "vault", None, secrets_reencrypted=count)
    db.session.commit()
    click.echo(f"Re-encrypted {count} stored secret(s) under the newest key.")


@audit_cli.command("verify")
def verify_audit():
    """Recompute the audit chain; exit 1 if any event was altered or deleted."""
    from scheduler.services.audit import verify_chain

    authz.require(authz.SYSTEM, "audit.view")
    report = verify_chain(db.session)
    if report.intact:
        click.echo(f"Audit trail intact: {report.events} events, every link checked.")
        return
    for problem in report.problems:
        click.echo(f"BROKEN: {problem}", err=True)
    raise SystemExit(1)


@demo_cli.command("seed")
def seed_demo():
    """Create a demo organisation if the database has no users yet; print the logins."""
    from scheduler.demo import seed_demo_organisation

    logins = seed_demo_organisation(current_app.extensions["gatepost.settings"])
    db.session.commit()
    if logins is None:
        click.echo("The database already has users; demo data not added.")
        return
    click.echo("Demo logins:")
    for line in logins:
        click.echo(f"  {line}")


@click.command("worker")
@click.option("--burst", is_flag=True, help="Stop when the queue is empty.")
@click.option("--queue", "queue_names", multiple=True, help="Queue(s) to listen on.")
@click.option("--fork", is_flag=True, help="Fork a work horse per job (RQ's default) instead of running jobs "
                                           "in this process.")
def worker_command(burst: bool, queue_names: tuple[str, ...], fork: bool):
    """Start an RQ worker (with RQ's scheduler enabled) on the configured Redis."""
    from rq import Worker

    from scheduler.queueing import InProcessWorker

    _warm_up_for_jobs()
    task_queue = current_app.extensions["gatepost.queue"]
    queues = [task_queue.queue(name) for name in (queue_names or (task_queue.settings.queue_name,))]
    # RQ's scheduler runs beside one worker, under a lock; the other workers
    # retry that lock only at their maintenance round, every 10 minutes by
    # default. If the worker running it dies, due jobs would wait that long.
    worker_class = Worker if fork else InProcessWorker
    InProcessWorker.flask_app = current_app._get_current_object()
    worker = worker_class(queues, connection=task_queue.connection,
                          maintenance_interval=SCHEDULER_LOCK_RETRY_SECONDS)
    log.info("worker %s listening on %s", worker.name, ", ".join(q.name for q in queues))
    worker.work(burst=burst, with_scheduler=True)


def _warm_up_for_jobs() -> None:
    """Do once in the worker what every forked work horse would otherwise redo per job.

    RQ forks a fresh horse for each job; whatever the parent has not loaded,
    each horse loads again. Parsing and compiling the guideline policy alone
    took ~0.35 s of a ~0.45 s publish job (measured by scheduler.bench).
    """
    import sqlalchemy.orm

    import scheduler.jobs  # noqa: F401
    import scheduler.services.publishing  # noqa: F401
    import scheduler.services.reconcile  # noqa: F401
    from scheduler.policy_store import current_policy

    current_policy()
    sqlalchemy.orm.configure_mappers()


@click.command("scheduler")
@click.option("--once", is_flag=True, help="Run one sweep and exit.")
def scheduler_command(once: bool):
    """Enqueue periodic work (the database-driven sweeps) until stopped."""
    from scheduler.periodic import PeriodicScheduler

    task_queue = current_app.extensions["gatepost.queue"]
    runner = PeriodicScheduler(task_queue)
    if once:
        runner.tick()
        return
    stop = {"now": False}

    def _stop(signum, frame):
        stop["now"] = True

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    log.info("periodic scheduler started")
    while not stop["now"]:
        runner.tick()
        for _ in range(10):
            if stop["now"]:
                break
            time.sleep(0.5)
    log.info("periodic scheduler stopped")
