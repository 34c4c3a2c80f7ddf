"""Shared official accounts through real HTTP against the platform emulator."""
from __future__ import annotations

import contextvars
import threading
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
import sqlalchemy as sa

from platforms import Draft
from scheduler.connectors import connector_for
from scheduler.models import (AccountCredential, AccountGrant, AccountStatus, AuditEvent, Notification, OAuthAttempt,
                              SocialAccount, now_utc)
from scheduler.vault import AccountNeedsReconnect, current_vault


@pytest.fixture
def org(make):
    comms, computing = make.team("Comms"), make.team("Computing")
    return {
        "comms": comms, "computing": computing,
        "admin": make.user("admin@example.org", is_admin=True),
        "member": make.user("member@example.org", team=comms),
        "outsider": make.user("outsider@example.org", team=computing),
    }


@pytest.fixture
def admin(new_browser, org):
    browser = new_browser()
    browser.login("admin@example.org")
    return browser


def start_connect(admin, org, platform="x", **extra):
    data = {"platform": platform, "purpose_kind": "unit", "purpose": "University news",
            "owning_team_id": str(org["comms"].id), **extra}
    response = admin.post("/admin/accounts/connect", data)
    assert response.status_code == 303, response.get_data(as_text=True)[:500]
    return response.headers["Location"]


def follow_callback(admin, location: str):
    parts = urlsplit(location)
    assert parts.path.startswith("/accounts/callback/")
    return admin.get(f"{parts.path}?{parts.query}")


def connect(admin, org, emulator, platform="x", pages=None, **extra):
    answer = emulator.answer_consent(start_connect(admin, org, platform, **extra), pages=pages)
    return follow_callback(admin, answer.location)


def test_connect_x_through_the_real_consent_screen(admin, org, emulator, db):
    authorize_url = start_connect(admin, org)
    assert "code_challenge=" in authorize_url and "state=" in authorize_url
    page, form = emulator.consent_page(authorize_url)
    assert page.status_code == 200 and "Authorize" in page.text or "authorize" in page.text.lower()
    answer = emulator.answer_consent(authorize_url)
    response = follow_callback(admin, answer.location)
    assert response.status_code == 302 and "/admin/accounts/" in response.headers["Location"]
    account = db.session.scalar(sa.select(SocialAccount))
    assert (account.platform, account.handle, account.status) == ("x", "gatepost_uni", AccountStatus.connected)
    assert account.granted_team_ids == {org["comms"].id}
    assert account.connected_by_id == org["admin"].id and account.token_expires_at is not None
    actions = db.session.scalars(sa.select(AuditEvent.action)).all()
    assert "account.connect_started" in actions and "account.connected" in actions
    detail = admin.get(f"/admin/accounts/{account.id}").get_data(as_text=True)
    assert "Connected" in detail and "Gatepost University" in detail


def test_facebook_consent_covering_several_pages_asks_which_to_connect(admin, org, emulator, db):
    response = connect(admin, org, emulator, "facebook")
    assert response.status_code == 302 and "/admin/accounts/choose/" in response.headers["Location"]
    choose_page = admin.get(response.headers["Location"])
    assert b"Gatepost University" in choose_page.data and b"Gatepost Library" in choose_page.data
    assert admin.post(response.headers["Location"], {"external_id": "999"}).status_code == 400
    done = admin.post(response.headers["Location"], {"external_id": "200000000000002"})
    assert done.status_code == 302
    accounts = db.session.scalars(sa.select(SocialAccount)).all()
    assert [(a.kind, a.name) for a in accounts] == [("page", "Gatepost Library")]
    # The page's own token is stored, not the admin's user token.
    token = current_vault().load(db.session, accounts[0])
    profile = connector_for("facebook").fetch_profile(token, accounts[0].external_id)
    assert profile.external_id == "200000000000002"
    attempt = db.session.scalar(sa.select(OAuthAttempt))
    assert attempt.completed_at is not None and attempt.authorization_encrypted is None


def test_linkedin_organisations_choice(admin, org, emulator, db):
    response = connect(admin, org, emulator, "linkedin")
    location = response.headers["Location"]
    assert "/admin/accounts/choose/" in location
    admin.post(location, {"external_id": "3000001"})
    account = db.session.scalar(sa.select(SocialAccount))
    assert (account.platform, account.kind, account.external_id) == ("linkedin", "organization", "3000001")


