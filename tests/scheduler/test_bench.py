"""Smoke test of `python -m scheduler.bench publish`: tiny numbers, end to end, never timed.

The benchmark needs Postgres and Redis servers (it creates a throwaway
database and claims an empty Redis db number), so it runs in the services
configuration only.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
import sqlalchemy as sa

from scheduler import PROJECT_ROOT

pytestmark = pytest.mark.skipif(not os.environ.get("TEST_DATABASE_URL", "").startswith("postgresql"),
                                reason="the benchmark runs on Postgres + Redis: set TEST_DATABASE_URL "
                                       "(and TEST_REDIS_URL) for the services configuration")


def test_bench_publishes_every_post_once_and_prints_its_json_last():
    server = sa.engine.make_url(os.environ["TEST_DATABASE_URL"]).set(database="postgres")
    redis_url = os.environ.get("TEST_REDIS_URL") or "redis://127.0.0.1:6379/0"
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    done = subprocess.run(
        [sys.executable, "-m", "scheduler.bench", "publish", "--workers", "2", "--posts", "20", "--duration", "3",
         "--lead", "4", "--postgres-server", server.render_as_string(hide_password=False),
         "--redis-server", redis_url.rsplit("/", 1)[0]],
        cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, timeout=150, check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert set(result["steady"]) == {"posts", "p50_s", "p95_s", "p99_s"}
    assert set(result["burst"]) == {"posts", "posts_per_s", "baseline_jobs_per_s", "ratio", "p99_s"}
    assert result["steady"]["posts"] == result["burst"]["posts"] == 20
    assert result["duplicates"] == 0
    assert result["lost"] == 0
    assert result["states"] == {"published": 40}
