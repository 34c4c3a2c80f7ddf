"""Checking credentials, with throttling of failed attempts per account and per address."""
from __future__ import annotations

import math
from datetime import timedelta

import sqlalchemy as sa

from scheduler.config import Settings
from scheduler.extensions import db
from scheduler.models import FailedLogin, User, now_utc
from scheduler.services.audit import record_event
from scheduler.services.passwords import verify_password


class SignInRefused(Exception):
    def __init__(self, message: str, retry_after_seconds: int | None = None):
        super().__init__(message)
        self.message = message
        self.retry_after_seconds = retry_after_seconds


GENERIC_FAILURE = "That email and password do not match an active account."


def _throttle(settings: Settings, email: str, remote_addr: str) -> None:
    window_start = now_utc() - timedelta(seconds=settings.login_failure_window_seconds)
    recent = sa.select(sa.func.count(), sa.func.min(FailedLogin.attempted_at)).where(
        FailedLogin.attempted_at >= window_start
    )
    checks = (
        (FailedLogin.email == email, settings.login_max_failures_per_account, "this account"),
        (FailedLogin.remote_addr == remote_addr, settings.login_max_failures_per_address, "your network address"),
    )
    for condition, limit, who in checks:
        count, oldest = db.session.execute(recent.where(condition)).one()
        if count >= limit:
            # The lock lifts when the oldest failure in the window ages out.
            wait = (oldest + timedelta(seconds=settings.login_failure_window_seconds) - now_utc()).total_seconds()
            minutes = max(1, math.ceil(wait / 60))
            raise SignInRefused(
                f"Too many failed sign-in attempts from {who}. Try again in {minutes} minute"
                f"{'s' if minutes != 1 else ''}, or ask an admin to check your account.",
                retry_after_seconds=max(1, math.ceil(wait)),
            )


def authenticate(settings: Settings, email, password, remote_addr: str) -> User:
    """Return the active user for these credentials or raise SignInRefused.

    Failures are recorded (and committed by the caller) even though the
    sign-in is refused, so throttling survives the refusal.
    """
    email = (email or "").strip().lower()[:254] if isinstance(email, str) else ""
    password = password if isinstance(password, str) else ""
    remote_addr = (remote_addr or "unknown")[:64]
    _throttle(settings, email, remote_addr)
    user = db.session.scalar(sa.select(User).where(User.email == email)) if email else None
    password_ok = verify_password(user.password_hash if user else None, password)
    if user is None or not password_ok or not user.active:
        db.session.add(FailedLogin(email=email, remote_addr=remote_addr))
        db.session.flush()
        raise SignInRefused(GENERIC_FAILURE)
    db.session.execute(sa.delete(FailedLogin).where(FailedLogin.email == email))
    record_event(user, "user.signed_in", "user", user.id, remote_addr=remote_addr)
    return user


def purge_old_failures(settings: Settings) -> int:
    """Housekeeping: forget failures older than the throttling window."""
    cutoff = now_utc() - timedelta(seconds=settings.login_failure_window_seconds)
    result = db.session.execute(sa.delete(FailedLogin).where(FailedLogin.attempted_at < cutoff))
    return result.rowcount or 0
