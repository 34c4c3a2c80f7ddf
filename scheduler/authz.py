"""The one place that answers "may this user do this action on this object".

Views, API routes and CLI commands all call `require()`. An object the user
may not even see is reported as missing (404) so ids do not leak existence;
an object they can see but not act on is forbidden (403).
"""
from __future__ import annotations

from typing import Callable

from scheduler.models import Team, TeamRole, User


class Hidden(Exception):
    """The object does not exist as far as this user may know (404)."""


class Denied(Exception):
    """The user can see the object but may not do this (403)."""


class SystemActor:
    """The operator at the command line: trusted, audited as "system"."""

    is_authenticated = True
    is_admin = True
    active = True
    id = None
    email = "system"

    def role_in(self, team_id: int):
        return TeamRole.manager

    @property
    def team_ids(self) -> set[int]:
        return set()


SYSTEM = SystemActor()


def _is_signed_in(user) -> bool:
    return user is not None and getattr(user, "is_authenticated", False) and getattr(user, "active", False)


def _is_admin(user) -> bool:
    return _is_signed_in(user) and bool(user.is_admin)


def _team_id_of(obj) -> int | None:
    if isinstance(obj, Team):
        return obj.id
    return getattr(obj, "team_id", None)


def can_see(user, obj) -> bool:
    """Whether the object's existence may be revealed to this user."""
    if not _is_signed_in(user):
        return False
    if _is_admin(user):
        return True
    if isinstance(obj, User):
        return obj.id == user.id
    shared_with = getattr(obj, "visible_to_team_ids", None)
    if shared_with is not None:  # shared accounts: the owner and every team granted them
        return bool(shared_with & user.team_ids)
    team = getattr(obj, "team", None)
    if isinstance(team, Team) and team.deputy_user_id == user.id:  # a team's deputy decides its posts
        return True
    team_id = _team_id_of(obj)
    return team_id is not None and team_id in user.team_ids


def _member_of_team(user, obj) -> bool:
    team_id = _team_id_of(obj)
    return team_id is not None and user.role_in(team_id) is not None


def _manager_of_team(user, obj) -> bool:
    team_id = _team_id_of(obj)
    return team_id is not None and user.role_in(team_id) == TeamRole.manager


def _deputy_of_team(user, obj) -> bool:
    """The person a team named to decide its posts when its managers cannot (they need not be a member)."""
    team = getattr(obj, "team", None)
    return isinstance(team, Team) and team.deputy_user_id == user.id


def _admin_only(user, obj) -> bool:
    return _is_admin(user)


def _self_or_admin(user, obj) -> bool:
    return _is_admin(user) or (isinstance(obj, User) and obj.id == user.id)


# action -> rule(user, obj). Admins pass every rule except those that say
# otherwise (none yet; four-eyes approval will).
RULES: dict[str, Callable[[object, object], bool]] = {
    "team.view": _member_of_team,
    "team.view_members": _member_of_team,
    "team.manage_members": _admin_only,
    "team.create": _admin_only,
    "user.view": _self_or_admin,
    "user.manage": _admin_only,
    "user.change_own_password": lambda user, obj: isinstance(obj, User) and obj.id == user.id,
    "audit.view": _admin_only,
    "account.view": lambda user, obj: obj is not None and can_see(user, obj),
    "account.connect": _admin_only,
    "account.manage": _admin_only,
    "admin.area": _admin_only,
    # Posting slots and the late-approval rule.
    "team.manage_settings": _manager_of_team,
    # Posts. DESIGN.md: a member may compose, schedule, edit and cancel the
    # team's posts, not only their own: the accounts and the work are shared,
    # every edit re-runs the gate and voids approvals, and the audit names who.
    # Four eyes: never the author, not even an admin (see services.approvals.may_decide).
    "post.decide": lambda user, post: _may_decide(user, post),
    "approvals.inbox": lambda user, obj: True,
    "post.list": _member_of_team,
    "post.create": _member_of_team,
    "post.view": lambda user, post: _member_of_team(user, post) or _deputy_of_team(user, post),
    "post.edit": _member_of_team,  # content and time
    "post.cancel": _member_of_team,
    "post.settle_target": _member_of_team,  # mark an unconfirmed target published, or retry
    "media.upload": lambda user, obj: bool(user.team_ids),
}

ADMIN_BYPASS_EXCEPTIONS: set[str] = {"user.change_own_password", "post.decide"}


def _may_decide(user, post) -> bool:
    from scheduler.services.approvals import may_decide

    return may_decide(user, post)


def can(user, action: str, obj=None) -> bool:
    if action not in RULES:
        raise KeyError(f"unknown action {action!r}")
    if not _is_signed_in(user):
        return False
    if obj is not None and not can_see(user, obj):
        return False
    if _is_admin(user) and action not in ADMIN_BYPASS_EXCEPTIONS:
        return True
    return bool(RULES[action](user, obj))


def require(user, action: str, obj=None) -> None:
    """Raise Hidden (404) or Denied (403) unless `can(user, action, obj)`."""
    if obj is not None and not can_see(user, obj):
        raise Hidden(action)
    if not can(user, action, obj):
        raise Denied(action)
