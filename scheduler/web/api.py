"""The JSON API: the same authorisation and validation as the pages.

Every answer uses one envelope: {"ok": true, "data": ...} or
{"ok": false, "error": {"message": ..., "status": ..., "field": ...}}.
State-changing calls need the CSRF token in an X-CSRFToken header
(GET /api/session hands it out).
"""
from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, abort, request
from flask_login import current_user, login_required
from flask_wtf.csrf import generate_csrf

from scheduler.extensions import db
from scheduler.models import AuditEvent, Team, User
from scheduler.services import people
from scheduler.services.errors import InvalidInput, ServiceError
from scheduler.web.access import authorize, load, load_member
from scheduler.web.main import visible_teams
from scheduler.web.responses import api_error, api_ok

bp = Blueprint("api", __name__, url_prefix="/api")
MAX_PAGE_SIZE = 200


@bp.errorhandler(ServiceError)
def _service_error(exc: ServiceError):
    db.session.rollback()
    return api_error(exc.message, exc.status, exc.field)


def json_body(allowed: set[str], required: set[str] = frozenset()) -> dict:
    """The request's JSON object, refusing unknown or missing fields."""
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise InvalidInput("Send a JSON object with Content-Type: application/json.")
    unknown = sorted(set(body) - allowed)
    if unknown:
        raise InvalidInput(f"Unknown field: {unknown[0]}.", unknown[0])
    missing = sorted(required - set(body))
    if missing:
        raise InvalidInput(f"Missing field: {missing[0]}.", missing[0])
    return body


def _int_arg(name: str, default: int, low: int, high: int) -> int:
    raw = request.args.get(name)
    if raw is None:
        return default
    if not raw.isdigit() or not low <= int(raw) <= high:
        raise InvalidInput(f"{name} must be a whole number from {low} to {high}.", name)
    return int(raw)


def user_json(user: User, full: bool = False) -> dict:
    data = {"id": user.id, "display_name": user.display_name}
    if full:
        data.update(email=user.email, active=user.active, is_admin=user.is_admin, time_zone=user.time_zone)
    return data


def team_json(team: Team, with_members: bool = False) -> dict:
    data = {"id": team.id, "name": team.name, "time_zone": team.time_zone}
    if with_members:
        data["members"] = [
            {**user_json(m.user), "role": m.role.value} for m in team.memberships
        ]
    return data


@bp.get("/session")
@login_required
def session_info():
    memberships = [{"team_id": m.team_id, "role": m.role.value} for m in current_user.memberships]
    return api_ok({"user": user_json(current_user, full=True), "memberships": memberships,
                   "csrf_token": generate_csrf()})


@bp.get("/teams")
@login_required
def list_teams():
    return api_ok([team_json(t) for t in visible_teams(current_user)])


@bp.post("/teams")
@login_required
def create_team():
    authorize("team.create")
    body = json_body({"name", "time_zone"}, {"name"})
    team = people.create_team(current_user, name=body["name"], time_zone=body.get("time_zone", "Europe/London"))
    db.session.commit()
    return api_ok(team_json(team, with_members=True), 201)


@bp.get("/teams/<int:team_id>")
@login_required
def get_team(team_id: int):
    team = load(Team, team_id, "team.view_members")
    return api_ok(team_json(team, with_members=True))


def _user_for_membership(user_id) -> User:
    if not isinstance(user_id, int) or isinstance(user_id, bool):
        raise InvalidInput("user_id must be a whole number.", "user_id")
    user = db.session.get(User, user_id)
    if user is None:
        raise InvalidInput("There is no user with that id.", "user_id")
    return user


@bp.post("/teams/<int:team_id>/members")
@login_required
def add_member(team_id: int):
    team = load(Team, team_id, "team.manage_members")
    body = json_body({"user_id", "role"}, {"user_id"})
    user = _user_for_membership(body["user_id"])
    people.add_member(current_user, team, user, body.get("role", "member"))
    db.session.commit()
    return api_ok(team_json(team, with_members=True), 201)


@bp.patch("/teams/<int:team_id>/members/<int:user_id>")
@login_required
def set_member_role(team_id: int, user_id: int):
    team = load(Team, team_id, "team.manage_members")
    user = load_member(team, user_id)
    body = json_body({"role"}, {"role"})
    people.set_member_role(current_user, team, user, body["role"])
    db.session.commit()
    return api_ok(team_json(team, with_members=True))


@bp.delete("/teams/<int:team_id>/members/<int:user_id>")
@login_required
def remove_member(team_id: int, user_id: int):
    team = load(Team, team_id, "team.manage_members")
    user = load_member(team, user_id)
    people.remove_member(current_user, team, user)
    db.session.commit()
    return api_ok(team_json(team, with_members=True))


@bp.get("/users")
@login_required
def list_users():
    authorize("user.manage")
    users = db.session.scalars(sa.select(User).order_by(User.id)).all()
    return api_ok([user_json(u, full=True) for u in users])


@bp.post("/users")
@login_required
def create_user():
    authorize("user.manage")
    body = json_body({"email", "display_name", "password", "is_admin", "time_zone"},
                     {"email", "display_name", "password"})
    is_admin = body.get("is_admin", False)
    if not isinstance(is_admin, bool):
        raise InvalidInput("is_admin must be true or false.", "is_admin")
    user = people.create_user(current_user, email=body["email"], display_name=body["display_name"],
                              password=body["password"], is_admin=is_admin,
                              time_zone=body.get("time_zone", "Europe/London"))
    db.session.commit()
    return api_ok(user_json(user, full=True), 201)


