"""The signed-in person's own pages: dashboard and team pages."""
from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, render_template
from flask_login import current_user, login_required

from scheduler.extensions import db
from scheduler.models import Team
from scheduler.web.access import load

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
    team = load(Team, team_id, "team.view")
    return render_template("main/team.html", team=team, my_role=current_user.role_in(team.id))
