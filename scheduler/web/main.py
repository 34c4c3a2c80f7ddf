"""The signed-in person's own pages: dashboard and team pages."""
from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, redirect, render_template, url_for
from flask_login import current_user, login_required

from scheduler.extensions import db
from scheduler.models import Notification, Team, now_utc
from scheduler.web.access import load
from scheduler.web.forms import ActionForm

bp = Blueprint("main", __name__)


def visible_teams(user) -> list[Team]:
    query = sa.select(Team).order_by(Team.name)
    if not user.is_admin:
        query = query.where(Team.id.in_(user.team_ids or {-1}))
    return list(db.session.scalars(query))


@bp.get("/")
@login_required
def dashboard():
    return render_template("main/dashboard.html", teams=visible_teams(current_user))


@bp.get("/teams/<int:team_id>")
@login_required
def team(team_id: int):
    from scheduler.models import AccountGrant, SocialAccount
    from scheduler.services.accounts import health

    team = load(Team, team_id, "team.view")
    accounts = db.session.scalars(sa.select(SocialAccount).join(AccountGrant).where(AccountGrant.team_id == team.id)
                                  .order_by(SocialAccount.platform, SocialAccount.name)).all()
    return render_template("main/team.html", team=team, my_role=current_user.role_in(team.id), accounts=accounts,
                           health=health)


@bp.get("/notifications")
@login_required
def notifications():
    notes = db.session.scalars(sa.select(Notification).where(Notification.user_id == current_user.id)
                               .order_by(Notification.id.desc()).limit(200)).all()
    return render_template("main/notifications.html", notes=notes, action_form=ActionForm())


@bp.post("/notifications/read")
@login_required
def mark_notifications_read():
    ActionForm()
    db.session.execute(sa.update(Notification).where(Notification.user_id == current_user.id,
                                                      Notification.read_at.is_(None)).values(read_at=now_utc()))
    db.session.commit()
    return redirect(url_for("main.notifications")), 303


@bp.app_context_processor
def _unread_notifications():
    def unread_count() -> int:
        if not current_user.is_authenticated:
            return 0
        return db.session.scalar(sa.select(sa.func.count()).select_from(Notification).where(
            Notification.user_id == current_user.id, Notification.read_at.is_(None))) or 0

    return {"unread_notifications": unread_count}
