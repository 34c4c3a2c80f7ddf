"""Loading objects for views: 404 when missing or invisible, 403 when not allowed."""
from __future__ import annotations

from flask import abort
from flask_login import current_user

from scheduler import authz
from scheduler.extensions import db


def authorize(action: str, obj=None) -> None:
    try:
        authz.require(current_user, action, obj)
    except authz.Hidden:
        abort(404)
    except authz.Denied:
        abort(403)


def load(model, object_id, action: str):
    """Fetch `model` by id and check `action` on it, the way every view does."""
    obj = db.session.get(model, object_id) if isinstance(object_id, int) else None
    if obj is None:
        abort(404)
    authorize(action, obj)
    return obj


def load_member(team, user_id: int):
    """The user `user_id` if they belong to `team`; 404 otherwise."""
    from scheduler.models import User

    user = db.session.get(User, user_id)
    if user is None or user.role_in(team.id) is None:
        abort(404)
    return user
