"""Each role × each protected route. Objects a user may not see answer 404
(ids do not leak existence); objects they can see but not change answer 403."""
from __future__ import annotations

import pytest

ROLES = ("anonymous", "member_a", "manager_a", "member_b", "admin")


def _account(db, team, external_id="1"):
    from scheduler.models import AccountGrant, AccountPurpose, SocialAccount

    account = SocialAccount(platform="x", external_id=external_id, kind="user", name=f"Account {external_id}",
                            purpose_kind=AccountPurpose.unit, purpose="News", owning_team_id=team.id)
    db.session.add(account)
    db.session.flush()
    db.session.add(AccountGrant(account_id=account.id, team_id=team.id))
    db.session.commit()
    return account


@pytest.fixture
def world(make, db):
    from scheduler.models import PostingSlot, PostState

    team_a, team_b = make.team("Team A"), make.team("Team B")
    account_a = _account(db, team_a)
    people = {
        "member_a": make.user("member.a@example.org", team=team_a),
        "manager_a": make.user("manager.a@example.org", team=team_a, role="manager"),
        "member_b": make.user("member.b@example.org", team=team_b),
        "admin": make.user("admin@example.org", is_admin=True),
        "newbie": make.user("newbie@example.org"),
    }
    post_a = _draft_post(db, team_a, account_a, people["member_a"])
    waiting_a = _draft_post(db, team_a, account_a, people["member_a"])
    waiting_a.state = PostState.awaiting_approval
    slot_a = PostingSlot(account_id=account_a.id, team_id=team_a.id, weekday=0, minute_of_day=540)
    db.session.add(slot_a)
    db.session.commit()
    return {"A": team_a.id, "B": team_b.id, "acct_a": account_a.id, "post_a": post_a.id, "waiting_a": waiting_a.id,
            "target_a": post_a.targets[0].id, "slot_a": slot_a.id,
            **{name: user.id for name, user in people.items()}}


def _draft_post(db, team, account, author):
    """A draft straight in the database: authorisation is under test here, not the gate."""
    from datetime import timedelta

    from scheduler.models import Post, PostState, PostTarget, TargetState, now_utc

    when = now_utc() + timedelta(days=1)
    post = Post(team_id=team.id, author_id=author.id, text="Open day on Saturday.", media=[], declarations=[],
                state=PostState.draft, scheduled_at=when, content_hash="0" * 64)
    post.targets = [PostTarget(account_id=account.id, state=TargetState.pending, due_at=when,
                               idempotency_key="k" * 32)]
    db.session.add(post)
    db.session.commit()
    return post


def _signed_in(new_browser, role):
    browser = new_browser()
    if role != "anonymous":
        assert browser.login(f"{role.replace('_', '.')}@example.org").status_code == 302
    return browser