@bp.get("/users/<int:user_id>")
@login_required
def get_user(user_id: int):
    user = load(User, user_id, "user.view")
    return api_ok(user_json(user, full=True))


@bp.patch("/users/<int:user_id>")
@login_required
def update_user(user_id: int):
    user = load(User, user_id, "user.manage")
    body = json_body({"active", "is_admin"})
    for name in body:
        if not isinstance(body[name], bool):
            raise InvalidInput(f"{name} must be true or false.", name)
    if "active" in body:
        people.set_user_active(current_user, user, body["active"])
    if "is_admin" in body:
        people.set_user_admin(current_user, user, body["is_admin"])
    db.session.commit()
    return api_ok(user_json(user, full=True))


@bp.get("/audit")
@login_required
def list_audit():
    authorize("audit.view")
    per_page = _int_arg("per_page", 50, 1, MAX_PAGE_SIZE)
    page = _int_arg("page", 1, 1, 100000)
    query = sa.select(AuditEvent).order_by(AuditEvent.id.desc())
    if action := request.args.get("action"):
        query = query.where(AuditEvent.action.startswith(action[:80]))
    events = db.session.scalars(query.limit(per_page).offset((page - 1) * per_page)).all()
    return api_ok([
        {"id": e.id, "occurred_at": e.occurred_at.isoformat(), "actor": e.actor_label, "action": e.action,
         "subject_type": e.subject_type, "subject_id": e.subject_id, "details": e.details}
        for e in events
    ])


# --- shared accounts -------------------------------------------------------------

def account_json(account) -> dict:
    from scheduler.services.accounts import health

    code, sentence = health(account)
    # Never a token: the vault's table is not even loaded here.
    return {
        "id": account.id, "platform": account.platform, "external_id": account.external_id, "kind": account.kind,
        "name": account.name, "handle": account.handle, "url": account.url,
        "purpose_kind": account.purpose_kind.value, "purpose": account.purpose,
        "owning_team_id": account.owning_team_id, "is_alumni_channel": account.is_alumni_channel,
        "status": account.status.value, "health": code, "health_message": sentence,
        "token_expires_at": account.token_expires_at.isoformat() if account.token_expires_at else None,
        "last_published_at": account.last_published_at.isoformat() if account.last_published_at else None,
        "granted_team_ids": sorted(account.granted_team_ids),
    }


def _team_from_body(value, field: str = "team_id") -> Team:
    if not isinstance(value, int) or isinstance(value, bool):
        raise InvalidInput(f"{field} must be a whole number.", field)
    team = db.session.get(Team, value)
    if team is None:
        raise InvalidInput("There is no team with that id.", field)
    return team


@bp.get("/accounts")
@login_required
def list_accounts():
    from scheduler.models import AccountGrant, SocialAccount

    query = sa.select(SocialAccount).order_by(SocialAccount.platform, SocialAccount.name)
    if not current_user.is_admin:
        teams = current_user.team_ids or {-1}
        granted = sa.select(AccountGrant.account_id).where(AccountGrant.team_id.in_(teams))
        query = query.where(sa.or_(SocialAccount.owning_team_id.in_(teams), SocialAccount.id.in_(granted)))
    return api_ok([account_json(a) for a in db.session.scalars(query)])


@bp.get("/accounts/<int:account_id>")
@login_required
def get_account(account_id: int):
    from scheduler.models import SocialAccount

    return api_ok(account_json(load(SocialAccount, account_id, "account.view")))


@bp.post("/accounts/connect")
@login_required
def connect_account():
    from scheduler.services import accounts as account_service
    from scheduler.web.accounts import callback_url

    authorize("account.connect")
    body = json_body({"platform", "purpose_kind", "purpose", "owning_team_id", "is_alumni_channel"},
                     {"platform", "purpose_kind", "purpose", "owning_team_id"})
    if not isinstance(body["platform"], str):
        raise InvalidInput("platform must be text.", "platform")
    intent = account_service.clean_intent(body["purpose_kind"], body["purpose"],
                                          _team_from_body(body["owning_team_id"], "owning_team_id"),
                                          body.get("is_alumni_channel", False))
    url = account_service.start_connect(current_user, body["platform"], intent, callback_url(body["platform"]))
    db.session.commit()
    return api_ok({"authorization_url": url}, 201)


@bp.post("/accounts/<int:account_id>/grants")
@login_required
def grant_account(account_id: int):
    from scheduler.models import SocialAccount
    from scheduler.services import accounts as account_service

    account = load(SocialAccount, account_id, "account.manage")
    body = json_body({"team_id"}, {"team_id"})
    account_service.grant(current_user, account, _team_from_body(body["team_id"]))
    db.session.commit()
    return api_ok(account_json(account), 201)


@bp.delete("/accounts/<int:account_id>/grants/<int:team_id>")
@login_required
def revoke_account_grant(account_id: int, team_id: int):
    from scheduler.models import SocialAccount
    from scheduler.services import accounts as account_service

    account = load(SocialAccount, account_id, "account.manage")
    team = db.session.get(Team, team_id)
    if team is None:
        abort(404)
    account_service.revoke_grant(current_user, account, team)
    db.session.commit()
    return api_ok(account_json(account))


@bp.post("/accounts/<int:account_id>/disconnect")
@login_required
def disconnect_account(account_id: int):
    from scheduler.models import SocialAccount
    from scheduler.services import accounts as account_service

    account = load(SocialAccount, account_id, "account.manage")
    account_service.disconnect(current_user, account)
    db.session.commit()
    return api_ok(account_json(account))
