"""Users, teams and memberships: the admin's use cases."""
from __future__ import annotations

import sqlalchemy as sa

from scheduler.extensions import db
from scheduler.models import Membership, Team, TeamRole, User, now_utc
from scheduler.services.audit import record_event
from scheduler.services.errors import Conflict, InvalidInput, NotFound
from scheduler.services.passwords import hash_password, password_problem, verify_password
from scheduler.services.validation import clean_email, clean_text, clean_time_zone

DISPLAY_NAME_MAX = 120
TEAM_NAME_MAX = 120


def _check_new_password(password, field: str = "password") -> str:
    if not isinstance(password, str):
        raise InvalidInput("Password must be text.", field)
    problem = password_problem(password)
    if problem:
        raise InvalidInput(problem, field)
    return password


def find_user_by_email(email: str) -> User | None:
    return db.session.scalar(sa.select(User).where(User.email == email.strip().lower()))


def create_user(actor: User | None, *, email, display_name, password, is_admin: bool = False,
                time_zone="Europe/London") -> User:
    """Create an account; the email is unique (case-insensitive)."""
    email = clean_email(email)
    display_name = clean_text(display_name, "display_name", "Display name", DISPLAY_NAME_MAX)
    time_zone = clean_time_zone(time_zone)
    password = _check_new_password(password)
    if find_user_by_email(email) is not None:
        raise Conflict("A user with that email address already exists.", "email")
    user = User(email=email, display_name=display_name, password_hash=hash_password(password),
                is_admin=bool(is_admin), time_zone=time_zone, active=True)
    db.session.add(user)
    db.session.flush()
    record_event(actor, "user.created", "user", user.id, email=email, is_admin=user.is_admin)
    return user


def set_user_active(actor: User | None, user: User, active: bool) -> User:
    """Deactivating ends the user's sessions (the session loader refuses inactive users)."""
    if actor is not None and actor.id == user.id and not active:
        raise InvalidInput("You cannot deactivate your own account.", "active")
    if user.active == active:
        return user
    user.active = active
    db.session.flush()
    record_event(actor, "user.activated" if active else "user.deactivated", "user", user.id)
    return user


def set_user_admin(actor: User | None, user: User, is_admin: bool) -> User:
    if actor is not None and actor.id == user.id and not is_admin:
        raise InvalidInput("You cannot remove your own admin rights; ask another admin.", "is_admin")
    if user.is_admin == is_admin:
        return user
    user.is_admin = is_admin
    db.session.flush()
    record_event(actor, "user.admin_granted" if is_admin else "user.admin_revoked", "user", user.id)
    return user


def change_password(user: User, current_password, new_password) -> User:
    """Check the current password, store the new one; other sessions end."""
    if not isinstance(current_password, str) or not verify_password(user.password_hash, current_password):
        raise InvalidInput("Your current password is not correct.", "current_password")
    new_password = _check_new_password(new_password, "new_password")
    if verify_password(user.password_hash, new_password):
        raise InvalidInput("Choose a password different from the current one.", "new_password")
    user.password_hash = hash_password(new_password)
    user.password_changed_at = now_utc()
    db.session.flush()
    record_event(user, "user.password_changed", "user", user.id)
    return user


def create_team(actor: User | None, *, name, time_zone="Europe/London") -> Team:
    name = clean_text(name, "name", "Team name", TEAM_NAME_MAX)
    time_zone = clean_time_zone(time_zone)
    exists = db.session.scalar(sa.select(Team.id).where(sa.func.lower(Team.name) == name.lower()))
    if exists is not None:
        raise Conflict("A team with that name already exists.", "name")
    team = Team(name=name, time_zone=time_zone)
    db.session.add(team)
    db.session.flush()
    record_event(actor, "team.created", "team", team.id, name=name)
    return team


def _parse_role(role) -> TeamRole:
    try:
        return TeamRole(role)
    except ValueError:
        raise InvalidInput("Role must be 'member' or 'manager'.", "role") from None


def add_member(actor: User | None, team: Team, user: User, role="member") -> Membership:
    role = _parse_role(role)
    if not user.active:
        raise InvalidInput("That user is deactivated; reactivate them first.", "user_id")
    if user.role_in(team.id) is not None:
        raise Conflict(f"{user.display_name} is already in {team.name}.", "user_id")
    membership = Membership(team=team, user=user, role=role)
    db.session.add(membership)
    db.session.flush()
    record_event(actor, "team.member_added", "team", team.id, user_id=user.id, role=role.value)
    return membership


def _membership(team: Team, user: User) -> Membership:
    membership = db.session.scalar(
        sa.select(Membership).where(Membership.team_id == team.id, Membership.user_id == user.id)
    )
    if membership is None:
        raise NotFound(f"{user.display_name} is not in {team.name}.", "user_id")
    return membership


def remove_member(actor: User | None, team: Team, user: User) -> None:
    membership = _membership(team, user)
    db.session.delete(membership)
    db.session.flush()
    db.session.expire(user, ["memberships"])
    record_event(actor, "team.member_removed", "team", team.id, user_id=user.id)


def set_member_role(actor: User | None, team: Team, user: User, role) -> Membership:
    role = _parse_role(role)
    membership = _membership(team, user)
    if membership.role == role:
        return membership
    membership.role = role
    db.session.flush()
    record_event(actor, "team.role_changed", "team", team.id, user_id=user.id, role=role.value)
    return membership


def set_escalation(actor: User | None, team: Team, *, wait_limit_minutes, minutes_before_slot, deputy_user_id):
    """How long a flagged post may wait, how near its slot it escalates, and who stands in."""
    for value, field in ((wait_limit_minutes, "approval_wait_limit_minutes"),
                         (minutes_before_slot, "escalate_minutes_before_slot")):
        if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= 30 * 24 * 60:
            raise InvalidInput("Give a number of minutes from 1 to 43200 (30 days).", field)
    deputy = None
    if deputy_user_id is not None:
        deputy = db.session.get(User, deputy_user_id) if isinstance(deputy_user_id, int) else None
        if deputy is None or not deputy.active:
            raise InvalidInput("The deputy must be an active user.", "deputy_user_id")
        if deputy.role_in(team.id) is not None:
            raise InvalidInput("A deputy stands in from outside the team: choose someone not in it.",
                               "deputy_user_id")
    team.approval_wait_limit_minutes = wait_limit_minutes
    team.escalate_minutes_before_slot = minutes_before_slot
    team.deputy_user_id = deputy.id if deputy else None
    db.session.flush()
    record_event(actor, "team.escalation_changed", "team", team.id, approval_wait_limit_minutes=wait_limit_minutes,
                 escalate_minutes_before_slot=minutes_before_slot, deputy_user_id=team.deputy_user_id)
    return team
