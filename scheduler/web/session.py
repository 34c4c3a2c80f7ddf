"""Flask-Login wiring: loading the signed-in user, and what the anonymous get."""
from __future__ import annotations

from flask import Flask, redirect, request, url_for

from scheduler.extensions import db, login_manager
from scheduler.models import User
from scheduler.web.responses import api_error


def init_login(app: Flask) -> None:
    login_manager.login_view = "auth.login"
    login_manager.login_message = "Please sign in to continue."
    login_manager.session_protection = "strong"

    @login_manager.user_loader
    def load_user(session_id: str):
        user_id, _, digest = session_id.partition(":")
        if not user_id.isdigit():
            return None
        user = db.session.get(User, int(user_id))
        # A changed password (new digest) or a deactivated account ends the session.
        if user is None or not user.active or user.session_digest() != digest:
            return None
        return user

    @login_manager.unauthorized_handler
    def unauthorized():
        if request.path.startswith("/api/"):
            return api_error("Sign in to use the API.", 401)
        return redirect(url_for("auth.login", next=request.full_path if request.query_string else request.path))
