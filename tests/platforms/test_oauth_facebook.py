"""Facebook Login for Pages: code -> short-lived -> long-lived user token -> page tokens."""
from datetime import datetime, timedelta, timezone

import pytest

from platforms import AuthorizationFailed, Draft, PlatformError

from .conftest import connect, redirect_uri_for

UNIVERSITY_PAGE = "200000000000001"
LIBRARY_PAGE = "200000000000002"


def test_one_consent_connects_every_granted_page_with_its_own_token(make_platform, emulator):
    facebook = make_platform("facebook")
    authorization = connect(facebook, emulator)
    user_token = authorization.token
    # The stored user token is the long-lived one (~60 days), not the 1-hour one.
    assert user_token.expires_at - datetime.now(timezone.utc) > timedelta(days=59)
    assert [i.external_id for i in authorization.identities] == [UNIVERSITY_PAGE, LIBRARY_PAGE]
    tokens = [i.token for i in authorization.identities]
    assert all(t is not None and t.expires_at is None for t in tokens), "page tokens from a long-lived token never expire"
    assert len({t.access_token for t in tokens} | {user_token.access_token}) == 3
    assert authorization.identities[1].handle == "@gatepostlibrary"


def test_admin_can_choose_which_pages_to_grant(make_platform, emulator):
    facebook = make_platform("facebook")
    authorization = connect(facebook, emulator, pages=[LIBRARY_PAGE])
    assert [i.external_id for i in authorization.identities] == [LIBRARY_PAGE]


def test_consent_page_lists_scopes_and_pages(make_platform, emulator):
    request = make_platform("facebook").authorization_url(redirect_uri_for("facebook"))
    response, form = emulator.consent_page(request.url)
    assert response.status_code == 200
    assert "Approve" in response.text and "Deny" in response.text
    assert "pages_manage_posts" in form.scopes
    assert form.pages == [UNIVERSITY_PAGE, LIBRARY_PAGE]
    assert "Gatepost Library" in response.text


def test_page_token_outlives_the_short_lived_user_token(make_platform, emulator):
    facebook = make_platform("facebook")
    authorization = connect(facebook, emulator)
    emulator.advance_clock(3 * 3600)
    page = authorization.identities[0]
    assert facebook.publish(page.token, page.external_id, Draft("still here"), idempotency_key="k").external_id
    emulator.advance_clock(61 * 24 * 3600)
    with pytest.raises(PlatformError) as failure:
        facebook.list_pages(authorization.token)  # the long-lived user token is now past its 60 days
    assert failure.value.kind == "auth"
    assert facebook.publish(page.token, page.external_id, Draft("page token still valid"), idempotency_key="k2")


def test_denied_consent_is_refused(make_platform, emulator):
    facebook = make_platform("facebook")
    request = facebook.authorization_url(redirect_uri_for("facebook"))
    answer = emulator.answer_consent(request.url, approve=False)
    assert answer.params["error_reason"] == "user_denied"
    with pytest.raises(AuthorizationFailed) as failure:
        facebook.complete_authorization(answer.params, redirect_uri=redirect_uri_for("facebook"),
                                        expected_state=request.state)
    assert failure.value.reason == "access_denied"


def test_state_mismatch_is_refused(make_platform, emulator):
    facebook = make_platform("facebook")
    request = facebook.authorization_url(redirect_uri_for("facebook"))
    answer = emulator.answer_consent(request.url)
    with pytest.raises(AuthorizationFailed, match="state"):
        facebook.complete_authorization(answer.params, redirect_uri=redirect_uri_for("facebook"), expected_state="forged")


def test_reused_code_and_wrong_redirect_uri_fail_with_graph_messages(make_platform, emulator):
    facebook = make_platform("facebook")
    request = facebook.authorization_url(redirect_uri_for("facebook"))
    answer = emulator.answer_consent(request.url)
    with pytest.raises(AuthorizationFailed, match="redirect_uri is identical"):
        facebook.complete_authorization(answer.params, redirect_uri="http://localhost:5000/accounts/callback/facebook",
                                        expected_state=request.state)
    request = facebook.authorization_url(redirect_uri_for("facebook"))
    answer = emulator.answer_consent(request.url)
    facebook.complete_authorization(answer.params, redirect_uri=redirect_uri_for("facebook"), expected_state=request.state)
    with pytest.raises(AuthorizationFailed, match="has been used"):
        facebook.complete_authorization(answer.params, redirect_uri=redirect_uri_for("facebook"),
                                        expected_state=request.state)


def test_wrong_app_secret_is_refused(make_platform, emulator):
    facebook = make_platform("facebook", client_secret="wrong")
    request = facebook.authorization_url(redirect_uri_for("facebook"))
    answer = emulator.answer_consent(request.url)
    with pytest.raises(AuthorizationFailed, match="client secret"):
        facebook.complete_authorization(answer.params, redirect_uri=redirect_uri_for("facebook"),
                                        expected_state=request.state)


def test_there_is_no_refresh_grant(make_platform, emulator):
    facebook = make_platform("facebook")
    authorization = connect(facebook, emulator)
    with pytest.raises(PlatformError) as failure:
        facebook.refresh(authorization.token)
    assert failure.value.kind == "auth"


def test_fetch_profile_of_a_page(make_platform, emulator):
    facebook = make_platform("facebook")
    page = connect(facebook, emulator).identities[0]
    profile = facebook.fetch_profile(page.token, page.external_id)
    assert (profile.external_id, profile.name, profile.kind) == (UNIVERSITY_PAGE, "Gatepost University", "page")