# (method, url template, data, {role: expected status})
PAGES = [
    ("GET", "/", None, dict(anonymous=302, member_a=200, manager_a=200, member_b=200, admin=200)),
    ("GET", "/teams/{A}", None, dict(anonymous=302, member_a=200, manager_a=200, member_b=404, admin=200)),
    ("GET", "/teams/999999", None, dict(anonymous=302, member_a=404, manager_a=404, member_b=404, admin=404)),
    ("GET", "/account/password", None, dict(anonymous=302, member_a=200, manager_a=200, member_b=200, admin=200)),
    ("GET", "/admin/users", None, dict(anonymous=302, member_a=403, manager_a=403, member_b=403, admin=200)),
    ("POST", "/admin/users", {"email": "x@example.org", "display_name": "X", "password": "a-long-password-1",
                              "time_zone": "Europe/London"},
     dict(anonymous=302, member_a=403, manager_a=403, member_b=403, admin=302)),
    ("POST", "/admin/users/{member_a}/active", {"active": "0"},
     dict(anonymous=302, member_a=403, manager_a=404, member_b=404, admin=303)),
    ("GET", "/admin/teams", None, dict(anonymous=302, member_a=403, manager_a=403, member_b=403, admin=200)),
    ("POST", "/admin/teams", {"name": "Team C", "time_zone": "Europe/London"},
     dict(anonymous=302, member_a=403, manager_a=403, member_b=403, admin=302)),
    ("GET", "/admin/teams/{A}", None, dict(anonymous=302, member_a=403, manager_a=403, member_b=404, admin=200)),
    ("POST", "/admin/teams/{A}/members", {"user_id": "{newbie}", "role": "member"},
     dict(anonymous=302, member_a=403, manager_a=403, member_b=404, admin=302)),
    ("POST", "/admin/teams/{A}/members/{member_a}/role", {"role": "manager"},
     dict(anonymous=302, member_a=403, manager_a=403, member_b=404, admin=303)),
    ("POST", "/admin/teams/{A}/members/{member_a}/remove", {},
     dict(anonymous=302, member_a=403, manager_a=403, member_b=404, admin=303)),
    ("POST", "/admin/teams/{B}/members/{member_a}/remove", {},
     dict(anonymous=302, member_a=404, manager_a=404, member_b=403, admin=404)),
    ("GET", "/admin/audit", None, dict(anonymous=302, member_a=403, manager_a=403, member_b=403, admin=200)),
    ("GET", "/admin/accounts", None, dict(anonymous=302, member_a=403, manager_a=403, member_b=403, admin=200)),
    ("POST", "/admin/accounts/connect", {"platform": "x", "purpose_kind": "unit", "purpose": "News",
                                         "owning_team_id": "{A}"},
     dict(anonymous=302, member_a=403, manager_a=403, member_b=403, admin=303)),
    ("GET", "/admin/accounts/{acct_a}", None, dict(anonymous=302, member_a=403, manager_a=403, member_b=404,
                                                    admin=200)),
    ("GET", "/admin/accounts/999999", None, dict(anonymous=302, member_a=404, manager_a=404, member_b=404,
                                                  admin=404)),
    ("POST", "/admin/accounts/{acct_a}/grants", {"team_id": "{B}"},
     dict(anonymous=302, member_a=403, manager_a=403, member_b=404, admin=303)),
    ("POST", "/admin/accounts/{acct_a}/grants/{A}/revoke", {},
     dict(anonymous=302, member_a=403, manager_a=403, member_b=404, admin=303)),
    ("POST", "/admin/accounts/{acct_a}/reconnect", {},
     dict(anonymous=302, member_a=403, manager_a=403, member_b=404, admin=303)),
    ("POST", "/admin/accounts/{acct_a}/disconnect", {},
     dict(anonymous=302, member_a=403, manager_a=403, member_b=404, admin=303)),
    ("GET", "/accounts/callback/x?state=nope&code=nope", None,
     dict(anonymous=302, member_a=403, manager_a=403, member_b=403, admin=302)),
    ("GET", "/channels", None, dict(anonymous=200, member_a=200, manager_a=200, member_b=200, admin=200)),
    ("GET", "/posts", None, dict(anonymous=302, member_a=302, manager_a=302, member_b=302, admin=200)),
    ("GET", "/teams/{A}/posts", None, dict(anonymous=302, member_a=200, manager_a=200, member_b=404, admin=200)),
    ("GET", "/teams/{A}/posts/new", None, dict(anonymous=302, member_a=200, manager_a=200, member_b=404,
                                                admin=200)),
    ("POST", "/teams/{A}/posts/new", {"text": ""},
     dict(anonymous=302, member_a=400, manager_a=400, member_b=404, admin=400)),
    ("GET", "/posts/{post_a}", None, dict(anonymous=302, member_a=200, manager_a=200, member_b=404, admin=200)),
    ("GET", "/posts/999999", None, dict(anonymous=302, member_a=404, manager_a=404, member_b=404, admin=404)),
    ("GET", "/posts/{post_a}/edit", None, dict(anonymous=302, member_a=200, manager_a=200, member_b=404,
                                                admin=200)),
    ("POST", "/posts/{post_a}/edit", {"text": "Open day on Sunday.", "account": "{acct_a}"},
     dict(anonymous=302, member_a=303, manager_a=303, member_b=404, admin=303)),
    ("POST", "/posts/{post_a}/schedule", {"when": "now"},
     dict(anonymous=302, member_a=303, manager_a=303, member_b=404, admin=303)),
    ("POST", "/posts/{post_a}/submit", {}, dict(anonymous=302, member_a=303, manager_a=303, member_b=404,
                                                 admin=303)),
    ("POST", "/posts/{post_a}/cancel", {}, dict(anonymous=302, member_a=303, manager_a=303, member_b=404,
                                                 admin=303)),
    ("POST", "/posts/{post_a}/targets/{target_a}/mark-published", {},
     dict(anonymous=302, member_a=303, manager_a=303, member_b=404, admin=303)),
    ("POST", "/posts/{post_a}/targets/{target_a}/retry", {},
     dict(anonymous=302, member_a=303, manager_a=303, member_b=404, admin=303)),
    ("GET", "/teams/{A}/slots", None, dict(anonymous=302, member_a=200, manager_a=200, member_b=404, admin=200)),
    ("POST", "/teams/{A}/slots", {"account_id": "{acct_a}", "weekday": "1", "time": "09:30"},
     dict(anonymous=302, member_a=403, manager_a=303, member_b=404, admin=303)),
    ("POST", "/teams/{A}/slots/{slot_a}/remove", {},
     dict(anonymous=302, member_a=403, manager_a=303, member_b=404, admin=303)),
    ("POST", "/teams/{A}/late-approval-rule", {"late_approval_rule": "publish_late"},
     dict(anonymous=302, member_a=403, manager_a=303, member_b=404, admin=303)),
    ("POST", "/admin/teams/{A}/escalation", {"approval_wait_limit_minutes": "60", "escalate_minutes_before_slot": "30",
                                             "deputy_user_id": "0"},
     dict(anonymous=302, member_a=403, manager_a=403, member_b=404, admin=303)),
    ("GET", "/approvals", None, dict(anonymous=302, member_a=200, manager_a=200, member_b=200, admin=200)),
    # Four eyes: the author may not decide, nor an admin while the team has a manager who can.
    ("POST", "/approvals/{waiting_a}", {"decision": "request_changes", "content_hash": "0" * 64, "note": "Fix it"},
     dict(anonymous=302, member_a=403, manager_a=303, member_b=404, admin=403)),
    ("GET", "/admin/policy", None, dict(anonymous=302, member_a=403, manager_a=403, member_b=403, admin=200)),
    ("POST", "/admin/policy/actions", {"category": "reputation", "action": "off"},
     dict(anonymous=302, member_a=403, manager_a=403, member_b=403, admin=303)),
    ("POST", "/admin/policy/versions/999999/restore", {},
     dict(anonymous=302, member_a=403, manager_a=403, member_b=403, admin=303)),
]