def test_state_mismatch_is_refused_and_nothing_is_connected(admin, org, emulator, db):
    answer = emulator.answer_consent(start_connect(admin, org))
    forged = answer.location.replace(f"state={answer.params['state']}", "state=forged")
    response = follow_callback(admin, forged)
    assert response.status_code == 302
    assert "state mismatch" in admin.get("/admin/accounts").get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(SocialAccount)) == 0


def test_denied_consent_fails_cleanly(admin, org, emulator, db):
    authorize_url = start_connect(admin, org)
    answer = emulator.answer_consent(authorize_url, approve=False)
    follow_callback(admin, answer.location)
    page = admin.get("/admin/accounts").get_data(as_text=True)
    assert "did not connect" in page
    assert db.session.scalar(sa.select(sa.func.count()).select_from(SocialAccount)) == 0
    assert "account.connect_failed" in db.session.scalars(sa.select(AuditEvent.action)).all()


def test_a_callback_cannot_be_replayed(admin, org, emulator, db):
    answer = emulator.answer_consent(start_connect(admin, org))
    follow_callback(admin, answer.location)
    follow_callback(admin, answer.location)
    assert "already completed" in admin.get("/admin/accounts").get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(SocialAccount)) == 1


def test_another_admin_cannot_finish_my_connection(admin, new_browser, org, make, emulator, db):
    make.user("admin2@example.org", is_admin=True)
    other = new_browser()
    other.login("admin2@example.org")
    answer = emulator.answer_consent(start_connect(admin, org))
    follow_callback(other, answer.location)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(SocialAccount)) == 0


def test_slow_admins_must_start_again(admin, org, emulator, db):
    import time_machine

    answer = emulator.answer_consent(start_connect(admin, org))
    with time_machine.travel(now_utc() + timedelta(minutes=16)):
        follow_callback(admin, answer.location)
        assert "expired" in admin.get("/admin/accounts").get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(SocialAccount)) == 0


@pytest.mark.parametrize("data, message", [
    ({"platform": "myspace"}, "Not a valid choice"),
    ({"purpose": ""}, "Say what the account is for"),
    ({"purpose": "x" * 301}, "Field cannot be longer than 300"),
    ({"purpose_kind": "robot"}, "Not a valid choice"),
    ({"owning_team_id": "999999"}, "Not a valid choice"),
])
def test_connect_form_rejects_bad_input(admin, org, db, data, message):
    form = {"platform": "x", "purpose_kind": "unit", "purpose": "News", "owning_team_id": str(org["comms"].id),
            **data}
    response = admin.post("/admin/accounts/connect", form)
    assert response.status_code == 400 and message in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(OAuthAttempt)) == 0


def test_grants_decide_who_sees_an_account(admin, new_browser, org, emulator, db):
    connect(admin, org, emulator)
    account = db.session.scalar(sa.select(SocialAccount))
    outsider = new_browser()
    outsider.login("outsider@example.org")
    assert outsider.api("GET", f"/api/accounts/{account.id}").status_code == 404
    assert outsider.api("GET", "/api/accounts").json["data"] == []
    assert admin.post(f"/admin/accounts/{account.id}/grants", {"team_id": str(org["computing"].id)}).status_code == 303
    assert outsider.api("GET", f"/api/accounts/{account.id}").status_code == 200
    body = outsider.api("GET", "/api/accounts").json["data"]
    assert [a["id"] for a in body] == [account.id] and body[0]["granted_team_ids"] == sorted(
        [org["comms"].id, org["computing"].id])
    admin.post(f"/admin/accounts/{account.id}/grants/{org['computing'].id}/revoke")
    assert outsider.api("GET", f"/api/accounts/{account.id}").status_code == 404
    member = new_browser()
    member.login("member@example.org")
    assert member.api("POST", f"/api/accounts/{account.id}/grants", {"team_id": org["computing"].id}).status_code == 403
    assert member.post(f"/admin/accounts/{account.id}/disconnect").status_code == 403
    actions = db.session.scalars(sa.select(AuditEvent.action)).all()
    assert actions.count("account.granted") == 1 and actions.count("account.grant_revoked") == 1


