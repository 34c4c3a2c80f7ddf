"""Bad input on every form and API call: a clear message, and nothing changes."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from scheduler.models import AuditEvent, Membership, Team, User


@pytest.fixture
def admin_browser(new_browser, make):
    make.user("admin@example.org", is_admin=True)
    browser = new_browser()
    browser.login("admin@example.org")
    return browser


def _counts(db):
    db.session.expire_all()
    return tuple(db.session.scalar(sa.select(sa.func.count()).select_from(m)) for m in (User, Team, Membership))


GOOD_USER = {"email": "new@example.org", "display_name": "New Person", "password": "a-long-password-3",
             "time_zone": "Europe/London"}


@pytest.mark.parametrize("changes, message", [
    ({"email": ""}, "Enter an email address."),
    ({"email": "not-an-email"}, "not a valid email address"),
    ({"email": "a" * 250 + "@example.org"}, "Field cannot be longer than 254"),
    ({"display_name": ""}, "Enter a display name."),
    ({"display_name": "x" * 121}, "Field cannot be longer than 120"),
    ({"password": "short"}, "Use between 12"),
    ({"time_zone": "Mars/Olympus"}, "Not a valid choice"),
    ({"email": "admin@example.org"}, "already exists"),
    ({"email": "ADMIN@Example.org"}, "already exists"),
])
def test_create_user_form_rejects_bad_input(admin_browser, db, changes, message):
    before = _counts(db)
    response = admin_browser.post("/admin/users", {**GOOD_USER, **changes})
    assert response.status_code in (400, 409)
    assert message in response.get_data(as_text=True)
    assert _counts(db) == before


def test_create_user_form_creates_and_audits(admin_browser, db):
    response = admin_browser.post("/admin/users", GOOD_USER)
    assert response.status_code == 302
    user = db.session.scalar(sa.select(User).where(User.email == "new@example.org"))
    assert user.display_name == "New Person" and user.password_hash.startswith("$argon2id$")
    assert db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "user.created")).subject_id == str(user.id)


@pytest.mark.parametrize("data, message", [
    ({"name": "", "time_zone": "Europe/London"}, "Enter a team name."),
    ({"name": "x" * 121, "time_zone": "Europe/London"}, "Field cannot be longer than 120"),
    ({"name": "Comms", "time_zone": "Nowhere"}, "Not a valid choice"),
    ({"name": "existing team", "time_zone": "Europe/London"}, "already exists"),
])
def test_create_team_form_rejects_bad_input(admin_browser, make, db, data, message):
    make.team("Existing Team")
    before = _counts(db)
    response = admin_browser.post("/admin/teams", data)
    assert response.status_code in (400, 409) and message in response.get_data(as_text=True)
    assert _counts(db) == before


def test_membership_forms(admin_browser, make, db):
    team = make.team("Comms")
    person = make.user("person@example.org")
    inactive = make.user("inactive@example.org", active=False)
    before = _counts(db)
    for data in ({"user_id": "abc", "role": "member"}, {"user_id": "999999", "role": "member"},
                 {"user_id": str(inactive.id), "role": "member"}, {"user_id": str(person.id), "role": "owner"}):
        response = admin_browser.post(f"/admin/teams/{team.id}/members", data)
        assert response.status_code == 400 and "Not a valid choice" in response.get_data(as_text=True), data
    assert _counts(db) == before
    assert admin_browser.post(f"/admin/teams/{team.id}/members", {"user_id": str(person.id),
                                                                   "role": "member"}).status_code == 302
    # Already a member: no longer offered, so refused.
    assert admin_browser.post(f"/admin/teams/{team.id}/members", {"user_id": str(person.id),
                                                                   "role": "manager"}).status_code == 400
    assert admin_browser.post(f"/admin/teams/{team.id}/members/{person.id}/role", {"role": "boss"}).status_code == 303
    db.session.expire_all()
    assert db.session.get(User, person.id).role_in(team.id).value == "member"
    admin_browser.post(f"/admin/teams/{team.id}/members/{person.id}/role", {"role": "manager"})
    db.session.expire_all()
    assert db.session.get(User, person.id).role_in(team.id).value == "manager"
    assert admin_browser.post(f"/admin/teams/{team.id}/members/999999/remove").status_code == 404
    admin_browser.post(f"/admin/teams/{team.id}/members/{person.id}/remove")
    db.session.expire_all()
    assert db.session.get(User, person.id).role_in(team.id) is None
    actions = db.session.scalars(sa.select(AuditEvent.action).order_by(AuditEvent.id)).all()
    assert actions[-3:] == ["team.member_added", "team.role_changed", "team.member_removed"]


def test_admin_cannot_deactivate_themselves(admin_browser, db):
    me = db.session.scalar(sa.select(User).where(User.email == "admin@example.org"))
    response = admin_browser.post(f"/admin/users/{me.id}/active", {"active": "0"})
    assert response.status_code == 303
    assert "cannot deactivate your own account" in admin_browser.get("/admin/users").get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(User, me.id).active


@pytest.mark.parametrize("method, url, body, status, message", [
    ("POST", "/api/users", None, 400, "Send a JSON object"),
    ("POST", "/api/users", [], 400, "Send a JSON object"),
    ("POST", "/api/users", {"email": "z@example.org"}, 400, "Missing field: display_name"),
    ("POST", "/api/users", {"email": "z@example.org", "display_name": "Z", "password": "a-long-password-4",
                            "role": "god"}, 400, "Unknown field: role"),
    ("POST", "/api/users", {"email": 5, "display_name": "Z", "password": "a-long-password-4"}, 400,
     "Enter an email address"),
    ("POST", "/api/users", {"email": "z@example.org", "display_name": ["Z"], "password": "a-long-password-4"}, 400,
     "Display name must be text"),
    ("POST", "/api/users", {"email": "z@example.org", "display_name": "Z\u0007", "password": "a-long-password-4"},
     400, "control characters"),
    ("POST", "/api/users", {"email": "z@example.org", "display_name": "Z", "password": "a-long-password-4",
                            "is_admin": "yes"}, 400, "is_admin must be true or false"),
    ("POST", "/api/users", {"email": "z@example.org", "display_name": "Z", "password": "x" * 257}, 400,
     "at most 256"),
    ("POST", "/api/users", {"email": "admin@example.org", "display_name": "Z", "password": "a-long-password-4"},
     409, "already exists"),
    ("POST", "/api/teams", {"name": "  "}, 400, "Enter a team name"),
    ("POST", "/api/teams", {"name": "T", "time_zone": 3}, 400, "Choose a time zone"),
    ("POST", "/api/teams/{team}/members", {"user_id": "1"}, 400, "user_id must be a whole number"),
    ("POST", "/api/teams/{team}/members", {"user_id": True}, 400, "user_id must be a whole number"),
    ("POST", "/api/teams/{team}/members", {"user_id": 999999}, 400, "There is no user with that id"),
    ("POST", "/api/teams/{team}/members", {"user_id": "{person}", "role": "owner"}, 400, "Role must be"),
    ("POST", "/api/teams/999999/members", {"user_id": "{person}"}, 404, "could not find"),
    ("PATCH", "/api/users/{person}", {"active": "no"}, 400, "active must be true or false"),
    ("PATCH", "/api/users/999999", {"active": False}, 404, "could not find"),
    ("GET", "/api/audit?per_page=0", None, 400, "per_page must be"),
    ("GET", "/api/audit?page=x", None, 400, "page must be"),
])
def test_api_rejects_bad_input(admin_browser, make, db, method, url, body, status, message):
    team, person = make.team("Comms"), make.user("person@example.org")
    ids = {"team": team.id, "person": person.id}
    url = url.format(**ids)
    if isinstance(body, dict):
        body = {k: (int(v.format(**ids)) if isinstance(v, str) and v.startswith("{") else v) for k, v in body.items()}
    before = _counts(db)
    audit_before = db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent))
    response = admin_browser.api(method, url, body)
    assert response.status_code == status and message in response.json["error"]["message"], response.json
    assert _counts(db) == before
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent)) == audit_before


def test_api_state_change_needs_csrf_header(admin_browser, db):
    before = _counts(db)
    response = admin_browser.client.post("/api/teams", json={"name": "Sneaky"})
    assert response.status_code == 400 and response.json["ok"] is False
    assert _counts(db) == before


def test_api_never_returns_password_hashes(admin_browser, make):
    make.user("person@example.org")
    body = admin_browser.api("GET", "/api/users").get_data(as_text=True)
    assert "argon2" not in body and "password" not in body


def test_escalation_settings(admin_browser, make, db):
    team = make.team("Comms")
    insider = make.user("insider@example.org", team=team)
    deputy = make.user("deputy@example.org")
    page = admin_browser.get(f"/admin/teams/{team.id}").get_data(as_text=True)
    assert "Escalation of flagged posts" in page and 'value="1440"' in page
    for data, message in (({"approval_wait_limit_minutes": "0", "escalate_minutes_before_slot": "60",
                            "deputy_user_id": "0"}, "From 1 to 43200"),
                          ({"approval_wait_limit_minutes": "abc", "escalate_minutes_before_slot": "60",
                            "deputy_user_id": "0"}, "Not a valid integer"),
                          ({"approval_wait_limit_minutes": "60", "escalate_minutes_before_slot": "60",
                            "deputy_user_id": str(insider.id)}, "Not a valid choice")):
        response = admin_browser.post(f"/admin/teams/{team.id}/escalation", data)
        assert response.status_code == 400 and message in response.get_data(as_text=True), data
    db.session.expire_all()
    assert db.session.get(Team, team.id).deputy_user_id is None
    ok = admin_browser.post(f"/admin/teams/{team.id}/escalation", {
        "approval_wait_limit_minutes": "120", "escalate_minutes_before_slot": "30", "deputy_user_id": str(deputy.id)})
    assert ok.status_code == 303
    db.session.expire_all()
    saved = db.session.get(Team, team.id)
    assert (saved.approval_wait_limit_minutes, saved.escalate_minutes_before_slot, saved.deputy_user_id) == \
        (120, 30, deputy.id)