API = [
    ("GET", "/api/session", None, dict(anonymous=401, member_a=200, manager_a=200, member_b=200, admin=200)),
    ("GET", "/api/teams", None, dict(anonymous=401, member_a=200, manager_a=200, member_b=200, admin=200)),
    ("GET", "/api/teams/{A}", None, dict(anonymous=401, member_a=200, manager_a=200, member_b=404, admin=200)),
    ("GET", "/api/teams/{B}", None, dict(anonymous=401, member_a=404, manager_a=404, member_b=200, admin=200)),
    ("POST", "/api/teams", {"name": "Team C"}, dict(anonymous=401, member_a=403, manager_a=403, member_b=403,
                                                    admin=201)),
    ("POST", "/api/teams/{A}/members", {"user_id": "{newbie}"},
     dict(anonymous=401, member_a=403, manager_a=403, member_b=404, admin=201)),
    ("PATCH", "/api/teams/{A}/members/{member_a}", {"role": "manager"},
     dict(anonymous=401, member_a=403, manager_a=403, member_b=404, admin=200)),
    ("DELETE", "/api/teams/{A}/members/{member_a}", None,
     dict(anonymous=401, member_a=403, manager_a=403, member_b=404, admin=200)),
    ("GET", "/api/users", None, dict(anonymous=401, member_a=403, manager_a=403, member_b=403, admin=200)),
    ("POST", "/api/users", {"email": "y@example.org", "display_name": "Y", "password": "a-long-password-2"},
     dict(anonymous=401, member_a=403, manager_a=403, member_b=403, admin=201)),
    ("GET", "/api/users/{member_a}", None, dict(anonymous=401, member_a=200, manager_a=404, member_b=404, admin=200)),
    ("PATCH", "/api/users/{member_a}", {"active": False},
     dict(anonymous=401, member_a=403, manager_a=404, member_b=404, admin=200)),
    ("GET", "/api/audit", None, dict(anonymous=401, member_a=403, manager_a=403, member_b=403, admin=200)),
    ("GET", "/api/accounts", None, dict(anonymous=401, member_a=200, manager_a=200, member_b=200, admin=200)),
    ("GET", "/api/accounts/{acct_a}", None, dict(anonymous=401, member_a=200, manager_a=200, member_b=404,
                                                  admin=200)),
    ("POST", "/api/accounts/connect", {"platform": "x", "purpose_kind": "unit", "purpose": "News",
                                       "owning_team_id": "{A}"},
     dict(anonymous=401, member_a=403, manager_a=403, member_b=403, admin=201)),
    ("POST", "/api/accounts/{acct_a}/grants", {"team_id": "{B}"},
     dict(anonymous=401, member_a=403, manager_a=403, member_b=404, admin=201)),
    ("DELETE", "/api/accounts/{acct_a}/grants/{A}", None,
     dict(anonymous=401, member_a=403, manager_a=403, member_b=404, admin=200)),
    ("POST", "/api/accounts/{acct_a}/disconnect", None,
     dict(anonymous=401, member_a=403, manager_a=403, member_b=404, admin=200)),
    ("GET", "/api/teams/{A}/posts", None, dict(anonymous=401, member_a=200, manager_a=200, member_b=404,
                                                admin=200)),
    ("POST", "/api/teams/{A}/posts", {"text": "Open day.", "targets": [{"account_id": "{acct_a}"}],
                                      "scheduled_at": "2099-01-01T09:00"},
     dict(anonymous=401, member_a=201, manager_a=201, member_b=404, admin=201)),
    ("GET", "/api/posts/{post_a}", None, dict(anonymous=401, member_a=200, manager_a=200, member_b=404, admin=200)),
    ("GET", "/api/posts/999999", None, dict(anonymous=401, member_a=404, manager_a=404, member_b=404, admin=404)),
    ("PATCH", "/api/posts/{post_a}", {"text": "Open day on Sunday."},
     dict(anonymous=401, member_a=200, manager_a=200, member_b=404, admin=200)),
    ("POST", "/api/posts/{post_a}/schedule", {"publish_now": True},
     dict(anonymous=401, member_a=200, manager_a=200, member_b=404, admin=200)),
    ("POST", "/api/posts/{post_a}/submit", None, dict(anonymous=401, member_a=200, manager_a=200, member_b=404,
                                                       admin=200)),
    ("POST", "/api/posts/{post_a}/cancel", None, dict(anonymous=401, member_a=200, manager_a=200, member_b=404,
                                                       admin=200)),
    # The target is pending, so the allowed roles get past authorisation to a 409.
    ("POST", "/api/posts/{post_a}/targets/{target_a}/mark-published", None,
     dict(anonymous=401, member_a=409, manager_a=409, member_b=404, admin=409)),
    ("POST", "/api/posts/{post_a}/targets/{target_a}/retry", None,
     dict(anonymous=401, member_a=409, manager_a=409, member_b=404, admin=409)),
    ("POST", "/api/media", None, dict(anonymous=401, member_a=400, manager_a=400, member_b=400, admin=400)),
    ("GET", "/api/approvals", None, dict(anonymous=401, member_a=200, manager_a=200, member_b=200, admin=200)),
    ("POST", "/api/posts/{waiting_a}/decision", {"decision": "request_changes", "content_hash": "0" * 64,
                                                 "note": "Fix it"},
     dict(anonymous=401, member_a=403, manager_a=201, member_b=404, admin=403)),
]