def test_api_grant_validation(admin, org, emulator, db):
    connect(admin, org, emulator)
    account = db.session.scalar(sa.select(SocialAccount))
    for body, status in (({"team_id": "1"}, 400), ({"team_id": 999999}, 400), ({}, 400),
                         ({"team_id": org["comms"].id}, 409)):
        assert admin.api("POST", f"/api/accounts/{account.id}/grants", body).status_code == status
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AccountGrant)) == 1


def test_disconnect_then_reconnect_keeps_history_and_grants(admin, org, emulator, db):
    connect(admin, org, emulator)
    account = db.session.scalar(sa.select(SocialAccount))
    admin.post(f"/admin/accounts/{account.id}/grants", {"team_id": str(org["computing"].id)})
    assert admin.post(f"/admin/accounts/{account.id}/disconnect").status_code == 303
    db.session.expire_all()
    assert db.session.get(SocialAccount, account.id).status == AccountStatus.disconnected
    assert db.session.get(AccountCredential, account.id) is None
    with pytest.raises(AccountNeedsReconnect):
        current_vault().fresh_token(account.id, connector_for("x"))
    reconnect = admin.post(f"/admin/accounts/{account.id}/reconnect")
    answer = emulator.answer_consent(reconnect.headers["Location"])
    follow_callback(admin, answer.location)
    db.session.expire_all()
    again = db.session.scalars(sa.select(SocialAccount)).all()
    assert [a.id for a in again] == [account.id] and again[0].status == AccountStatus.connected
    assert again[0].granted_team_ids == {org["comms"].id, org["computing"].id}


def test_public_channels_page_needs_no_sign_in(admin, new_browser, org, emulator):
    connect(admin, org, emulator)
    page = new_browser().get("/channels")
    assert page.status_code == 200 and b"Gatepost University" in page.data and b"University news" in page.data


def test_alumni_channel_without_an_address_tells_the_admins(admin, org, emulator, db):
    connect(admin, org, emulator, is_alumni_channel="y")
    note = db.session.scalar(sa.select(Notification).where(Notification.kind == "alumni_channel"))
    assert note is not None and note.user_id == org["admin"].id and "Alumni Relations" in note.message


# --- the vault and refresh -----------------------------------------------------------

def connected_x(admin, org, emulator, db) -> SocialAccount:
    connect(admin, org, emulator)
    return db.session.scalar(sa.select(SocialAccount))


def test_token_is_refreshed_shortly_before_expiry_and_rotation_is_kept(admin, org, emulator, db):
    account = connected_x(admin, org, emulator, db)
    vault, connector = current_vault(), connector_for("x")
    first = vault.load(db.session, account)
    assert vault.fresh_token(account.id, connector).access_token == first.access_token  # 2 h left: no refresh
    emulator.advance_clock(7200 - 120)  # two minutes before expiry at the network
    with _clock_at(first.expires_at - timedelta(minutes=2)):
        fresh = vault.fresh_token(account.id, connector)
    assert fresh.access_token != first.access_token and fresh.refresh_token != first.refresh_token
    result = connector.publish(fresh, account.external_id, Draft(text="Open day on Saturday"),
                               idempotency_key="k-1")
    assert result.external_id
    # X's refresh tokens are single-use: the old one is spent.
    with pytest.raises(Exception):
        connector.refresh(first)


def _clock_at(moment):
    import time_machine

    return time_machine.travel(moment, tick=False)


def test_two_workers_refreshing_at_once_spend_the_refresh_token_once(admin, org, emulator, db, app):
    account = connected_x(admin, org, emulator, db)
    stale = current_vault().load(db.session, account)
    results, errors = [], []
    barrier = threading.Barrier(2)

    def worker():
        with app.app_context():
            try:
                barrier.wait()
                results.append(current_vault().refresh(account.id, connector_for("x"), stale))
            except Exception as exc:  # noqa: BLE001 - recorded for the assertion
                errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert errors == []
    assert results[0].access_token == results[1].access_token != stale.access_token
    db.session.expire_all()
    assert db.session.get(SocialAccount, account.id).status == AccountStatus.connected
    refreshes = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "account.token_refreshed")).all()
    assert len(refreshes) == 1
    # The stored refresh token still works: nothing was lost.
    assert connector_for("x").refresh(current_vault().load(db.session, account)).access_token


