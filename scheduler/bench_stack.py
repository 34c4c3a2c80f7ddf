"""The processes a benchmark run needs, started like production and cleaned up afterwards.

A throwaway Postgres database and an empty Redis database number (unless
DATABASE_URL / REDIS_URL are given), the platform emulator as its own
process, N `flask --app wsgi worker` processes and the periodic
`flask --app wsgi scheduler`. Logs of every child go to files in a temporary
directory, so the benchmark's own stderr stays readable.
"""
from __future__ import annotations

import os
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import redis
import requests
import sqlalchemy as sa
from cryptography.fernet import Fernet

from scheduler import PROJECT_ROOT

DEFAULT_POSTGRES_SERVER = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
DEFAULT_REDIS_SERVER = "redis://127.0.0.1:6379"
BENCH_REDIS_MARKER = "gatepost:bench:owner"
REDIRECT_URI = "http://127.0.0.1:5000/accounts/callback/x"  # registered with the emulator's default X client


def log(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class BenchStack:
    """Owns every resource of one run; `close()` releases them all, in reverse order."""

    def __init__(self, *, workers: int, database_url: str | None, redis_url: str | None,
                 postgres_server: str = DEFAULT_POSTGRES_SERVER, redis_server: str = DEFAULT_REDIS_SERVER,
                 keep_logs: bool = False):
        self.workers_wanted = workers
        self.keep_logs = keep_logs
        self.tmp = Path(tempfile.mkdtemp(prefix="gatepost-bench-"))
        self.children: dict[str, subprocess.Popen] = {}
        self._drop_database: tuple[str, str] | None = None
        self._flush_redis_at_end = False
        self.database_url = database_url or self._create_database(postgres_server)
        self.redis_url = redis_url or self._claim_redis_db(redis_server)
        self.redis = redis.Redis.from_url(self.redis_url)
        self.run_id = uuid.uuid4().hex
        self.emulator_url = f"http://127.0.0.1:{_free_port()}"
        base = self.emulator_url + "/x"
        self.env = {
            **os.environ,
            "PYTHONUNBUFFERED": "1",
            "GATEPOST_BENCH_RUN": self.run_id,  # finds this run's orphaned work horses at the end
            "GATEPOST_ENV": "production",
            "GATEPOST_INSTANCE_PATH": str(self.tmp / "instance"),
            "DATABASE_URL": self.database_url,
            "REDIS_URL": self.redis_url,
            "SECRET_KEY": secrets.token_urlsafe(48),
            "GATEPOST_TOKEN_KEYS": Fernet.generate_key().decode(),
            "GATEPOST_X_CLIENT_ID": "gatepost-x-client",
            "GATEPOST_X_CLIENT_SECRET": "emulator-x-secret",
            "GATEPOST_X_AUTH_BASE": base,
            "GATEPOST_X_API_BASE": base,
        }
        for name in ("FACEBOOK", "LINKEDIN"):  # only X is benchmarked
            for suffix in ("CLIENT_ID", "CLIENT_SECRET", "AUTH_BASE", "API_BASE"):
                self.env.pop(f"GATEPOST_{name}_{suffix}", None)

    # --- throwaway database and Redis db -------------------------------------------

    def _create_database(self, server_url: str) -> str:
        name = f"gatepost_bench_{uuid.uuid4().hex[:10]}"
        engine = sa.create_engine(server_url, isolation_level="AUTOCOMMIT")
        with engine.connect() as conn:
            conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
        engine.dispose()
        self._drop_database = (server_url, name)
        log(f"created throwaway database {name}")
        return sa.engine.make_url(server_url).set(database=name).render_as_string(hide_password=False)

    def _claim_redis_db(self, server_url: str) -> str:
        """The highest-numbered empty Redis db, marked as ours so a concurrent run picks another."""
        probe = redis.Redis.from_url(server_url)
        databases = int(probe.config_get("databases").get("databases", 16))
        probe.close()
        for number in range(databases - 1, 0, -1):
            client = redis.Redis.from_url(f"{server_url}/{number}")
            try:
                if client.dbsize() == 0 and client.set(BENCH_REDIS_MARKER, str(os.getpid()), nx=True):
                    self._flush_redis_at_end = True
                    log(f"using empty Redis db {number}")
                    return f"{server_url}/{number}"
            finally:
                client.close()
        raise RuntimeError("no empty Redis database number is free; pass REDIS_URL")

    # --- child processes ----------------------------------------------------------

    def _spawn(self, name: str, args: list[str], env: dict | None = None) -> subprocess.Popen:
        out = open(self.tmp / f"{name}.log", "ab")
        child = subprocess.Popen(args, env=env or self.env, cwd=PROJECT_ROOT, stdout=out, stderr=subprocess.STDOUT,
                                 start_new_session=True)
        out.close()
        self.children[name] = child
        return child

    def start_emulator(self) -> None:
        port = self.emulator_url.rsplit(":", 1)[1]
        self._spawn("emulator", [sys.executable, "-m", "platforms.emulator", "--port", port])
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                if requests.get(self.emulator_url + "/_emulator/faults", timeout=1).ok:
                    log(f"emulator up at {self.emulator_url}")
                    return
            except requests.RequestException:
                time.sleep(0.2)
        raise RuntimeError(f"the emulator did not start; see {self.tmp / 'emulator.log'}")

    def flask(self, *args: str) -> list[str]:
        return [sys.executable, "-m", "flask", "--app", "wsgi", *args]

    def start_worker(self, index: int) -> subprocess.Popen:
        return self._spawn(f"worker{index}", self.flask("worker"))

    def start_workers(self) -> None:
        for index in range(1, self.workers_wanted + 1):
            self.start_worker(index)
        self.wait_for_workers(self.workers_wanted)
        log(f"{self.workers_wanted} worker(s) up")

    def wait_for_workers(self, count: int, timeout: float = 60) -> None:
        from rq import Worker

        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if len(Worker.all(connection=self.redis)) >= count:
                return
            for name, child in self.children.items():
                if name.startswith("worker") and child.poll() is not None:
                    raise RuntimeError(f"{name} exited; see {self.tmp / (name + '.log')}")
            time.sleep(0.2)
        raise RuntimeError(f"workers did not register in Redis; see the logs in {self.tmp}")

    def start_periodic_scheduler(self) -> None:
        self._spawn("scheduler", self.flask("scheduler"))

    def scheduler_holder(self) -> int:
        """The worker whose process tree runs RQ's scheduler (holds its lock), or 1 if none does."""
        holder = self.redis.get("rq:scheduler-lock:default")
        for name, child in self.children.items():
            if name.startswith("worker") and holder and int(holder) in _descendants(child.pid) + [child.pid]:
                return int(name.removeprefix("worker"))
        return 1

    def kill_worker(self, index: int) -> list[int]:
        """SIGKILL a worker and its whole process tree (work horse, RQ scheduler), as a dead container would."""
        child = self.children[f"worker{index}"]
        pids = _descendants(child.pid) + [child.pid]
        for pid in pids:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        child.wait()
        return pids

    def run_migrations(self) -> None:
        with open(self.tmp / "migrate.log", "ab") as out:
            subprocess.run(self.flask("db", "upgrade"), env=self.env, cwd=PROJECT_ROOT, check=True,
                           stdout=out, stderr=subprocess.STDOUT)

    # --- teardown ---------------------------------------------------------------

    def close(self) -> None:
        for name, child in reversed(list(self.children.items())):
            if child.poll() is None:
                try:
                    os.killpg(child.pid, signal.SIGTERM)
                except ProcessLookupError:
                    pass
        deadline = time.monotonic() + 15
        for name, child in self.children.items():
            try:
                child.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                try:
                    os.killpg(child.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                child.wait()
        # Orphaned work horses and RQ scheduler processes live in their own groups.
        for pid in _processes_of_run(self.run_id):
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        if self._flush_redis_at_end:
            try:
                self.redis.flushdb()
            except redis.RedisError:
                log("could not empty the bench Redis db")
        self.redis.close()
        if self._drop_database:
            server_url, name = self._drop_database
            engine = sa.create_engine(server_url, isolation_level="AUTOCOMMIT")
            with engine.connect() as conn:
                conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            engine.dispose()
            log(f"dropped database {name}")
        if self.keep_logs:
            log(f"child logs kept in {self.tmp}")
        else:
            import shutil

            shutil.rmtree(self.tmp, ignore_errors=True)


def _descendants(pid: int) -> list[int]:
    found, frontier = [], [pid]
    while frontier:
        parent = frontier.pop()
        try:
            children = Path(f"/proc/{parent}/task/{parent}/children").read_text().split()
        except OSError:
            continue
        for child in map(int, children):
            found.append(child)
            frontier.append(child)
    return found


def _processes_of_run(run_id: str) -> list[int]:
    """Processes started by this run (orphans of killed workers included): they carry its id."""
    marker = f"GATEPOST_BENCH_RUN={run_id}".encode()
    pids = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            if marker in (entry / "environ").read_bytes().split(b"\0"):
                pids.append(int(entry.name))
        except OSError:
            continue
    return pids
