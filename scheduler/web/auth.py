"""Sign in, sign out, change password."""
from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, current_app, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required, login_user, logout_user

from scheduler.extensions import db
from scheduler.services import people
from scheduler.services.errors import ServiceError
from scheduler.services.signin import SignInRefused, authenticate
from scheduler.web.forms import ActionForm, ChangePasswordForm, LoginForm
from scheduler.web.access import authorize

bp = Blueprint("auth", __name__)


def _safe_next(target: str | None) -> str:
    """Only same-site relative paths: never an open redirect."""
    if target and target.startswith("/") and not target.startswith("//") and not urlsplit(target).netloc \
            and "\\" not in target:
        return target
    return url_for("main.dashboard")


@bp.route("/login", methods=["GET", "POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for("main.dashboard"))
    form = LoginForm()
    status = 200
    if form.validate_on_submit():
        settings = current_app.extensions["gatepost.settings"]
        try:
            user = authenticate(settings, form.email.data, form.password.data, request.remote_addr)
        except SignInRefused as refused:
            db.session.commit()  # keep the failure record: it drives throttling
            flash(refused.message, "error")
            status = 429 if refused.retry_after_seconds else 401
        else:
            db.session.commit()
            session.clear()  # a fresh session on sign-in: no fixation
            login_user(user)
            return redirect(_safe_next(request.args.get("next")))
    elif request.method == "POST":
        status = 400
    return render_template("auth/login.html", form=form), status


@bp.post("/logout")
@login_required
def logout():
    ActionForm()  # CSRFProtect has already checked the token
    logout_user()
    session.clear()
    flash("You have signed out.", "info")
    return redirect(url_for("auth.login"))


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def change_password():
    authorize("user.change_own_password", current_user._get_current_object())
    form = ChangePasswordForm()
    if form.validate_on_submit():
        try:
            people.change_password(current_user, form.current_password.data, form.new_password.data)
        except ServiceError as exc:
            db.session.rollback()
            getattr(form, exc.field or "new_password").errors.append(exc.message)
        else:
            db.session.commit()
            # Re-issue this session under the new digest; other sessions end.
            login_user(current_user._get_current_object())
            flash("Your password has been changed. Other sessions have been signed out.", "info")
            return redirect(url_for("main.dashboard"))
    status = 400 if request.method == "POST" else 200
    return render_template("auth/change_password.html", form=form), status