def test_revoked_refresh_token_marks_the_account_and_tells_the_admins(admin, org, emulator, db):
    account = connected_x(admin, org, emulator, db)
    stale = current_vault().load(db.session, account)
    emulator.revoke_tokens(network="x")
    with pytest.raises(AccountNeedsReconnect):
        current_vault().refresh(account.id, connector_for("x"), stale)
    db.session.expire_all()
    stored = db.session.get(SocialAccount, account.id)
    assert stored.status == AccountStatus.needs_reconnect and stored.status_reason
    assert db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "account.needs_reconnect"))
    note = db.session.scalar(sa.select(Notification).where(Notification.kind == "account_needs_reconnect"))
    assert note.user_id == org["admin"].id
    assert "Needs reconnecting" in admin.get("/admin/accounts").get_data(as_text=True)


def test_transient_refresh_failure_leaves_the_account_connected(admin, org, emulator, db):
    from platforms import PlatformError

    account = connected_x(admin, org, emulator, db)
    stale = current_vault().load(db.session, account)
    emulator.add_fault("server_error", network="x", endpoint="token", count=1)
    with pytest.raises(PlatformError) as raised:
        current_vault().refresh(account.id, connector_for("x"), stale)
    assert raised.value.kind == "transient"
    db.session.expire_all()
    assert db.session.get(SocialAccount, account.id).status == AccountStatus.connected
    # The refresh token was not spent: the next try works.
    assert current_vault().refresh(account.id, connector_for("x"), stale).access_token != stale.access_token


def test_an_empty_refresh_token_never_replaces_a_stored_one(admin, org, emulator, db):
    from platforms import TokenSet

    account = connected_x(admin, org, emulator, db)
    vault = current_vault()
    before = vault.load(db.session, account)
    vault.store(db.session, account, TokenSet(access_token="new-access", refresh_token=None,
                                              expires_at=now_utc() + timedelta(hours=1)))
    db.session.commit()
    after = vault.load(db.session, account)
    assert after.access_token == "new-access" and after.refresh_token == before.refresh_token


def test_vault_rotate_reencrypts_under_the_newest_key(admin, org, emulator, db, app, test_environ, tmp_path):
    from cryptography.fernet import Fernet

    from scheduler import create_app
    from scheduler.config import load_settings

    account = connected_x(admin, org, emulator, db)
    token = current_vault().load(db.session, account)
    old_cipher = db.session.get(AccountCredential, account.id).access_token_encrypted
    new_key, old_key = Fernet.generate_key().decode(), test_environ["GATEPOST_TOKEN_KEYS"]
    rotated_app = create_app(load_settings({**test_environ, "GATEPOST_TOKEN_KEYS": f"{new_key},{old_key}"}))
    # A fresh context: Flask's CLI would otherwise reuse the test's app context (and its old-key vault).
    result = contextvars.Context().run(rotated_app.test_cli_runner().invoke, args=["vault", "rotate"])
    assert result.exit_code == 0 and "Re-encrypted 1 stored secret" in result.output
    assert token.access_token not in result.output
    db.session.expire_all()
    new_cipher = db.session.get(AccountCredential, account.id).access_token_encrypted
    assert new_cipher != old_cipher
    assert Fernet(new_key.encode()).decrypt(new_cipher.encode()).decode() == token.access_token
    only_new = create_app(load_settings({**test_environ, "GATEPOST_TOKEN_KEYS": new_key}))
    with only_new.app_context():
        from scheduler.extensions import db as only_new_db

        assert current_vault().load(only_new_db.session, only_new_db.session.get(SocialAccount, account.id)) \
            .access_token == token.access_token


