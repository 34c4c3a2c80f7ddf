"""Admin pages: users, teams, memberships, the audit log."""
from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from scheduler.extensions import db
from scheduler.models import AuditEvent, Team, User
from scheduler.services import people
from scheduler.services.errors import ServiceError
from scheduler.web.access import authorize, load, load_member
from scheduler.web.forms import ActionForm, MemberAddForm, MemberRoleForm, TeamCreateForm, UserCreateForm

bp = Blueprint("admin", __name__, url_prefix="/admin")
AUDIT_PAGE_SIZE = 50


def _form_error(form, exc: ServiceError, default_field: str) -> None:
    db.session.rollback()
    field = getattr(form, exc.field, None) if exc.field else None
    if field is None:
        field = getattr(form, default_field)
    field.errors = list(field.errors) + [exc.message]


@bp.route("/users", methods=["GET", "POST"])
@login_required
def users():
    authorize("user.manage")
    form = UserCreateForm()
    status = 200
    if request.method == "POST":
        if form.validate_on_submit():
            try:
                user = people.create_user(current_user, email=form.email.data, display_name=form.display_name.data,
                                          password=form.password.data, is_admin=form.is_admin.data,
                                          time_zone=form.time_zone.data)
            except ServiceError as exc:
                _form_error(form, exc, "email")
                status = exc.status
            else:
                db.session.commit()
                flash(f"Created {user.display_name} ({user.email}).", "info")
                return redirect(url_for("admin.users"))
        else:
            status = 400
    all_users = db.session.scalars(sa.select(User).order_by(User.display_name)).all()
    return render_template("admin/users.html", users=all_users, form=form, action_form=ActionForm()), status


@bp.post("/users/<int:user_id>/active")
@login_required
def set_active(user_id: int):
    user = load(User, user_id, "user.manage")
    ActionForm()
    active = request.form.get("active") == "1"
    try:
        people.set_user_active(current_user, user, active)
    except ServiceError as exc:
        db.session.rollback()
        flash(exc.message, "error")
        return redirect(url_for("admin.users")), 303
    db.session.commit()
    flash(f"{user.display_name} is now {'active' if active else 'deactivated'}.", "info")
    return redirect(url_for("admin.users")), 303


@bp.route("/teams", methods=["GET", "POST"])
@login_required
def teams():
    authorize("team.create")
    form = TeamCreateForm()
    status = 200
    if request.method == "POST":
        if form.validate_on_submit():
            try:
                team = people.create_team(current_user, name=form.name.data, time_zone=form.time_zone.data)
            except ServiceError as exc:
                _form_error(form, exc, "name")
                status = exc.status
            else:
                db.session.commit()
                flash(f"Created team {team.name}.", "info")
                return redirect(url_for("admin.team", team_id=team.id))
        else:
            status = 400
    all_teams = db.session.scalars(sa.select(Team).order_by(Team.name)).all()
    return render_template("admin/teams.html", teams=all_teams, form=form), status


def _member_add_form(team: Team) -> MemberAddForm:
    form = MemberAddForm()
    in_team = {m.user_id for m in team.memberships}
    candidates = db.session.scalars(sa.select(User).where(User.active.is_(True)).order_by(User.display_name))
    form.user_id.choices = [(u.id, f"{u.display_name} ({u.email})") for u in candidates if u.id not in in_team]
    return form


def _render_team(team: Team, add_form=None, status: int = 200):
    return render_template("admin/team.html", team=team, add_form=add_form or _member_add_form(team),
                           role_form=MemberRoleForm(), action_form=ActionForm()), status


@bp.get("/teams/<int:team_id>")
@login_required
def team(team_id: int):
    return _render_team(load(Team, team_id, "team.manage_members"))


@bp.post("/teams/<int:team_id>/members")
@login_required
def add_member(team_id: int):
    team = load(Team, team_id, "team.manage_members")
    form = _member_add_form(team)
    if not form.validate_on_submit():
        return _render_team(team, form, 400)
    user = db.session.get(User, form.user_id.data)
    try:
        people.add_member(current_user, team, user, form.role.data)
    except ServiceError as exc:
        _form_error(form, exc, "user_id")
        return _render_team(team, form, exc.status)
    db.session.commit()
    flash(f"Added {user.display_name} to {team.name}.", "info")
    return redirect(url_for("admin.team", team_id=team.id))


@bp.post("/teams/<int:team_id>/members/<int:user_id>/role")
@login_required
def set_role(team_id: int, user_id: int):
    team = load(Team, team_id, "team.manage_members")
    user = load_member(team, user_id)
    form = MemberRoleForm()
    if not form.validate_on_submit():
        flash("Choose member or manager.", "error")
        return redirect(url_for("admin.team", team_id=team.id)), 303
    people.set_member_role(current_user, team, user, form.role.data)
    db.session.commit()
    flash(f"{user.display_name} is now a {form.role.data} of {team.name}.", "info")
    return redirect(url_for("admin.team", team_id=team.id)), 303


@bp.post("/teams/<int:team_id>/members/<int:user_id>/remove")
@login_required
def remove_member(team_id: int, user_id: int):
    team = load(Team, team_id, "team.manage_members")
    user = load_member(team, user_id)
    ActionForm()
    people.remove_member(current_user, team, user)
    db.session.commit()
    flash(f"Removed {user.display_name} from {team.name}.", "info")
    return redirect(url_for("admin.team", team_id=team.id)), 303


@bp.get("/audit")
@login_required
def audit():
    authorize("audit.view")
    query = sa.select(AuditEvent).order_by(AuditEvent.id.desc())
    action = request.args.get("action", "").strip()[:80]
    if action:
        query = query.where(AuditEvent.action.startswith(action))
    page = request.args.get("page", "1")
    page = int(page) if page.isdigit() and 0 < int(page) < 100000 else 1
    events = db.session.scalars(query.limit(AUDIT_PAGE_SIZE + 1).offset((page - 1) * AUDIT_PAGE_SIZE)).all()
    return render_template("admin/audit.html", events=events[:AUDIT_PAGE_SIZE], page=page,
                           has_next=len(events) > AUDIT_PAGE_SIZE, action=action)
