"""Admin pages: users, teams, memberships, the audit log."""
from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from scheduler.extensions import db
from scheduler.models import AuditEvent, Team, User
from scheduler.services import people
from scheduler.services.errors import ServiceError
from scheduler.web.access import authorize, load, load_member
from scheduler.web.forms import (ActionForm, EscalationForm, MemberAddForm, MemberRoleForm, TeamCreateForm,
                                  UserCreateForm)

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


def _escalation_form(team: Team, formdata=True) -> EscalationForm:
    form = EscalationForm(formdata=request.form if formdata and request.method == "POST" else None, obj=None)
    if not (formdata and request.method == "POST"):
        form.approval_wait_limit_minutes.data = team.approval_wait_limit_minutes
        form.escalate_minutes_before_slot.data = team.escalate_minutes_before_slot
        form.deputy_user_id.data = team.deputy_user_id or 0
    in_team = {m.user_id for m in team.memberships}
    others = db.session.scalars(sa.select(User).where(User.active.is_(True)).order_by(User.display_name))
    form.deputy_user_id.choices = [(0, "No deputy: the admins")] + [
        (u.id, f"{u.display_name} ({u.email})") for u in others if u.id not in in_team]
    return form


def _render_team(team: Team, add_form=None, status: int = 200, escalation_form=None):
    return render_template("admin/team.html", team=team, add_form=add_form or _member_add_form(team),
                           role_form=MemberRoleForm(), action_form=ActionForm(),
                           escalation_form=escalation_form or _escalation_form(team, formdata=False)), status


@bp.post("/teams/<int:team_id>/escalation")
@login_required
def set_escalation(team_id: int):
    team = load(Team, team_id, "team.manage_members")
    form = _escalation_form(team)
    if not form.validate_on_submit():
        return _render_team(team, status=400, escalation_form=form)
    try:
        people.set_escalation(current_user, team, wait_limit_minutes=form.approval_wait_limit_minutes.data,
                              minutes_before_slot=form.escalate_minutes_before_slot.data,
                              deputy_user_id=form.deputy_user_id.data or None)
    except ServiceError as exc:
        _form_error(form, exc, "deputy_user_id")
        return _render_team(team, status=exc.status, escalation_form=form)
    db.session.commit()
    flash(f"Escalation for {team.name} saved.", "info")
    return redirect(url_for("admin.team", team_id=team.id), 303)


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


def _audit_query():
    """The audit events matching the page's filters (dates are days in the admin's time zone)."""
    from datetime import date, datetime, time, timedelta
    from zoneinfo import ZoneInfo

    filters = {k: request.args.get(k, "").strip()[:80] for k in ("action", "actor", "subject_type", "subject_id",
                                                                 "from", "to")}
    query = sa.select(AuditEvent).order_by(AuditEvent.sequence.desc())
    if filters["action"]:
        query = query.where(AuditEvent.action.startswith(filters["action"]))
    if filters["actor"]:
        query = query.where(AuditEvent.actor_label.contains(filters["actor"].lower()))
    if filters["subject_type"]:
        query = query.where(AuditEvent.subject_type == filters["subject_type"])
    if filters["subject_id"]:
        query = query.where(AuditEvent.subject_id == filters["subject_id"])
    zone = ZoneInfo(current_user.time_zone)
    for name, compare, shift in (("from", "__ge__", 0), ("to", "__lt__", 1)):
        if filters[name]:
            try:
                day = date.fromisoformat(filters[name])
            except ValueError:
                abort(400, f"'{filters[name]}' is not a date like 2026-11-25.")
            boundary = datetime.combine(day + timedelta(days=shift), time(), tzinfo=zone)
            query = query.where(getattr(AuditEvent.occurred_at, compare)(boundary))
    return query, filters


@bp.get("/audit")
@login_required
def audit():
    authorize("audit.view")
    query, filters = _audit_query()
    page = request.args.get("page", "1")
    page = int(page) if page.isdigit() and 0 < int(page) < 100000 else 1
    events = db.session.scalars(query.limit(AUDIT_PAGE_SIZE + 1).offset((page - 1) * AUDIT_PAGE_SIZE)).all()
    return render_template("admin/audit.html", events=events[:AUDIT_PAGE_SIZE], page=page,
                           has_next=len(events) > AUDIT_PAGE_SIZE, filters=filters)


@bp.get("/audit.csv")
@login_required
def audit_csv():
    """The filtered trail as CSV (records retention, information requests), streamed."""
    import csv
    import io
    import json

    from flask import Response, stream_with_context

    authorize("audit.view")
    query, filters = _audit_query()
    query = query.order_by(None).order_by(AuditEvent.sequence)
    columns = ["sequence", "occurred_at_utc", "actor", "action", "subject_type", "subject_id", "details",
               "prev_hash", "hash"]

    def rows():
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(columns)
        for event in db.session.scalars(query.execution_options(yield_per=500)):
            writer.writerow([event.sequence, event.occurred_at.isoformat(), event.actor_label, event.action,
                             event.subject_type, event.subject_id or "", json.dumps(event.details, sort_keys=True),
                             event.prev_hash, event.hash])
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()

    name = f"gatepost-audit-{filters['from'] or 'start'}-to-{filters['to'] or 'now'}.csv"
    return Response(stream_with_context(rows()), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})