def test_health_warns_only_when_access_cannot_be_renewed(admin, org, emulator, db):
    from platforms import TokenSet
    from scheduler.services.accounts import health

    account = connected_x(admin, org, emulator, db)
    assert account.can_refresh and health(account)[0] == "connected"  # 2 h left, but X refreshes itself
    current_vault().store(db.session, account, TokenSet(access_token="a", expires_at=now_utc() + timedelta(days=3)))
    account.can_refresh = False  # as for a network that issues no refresh token
    assert health(account)[0] == "expiring_soon"
    account.token_expires_at = now_utc() + timedelta(days=30)
    assert health(account)[0] == "connected"


def test_disconnect_revokes_at_x(admin, org, emulator, db):
    from platforms import PlatformError

    account = connected_x(admin, org, emulator, db)
    token = current_vault().load(db.session, account)
    response = admin.post(f"/admin/accounts/{account.id}/disconnect")
    assert "X has revoked them" in admin.get(response.headers["Location"]).get_data(as_text=True)
    with pytest.raises(PlatformError) as raised:
        connector_for("x").publish(token, account.external_id, Draft(text="after disconnect"), idempotency_key="k")
    assert raised.value.kind == "auth"
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "account.disconnected"))
    assert event.details == {"revoked_at_network": True}


def test_disconnect_where_the_network_cannot_revoke_says_so(admin, org, emulator, db):
    choose = connect(admin, org, emulator, "linkedin")
    admin.post(choose.headers["Location"], {"external_id": "3000001"})
    account = db.session.scalar(sa.select(SocialAccount))
    response = admin.post(f"/admin/accounts/{account.id}/disconnect")
    assert "offers no way for Gatepost to revoke" in admin.get(response.headers["Location"]).get_data(as_text=True)


def test_admins_see_and_clear_their_notifications(admin, new_browser, org, emulator, db):
    account = connected_x(admin, org, emulator, db)
    emulator.revoke_tokens(network="x")
    with pytest.raises(AccountNeedsReconnect):
        current_vault().refresh(account.id, connector_for("x"), current_vault().load(db.session, account))
    page = admin.get("/").get_data(as_text=True)
    assert 'class="badge alert">1<' in page
    listing = admin.get("/notifications").get_data(as_text=True)
    assert "needs to be reconnected" in listing and f"/admin/accounts/{account.id}" in listing
    admin.post("/notifications/read")
    assert 'badge alert' not in admin.get("/").get_data(as_text=True)
    member = new_browser()
    member.login("member@example.org")
    assert "needs to be reconnected" not in member.get("/notifications").get_data(as_text=True)


def test_a_401_refreshes_once_and_the_call_succeeds(admin, org, emulator, db):
    account = connected_x(admin, org, emulator, db)
    before = current_vault().load(db.session, account)
    emulator.expire_tokens(network="x")  # the network expired the access token early; the refresh token lives
    connector = connector_for("x")
    result = current_vault().call_with_token(
        account.id, connector,
        lambda token: connector.publish(token, account.external_id, Draft(text="Results day"), idempotency_key="r1"))
    assert result.external_id
    assert current_vault().load(db.session, account).access_token != before.access_token
    db.session.expire_all()
    assert db.session.get(SocialAccount, account.id).status == AccountStatus.connected


def test_a_401_after_refresh_holds_the_account(admin, org, emulator, db):
    account = connected_x(admin, org, emulator, db)
    connector = connector_for("x")
    calls = []

    def always_refused(token):
        from platforms import PlatformError

        calls.append(token.access_token)
        raise PlatformError("auth", "Unauthorized", status=401)

    with pytest.raises(AccountNeedsReconnect):
        current_vault().call_with_token(account.id, connector, always_refused)
    assert len(calls) == 2 and calls[0] != calls[1]  # once, then once more with the refreshed token
    db.session.expire_all()
    assert db.session.get(SocialAccount, account.id).status == AccountStatus.needs_reconnect


def test_team_page_lists_the_accounts_granted_to_it(admin, new_browser, org, emulator, db):
    connected_x(admin, org, emulator, db)
    member = new_browser()
    member.login("member@example.org")
    assert "gatepost_uni" in member.get(f"/teams/{org['comms'].id}").get_data(as_text=True)
    outsider = new_browser()
    outsider.login("outsider@example.org")
    assert "gatepost_uni" not in outsider.get(f"/teams/{org['computing'].id}").get_data(as_text=True)
