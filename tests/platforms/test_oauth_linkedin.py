"""LinkedIn OAuth and organisation discovery against the emulator."""
import pytest
import requests

from platforms import AuthorizationFailed, PlatformError

from .conftest import connect, redirect_uri_for


def test_dance_lists_only_organisations_the_member_may_post_to(make_platform, emulator):
    linkedin = make_platform("linkedin")
    authorization = connect(linkedin, emulator)
    assert [i.external_id for i in authorization.identities] == ["3000001", "3000002"]  # not the ANALYST one
    assert authorization.identities[0].name == "Gatepost University"
    assert authorization.identities[0].url == "https://www.linkedin.com/company/gatepost-university"
    assert authorization.token.refresh_token, "the emulated app is an approved partner with refresh tokens"
    assert "w_organization_social" in authorization.token.scopes


def test_consent_page_lists_the_organisations(make_platform, emulator):
    request = make_platform("linkedin").authorization_url(redirect_uri_for("linkedin"))
    response, form = emulator.consent_page(request.url)
    assert "Gatepost Alumni" in response.text and "w_organization_social" in form.scopes


def test_cancelled_consent_uses_linkedins_error(make_platform, emulator):
    linkedin = make_platform("linkedin")
    request = linkedin.authorization_url(redirect_uri_for("linkedin"))
    answer = emulator.answer_consent(request.url, approve=False)
    with pytest.raises(AuthorizationFailed) as failure:
        linkedin.complete_authorization(answer.params, redirect_uri=redirect_uri_for("linkedin"), expected_state=request.state)
    assert failure.value.reason == "user_cancelled_authorize"


def test_unauthorised_scope_is_refused(make_platform, emulator):
    linkedin = make_platform("linkedin")
    request = linkedin.authorization_url(redirect_uri_for("linkedin"), scopes=("w_organization_social", "r_everything"))
    answer = emulator.answer_consent(request.url)
    with pytest.raises(AuthorizationFailed) as failure:
        linkedin.complete_authorization(answer.params, redirect_uri=redirect_uri_for("linkedin"), expected_state=request.state)
    assert failure.value.reason == "unauthorized_scope_error"


def test_reused_code_and_wrong_redirect_uri_fail(make_platform, emulator):
    linkedin = make_platform("linkedin")
    request = linkedin.authorization_url(redirect_uri_for("linkedin"))
    answer = emulator.answer_consent(request.url)
    with pytest.raises(AuthorizationFailed, match="redirect uri"):
        linkedin.complete_authorization(answer.params, redirect_uri="http://localhost:5000/accounts/callback/linkedin",
                                        expected_state=request.state)
    linkedin.complete_authorization(answer.params, redirect_uri=redirect_uri_for("linkedin"), expected_state=request.state)
    with pytest.raises(AuthorizationFailed, match="authorization code"):
        linkedin.complete_authorization(answer.params, redirect_uri=redirect_uri_for("linkedin"), expected_state=request.state)


def test_refresh_keeps_the_refresh_token_and_its_fixed_lifetime(make_platform, emulator):
    linkedin = make_platform("linkedin")
    token = connect(linkedin, emulator).token
    refreshed = linkedin.refresh(token)
    assert refreshed.refresh_token == token.refresh_token and refreshed.access_token != token.access_token
    emulator.advance_clock(366 * 24 * 3600)  # past the refresh token's 365 days, however often it was used
    with pytest.raises(AuthorizationFailed) as failure:
        linkedin.refresh(refreshed)
    assert failure.value.reason == "invalid_grant"


def test_rest_calls_without_the_version_header_are_rejected(make_platform, emulator, emulator_server):
    token = connect(make_platform("linkedin"), emulator).token
    response = requests.get(
        f"{emulator_server.base_url}/linkedin/rest/organizations/3000001",
        headers={"Authorization": f"Bearer {token.access_token}"}, timeout=5,
    )
    assert response.status_code == 400 and response.json()["code"] == "VERSION_MISSING"


def test_fetch_profile_of_an_organisation(make_platform, emulator):
    linkedin = make_platform("linkedin")
    token = connect(linkedin, emulator).token
    assert linkedin.fetch_profile(token, "3000002").handle == "gatepost-alumni"
    with pytest.raises(PlatformError):
        linkedin.fetch_profile(token, "9999999")
