"""The production compose file and image entrypoint are valid and complete.

Where the `docker compose` plugin exists, it validates the file; where it
does not (no Docker engine here), the file is loaded and checked directly.
"""
import os
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

DOCKER = Path(__file__).resolve().parents[2] / "docker"
ENV = {"POSTGRES_PASSWORD": "pw", "SECRET_KEY": "s" * 40, "GATEPOST_TOKEN_KEYS": "k"}


def _compose_plugin_available() -> bool:
    if not shutil.which("docker"):
        return False
    return subprocess.run(["docker", "compose", "version"], capture_output=True).returncode == 0


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load((DOCKER / "compose.yaml").read_text())


@pytest.mark.skipif(not _compose_plugin_available(), reason="docker compose plugin not installed")
def test_docker_compose_config_accepts_the_file():
    result = subprocess.run(["docker", "compose", "-f", str(DOCKER / "compose.yaml"), "config", "--quiet"],
                            env={**os.environ, **ENV}, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


def test_services_images_and_roles(compose):
    services = compose["services"]
    assert set(services) == {"postgres", "redis", "migrate", "web", "worker", "scheduler"}
    assert services["postgres"]["image"].startswith("postgres:")
    assert services["redis"]["image"].startswith("redis:")
    for role in ("migrate", "web", "worker", "scheduler"):
        service = services[role]
        assert service["image"] == "gatepost:latest" and service["build"]["dockerfile"] == "docker/Dockerfile"
        assert service["command"] == [role]
    assert services["web"]["ports"] == ["${GATEPOST_PORT:-8000}:8000"]
    assert services["migrate"]["restart"] == "no"


def test_app_services_get_every_required_setting(compose):
    for role in ("migrate", "web", "worker", "scheduler"):
        env = compose["services"][role]["environment"]
        assert env["GATEPOST_ENV"] == "production"
        assert env["DATABASE_URL"].startswith("postgresql+psycopg://") and "@postgres:5432/" in env["DATABASE_URL"]
        assert env["REDIS_URL"] == "redis://redis:6379/0"
        # Secrets must be supplied; compose refuses to start without them.
        assert env["SECRET_KEY"].startswith("${SECRET_KEY:?")
        assert env["GATEPOST_TOKEN_KEYS"].startswith("${GATEPOST_TOKEN_KEYS:?")


def test_app_waits_for_healthy_services_and_migration(compose):
    for role in ("web", "worker", "scheduler"):
        depends = compose["services"][role]["depends_on"]
        assert depends["postgres"]["condition"] == "service_healthy"
        assert depends["redis"]["condition"] == "service_healthy"
        assert depends["migrate"]["condition"] == "service_completed_successfully"
    for name in ("postgres", "redis"):
        assert compose["services"][name]["healthcheck"]["test"]


def test_entrypoint_knows_every_role():
    script = (DOCKER / "entrypoint.sh").read_text()
    assert os.access(DOCKER / "entrypoint.sh", os.X_OK)
    for role, command in {"web)": "gunicorn", "worker)": "flask --app wsgi worker",
                          "scheduler)": "flask --app wsgi scheduler", "migrate)": "flask --app wsgi db upgrade"}.items():
        assert role in script and command in script
    result = subprocess.run(["sh", str(DOCKER / "entrypoint.sh"), "nonsense"], capture_output=True, text=True)
    assert result.returncode == 64 and "unknown role" in result.stderr


def test_dockerfile_uses_the_entrypoint_and_pinned_requirements():
    dockerfile = (DOCKER / "Dockerfile").read_text()
    assert 'ENTRYPOINT ["/app/docker/entrypoint.sh"]' in dockerfile
    assert "pip install -r requirements.txt" in dockerfile
    assert "GATEPOST_ENV=production" in dockerfile