def _fill(value, world):
    if isinstance(value, str):
        formatted = value.format(**world)
        return int(formatted) if value.startswith("{") and formatted.isdigit() and value.endswith("}") else formatted
    if isinstance(value, dict):
        return {k: _fill(v, world) for k, v in value.items()}
    if isinstance(value, list):
        return [_fill(v, world) for v in value]
    return value


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("method, url, data, expected", PAGES, ids=[f"{m} {u}" for m, u, _, _ in PAGES])
def test_pages(new_browser, world, role, method, url, data, expected):
    browser = _signed_in(new_browser, role)
    url = _fill(url, world)
    if method == "GET":
        response = browser.get(url)
    else:
        response = browser.post(url, {k: str(v) for k, v in _fill(data, world).items()})
    assert response.status_code == expected[role], response.get_data(as_text=True)[:300]


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("method, url, data, expected", API, ids=[f"{m} {u}" for m, u, _, _ in API])
def test_api(new_browser, world, role, method, url, data, expected):
    browser = _signed_in(new_browser, role)
    if role == "anonymous":
        response = browser.client.open(_fill(url, world), method=method, json=_fill(data, world),
                                       headers={"X-CSRFToken": browser.csrf()})
    else:
        response = browser.api(method, _fill(url, world), _fill(data, world))
    assert response.status_code == expected[role], response.get_data(as_text=True)[:300]
    assert response.is_json and response.json["ok"] is (response.status_code < 400)


