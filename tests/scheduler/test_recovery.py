"""Recovery with real processes: a worker killed with SIGKILL mid-publish."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import time_machine

from scheduler.models import PostTarget, TargetState, now_utc
from scheduler.services.reconcile import reconcile
from tests.scheduler.test_publishing import new_post, org, publications  # noqa: F401 - fixture reuse

ROOT = Path(__file__).resolve().parents[2]


def _worker_environment(app, test_environ, emulator_server) -> dict:
    from platforms.emulator.control import EMULATOR_PREFIXES, DEFAULT_CONFIG

    connection = app.extensions["gatepost.queue"].connection
    redis_url = test_environ["REDIS_URL"] or f"unix://{connection.socket_file}"
    env = {**os.environ, **test_environ, "REDIS_URL": redis_url, "GATEPOST_ENV": "testing"}
    for client in DEFAULT_CONFIG["clients"]:
        prefix = f"GATEPOST_{client['network'].upper()}_"
        base = emulator_server.base_url + EMULATOR_PREFIXES[client["network"]]
        env.update({prefix + "CLIENT_ID": client["client_id"], prefix + "CLIENT_SECRET": client["client_secret"],
                    prefix + "API_BASE": base, prefix + "AUTH_BASE": base})
    return env


def _wait_for(condition, timeout=30.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return False


def test_worker_killed_mid_publish_leaves_an_unconfirmed_target(org, db, app, emulator, emulator_server,  # noqa: F811
                                                                 test_environ):
    emulator.add_fault("slow", network="x", endpoint="publish", count=1, delay_seconds=4)
    post = new_post(org)
    db.session.commit()
    target_id = post.targets[0].id
    worker = subprocess.Popen([sys.executable, "-m", "flask", "--app", "wsgi", "worker"], cwd=ROOT,
                              env=_worker_environment(app, test_environ, emulator_server),
                              start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        def claimed():
            db.session.expire_all()
            return db.session.get(PostTarget, target_id).state == TargetState.publishing

        assert _wait_for(claimed), "the worker never claimed the target"
        os.killpg(worker.pid, signal.SIGKILL)  # the worker and its work horse, mid-request
        worker.wait(10)
    finally:
        if worker.poll() is None:
            os.killpg(worker.pid, signal.SIGKILL)
    db.session.expire_all()
    assert db.session.get(PostTarget, target_id).state == TargetState.publishing
    assert reconcile()["enqueued"] == 0  # a claimed target is never re-sent by a machine
    with time_machine.travel(now_utc() + timedelta(minutes=5), tick=False):
        assert reconcile()["stale_claims"] == 1
    db.session.expire_all()
    target = db.session.get(PostTarget, target_id)
    assert target.state == TargetState.unconfirmed and "worker stopped" in target.last_error
    time.sleep(4.5)  # the emulator finishes the slow request it had received
    assert len(publications(emulator)) <= 1
