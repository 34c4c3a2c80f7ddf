"""Gatepost: the scheduling platform. `create_app()` builds the Flask application."""
from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa
from flask import Flask

from scheduler.config import Settings, load_settings

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def create_app(config: Settings | dict | None = None) -> Flask:
    """Build the app. `config` is a Settings, a dict of environment-style
    variables, or None to read the process environment."""
    from scheduler import cli, web
    from scheduler.extensions import csrf, db, login_manager, migrate
    from scheduler.logging_setup import configure_logging, install_request_ids
    from scheduler.queueing import TaskQueue

    settings = config if isinstance(config, Settings) else load_settings(config)
    app = Flask(
        __name__,
        template_folder=str(PROJECT_ROOT / "templates"),
        static_folder=str(PROJECT_ROOT / "static"),
        instance_path=str(settings.instance_path),
    )
    app.config.update(
        SECRET_KEY=settings.secret_key,
        SQLALCHEMY_DATABASE_URI=settings.database_url,
        SQLALCHEMY_ENGINE_OPTIONS=_engine_options(settings.database_url),
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=settings.is_production,
        SESSION_COOKIE_NAME="gatepost_session",
        REMEMBER_COOKIE_HTTPONLY=True,
        REMEMBER_COOKIE_SECURE=settings.is_production,
        PERMANENT_SESSION_LIFETIME=12 * 3600,
        WTF_CSRF_TIME_LIMIT=12 * 3600,
        MAX_CONTENT_LENGTH=16 * 1024 * 1024,
        TESTING=settings.env == "testing",
        GATEPOST_ENV=settings.env,
    )
    app.extensions["gatepost.settings"] = settings
    app.extensions["gatepost.queue"] = TaskQueue(settings)

    configure_logging(app)
    install_request_ids(app)

    if settings.database_url.startswith("sqlite:"):
        settings.instance_path.mkdir(parents=True, exist_ok=True)
    db.init_app(app)
    if settings.database_url.startswith("sqlite:"):
        with app.app_context():
            sa.event.listen(db.engine, "connect", _sqlite_pragmas)
    migrate.init_app(app, db, directory=str(PROJECT_ROOT / "migrations"), render_as_batch=True,
                     compare_type=True)
    login_manager.init_app(app)
    csrf.init_app(app)

    web.register(app)
    cli.register(app)
    return app


def _sqlite_pragmas(dbapi_connection, connection_record) -> None:
    # WAL lets the web process read while the worker writes; SQLite leaves
    # foreign keys off unless asked, and cascades depend on them.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def _engine_options(database_url: str) -> dict:
    if database_url.startswith("sqlite:"):
        # Web, worker and scheduler share one SQLite file in development.
        return {"connect_args": {"timeout": 30}}
    return {"pool_pre_ping": True}
