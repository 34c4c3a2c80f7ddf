import sqlalchemy as sa

from scheduler.models import AuditEvent, FailedLogin
from tests.conftest import DEFAULT_PASSWORD


def test_sign_in_and_out(browser, make, db):
    make.user("ann@example.org")
    response = browser.login("ann@example.org")
    assert response.status_code == 302 and response.headers["Location"] == "/"
    assert browser.get("/").status_code == 200
    assert db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "user.signed_in"))
    assert browser.post("/logout").status_code == 302
    assert browser.get("/").status_code == 302


def test_wrong_password_gives_one_generic_message(browser, make):
    make.user("ann@example.org")
    wrong = browser.login("ann@example.org", "not-the-password")
    unknown = browser.login("nobody@example.org", "not-the-password")
    assert wrong.status_code == unknown.status_code == 401
    assert b"do not match an active account" in wrong.data and b"do not match an active account" in unknown.data


def test_deactivated_user_cannot_sign_in(browser, make):
    make.user("gone@example.org", active=False)
    assert browser.login("gone@example.org").status_code == 401


def test_login_form_needs_both_fields(browser):
    response = browser.post("/login", {"email": "", "password": ""})
    assert response.status_code == 400
    assert b"Enter your email address." in response.data and b"Enter your password." in response.data


def test_login_without_csrf_token_is_refused(browser, make):
    make.user("ann@example.org")
    response = browser.client.post("/login", data={"email": "ann@example.org", "password": DEFAULT_PASSWORD})
    assert response.status_code == 400 and b"Reload the page" in response.data
    assert browser.get("/").status_code == 302


def test_logout_requires_post_with_csrf(browser, make):
    make.user("ann@example.org")
    browser.login("ann@example.org")
    assert browser.get("/logout").status_code == 405
    assert browser.client.post("/logout").status_code == 400
    assert browser.get("/").status_code == 200


def test_failed_logins_throttled_per_account(browser, make, db):
    make.user("ann@example.org")
    for _ in range(5):
        assert browser.login("ann@example.org", "wrong-wrong-wrong").status_code == 401
    locked = browser.login("ann@example.org")  # even the right password waits
    assert locked.status_code == 429
    assert b"Too many failed sign-in attempts from this account" in locked.data
    assert b"Try again in 15 minutes" in locked.data


def test_failed_logins_throttled_per_address(browser, make):
    make.user("ann@example.org")
    for n in range(20):
        browser.login(f"guess{n}@example.org", "wrong-wrong-wrong")
    locked = browser.login("ann@example.org")
    assert locked.status_code == 429 and b"your network address" in locked.data


def test_throttle_lifts_after_the_window(browser, make, db):
    import time_machine
    from datetime import datetime, timedelta, timezone

    make.user("ann@example.org")
    start = datetime.now(timezone.utc)
    with time_machine.travel(start, tick=False):
        for _ in range(5):
            browser.login("ann@example.org", "wrong-wrong-wrong")
        assert browser.login("ann@example.org").status_code == 429
    with time_machine.travel(start + timedelta(minutes=16), tick=False):
        assert browser.login("ann@example.org").status_code == 302


def test_successful_sign_in_clears_the_account_failures(browser, make, db):
    make.user("ann@example.org")
    for _ in range(3):
        browser.login("ann@example.org", "wrong-wrong-wrong")
    browser.login("ann@example.org")
    assert db.session.scalar(sa.select(sa.func.count()).select_from(FailedLogin)) == 0


def test_password_change_ends_other_sessions(new_browser, make):
    make.user("ann@example.org")
    laptop, phone = new_browser(), new_browser()
    laptop.login("ann@example.org")
    phone.login("ann@example.org")
    response = laptop.post("/account/password", {"current_password": DEFAULT_PASSWORD,
                                                  "new_password": "a-brand-new-password",
                                                  "confirm": "a-brand-new-password"})
    assert response.status_code == 302
    assert laptop.get("/").status_code == 200          # this session goes on
    assert phone.get("/").status_code == 302           # the other one is over
    assert phone.get("/api/session").status_code == 401
    assert new_browser().login("ann@example.org", "a-brand-new-password").status_code == 302


def test_password_change_validation_changes_nothing(browser, make, db):
    user = make.user("ann@example.org")
    old_hash = user.password_hash
    browser.login("ann@example.org")
    cases = [
        ({"current_password": "wrong", "new_password": "a-brand-new-password", "confirm": "a-brand-new-password"},
         b"current password is not correct"),
        ({"current_password": DEFAULT_PASSWORD, "new_password": "short", "confirm": "short"}, b"Use between 12"),
        ({"current_password": DEFAULT_PASSWORD, "new_password": "a-brand-new-password", "confirm": "different-one!!"},
         b"The two new passwords differ"),
        ({"current_password": DEFAULT_PASSWORD, "new_password": "x" * 300, "confirm": "x" * 300}, b"Use between 12"),
    ]
    for data, message in cases:
        response = browser.post("/account/password", data)
        assert response.status_code == 400 and message in response.data
    db.session.expire_all()
    assert db.session.get(type(user), user.id).password_hash == old_hash


def test_deactivation_ends_the_users_session(new_browser, make, db):
    make.user("boss@example.org", is_admin=True)
    target = make.user("ann@example.org")
    ann, boss = new_browser(), new_browser()
    ann.login("ann@example.org")
    boss.login("boss@example.org")
    assert boss.post(f"/admin/users/{target.id}/active", {"active": "0"}).status_code == 303
    assert ann.get("/").status_code == 302


def test_unauthenticated_pages_redirect_and_api_gets_json_401(browser):
    page = browser.get("/teams/1")
    assert page.status_code == 302 and page.headers["Location"].startswith("/login?next=")
    api = browser.get("/api/teams")
    assert api.status_code == 401 and api.json == {"ok": False, "error": {"message": "Sign in to use the API.",
                                                                          "status": 401}}


def test_next_parameter_cannot_redirect_off_site(browser, make):
    make.user("ann@example.org")
    token = browser.csrf()
    for target in ("https://evil.example", "//evil.example", "/\\evil.example"):
        response = browser.client.post(f"/login?next={target}", data={
            "email": "ann@example.org", "password": DEFAULT_PASSWORD, "csrf_token": token})
        assert response.headers["Location"] == "/", target
        browser.post("/logout")
        token = browser.csrf()


def test_session_cookie_flags(browser, make):
    make.user("ann@example.org")
    response = browser.login("ann@example.org")
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