def test_team_list_shows_only_own_teams(new_browser, world):
    member = _signed_in(new_browser, "member_a")
    assert [t["id"] for t in member.api("GET", "/api/teams").json["data"]] == [world["A"]]
    admin = _signed_in(new_browser, "admin")
    assert {t["id"] for t in admin.api("GET", "/api/teams").json["data"]} == {world["A"], world["B"]}
    page = member.get("/").get_data(as_text=True)
    assert "Team A" in page and "Team B" not in page


def test_every_rule_in_the_authz_module_is_exercised():
    """New actions must be added to this matrix when they get a route."""
    from scheduler import authz

    assert set(authz.RULES) == {
        "team.view", "team.view_members", "team.manage_members", "team.create", "user.view", "user.manage",
        "user.change_own_password", "audit.view", "admin.area", "team.manage_settings",
        "account.view", "account.connect", "account.manage",
        "post.list", "post.create", "post.view", "post.edit", "post.cancel", "post.settle_target", "media.upload",
        "post.decide", "approvals.inbox",
    }


def test_authz_unit_rules(make, db):
    from scheduler import authz

    team = make.team()
    member = make.user(team=team)
    manager = make.user(team=team, role="manager")
    outsider = make.user()
    admin = make.user(is_admin=True)
    inactive_admin = make.user(is_admin=True, active=False)
    assert authz.can(manager, "team.manage_settings", team) and not authz.can(member, "team.manage_settings", team)
    assert not authz.can(outsider, "team.view", team)
    assert authz.can(admin, "team.manage_members", team)
    assert not authz.can(inactive_admin, "team.view", team)
    assert not authz.can(admin, "user.change_own_password", member)
    with pytest.raises(authz.Hidden):
        authz.require(outsider, "team.view", team)
    with pytest.raises(authz.Denied):
        authz.require(member, "team.manage_members", team)
    with pytest.raises(KeyError):
        authz.can(admin, "no.such.action")
