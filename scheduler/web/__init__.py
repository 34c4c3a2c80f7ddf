"""HTML views and the JSON API: thin layers over services."""
from __future__ import annotations

from flask import Flask


def register(app: Flask) -> None:
    from scheduler.web import accounts, admin, api, approvals, auth, errors, main, policy, posts, session

    session.init_login(app)
    errors.register_error_handlers(app)
    app.register_blueprint(auth.bp)
    app.register_blueprint(main.bp)
    app.register_blueprint(admin.bp)
    app.register_blueprint(accounts.bp)
    app.register_blueprint(policy.bp)
    app.register_blueprint(api.bp)
    app.register_blueprint(posts.bp)
    app.register_blueprint(posts.api_bp)
    app.register_blueprint(approvals.bp)
    app.register_blueprint(approvals.api_bp)
