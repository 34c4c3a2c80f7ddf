"""X OAuth 2.0 with PKCE against the emulator: the dance, its failure modes, rotating refresh."""
import dataclasses
from datetime import datetime, timedelta, timezone

import pytest

from platforms import AuthorizationFailed, Draft, PlatformError, get_platform
from platforms.emulator import connector_config

from .conftest import connect, redirect_uri_for


def test_full_dance_returns_tokens_and_the_user(make_platform, emulator):
    x = make_platform("x")
    authorization = connect(x, emulator)
    token = authorization.token
    assert token.refresh_token, "offline.access was requested, so a refresh token is issued"
    assert token.expires_at.tzinfo is timezone.utc
    assert timedelta(hours=1.9) < token.expires_at - datetime.now(timezone.utc) <= timedelta(hours=2)
    assert {"tweet.write", "offline.access", "media.write"} <= token.scopes
    [identity] = authorization.identities
    assert (identity.handle, identity.kind, identity.url) == ("@gatepost_uni", "user", "https://x.com/gatepost_uni")


def test_authorization_url_carries_state_and_s256_challenge(make_platform, emulator):
    request = make_platform("x").authorization_url(redirect_uri_for("x"))
    assert f"state={request.state}" in request.url
    assert "code_challenge_method=S256" in request.url and "code_challenge=" in request.url
    assert request.code_verifier and 43 <= len(request.code_verifier) <= 128
    _, form = emulator.consent_page(request.url)
    assert "tweet.write" in form.scopes


def _callback(x, emulator, **consent):
    request = x.authorization_url(redirect_uri_for("x"))
    return request, emulator.answer_consent(request.url, **consent)


def test_state_mismatch_is_refused(make_platform, emulator):
    x = make_platform("x")
    request, answer = _callback(x, emulator)
    with pytest.raises(AuthorizationFailed) as failure:
        x.complete_authorization(
            answer.params, redirect_uri=redirect_uri_for("x"), expected_state="someone-elses-state",
            code_verifier=request.code_verifier,
        )
    assert failure.value.reason == "state_mismatch" and failure.value.kind == "auth"


def test_denied_consent_is_refused(make_platform, emulator):
    x = make_platform("x")
    request = x.authorization_url(redirect_uri_for("x"))
    answer = emulator.answer_consent(request.url, approve=False)
    assert answer.params["error"] == "access_denied" and answer.params["state"] == request.state
    with pytest.raises(AuthorizationFailed) as failure:
        x.complete_authorization(answer.params, redirect_uri=redirect_uri_for("x"), expected_state=request.state,
                                 code_verifier=request.code_verifier)
    assert failure.value.reason == "access_denied"


def test_unregistered_redirect_uri_gets_an_error_page_not_a_redirect(make_platform, emulator):
    request = make_platform("x").authorization_url("http://evil.example/callback")
    response, form = emulator.consent_page(request.url)
    assert response.status_code == 400 and "Location" not in response.headers and form.action is None


def test_token_exchange_with_a_different_redirect_uri_fails(make_platform, emulator):
    x = make_platform("x")
    request, answer = _callback(x, emulator)
    with pytest.raises(AuthorizationFailed) as failure:
        x.complete_authorization(answer.params, redirect_uri="http://localhost:5000/accounts/callback/x",
                                 expected_state=request.state, code_verifier=request.code_verifier)
    assert failure.value.reason == "invalid_request"


def test_wrong_pkce_verifier_fails(make_platform, emulator):
    x = make_platform("x")
    request, answer = _callback(x, emulator)
    with pytest.raises(AuthorizationFailed, match="code verifier"):
        x.complete_authorization(answer.params, redirect_uri=redirect_uri_for("x"), expected_state=request.state,
                                 code_verifier="a-different-verifier-" + "v" * 30)


def test_reused_code_fails_and_revokes_what_it_issued(make_platform, emulator):
    x = make_platform("x")
    request, answer = _callback(x, emulator)
    kwargs = dict(redirect_uri=redirect_uri_for("x"), expected_state=request.state, code_verifier=request.code_verifier)
    first = x.complete_authorization(answer.params, **kwargs)
    with pytest.raises(AuthorizationFailed):
        x.complete_authorization(answer.params, **kwargs)
    with pytest.raises(PlatformError) as failure:
        x.fetch_profile(first.token)
    assert failure.value.kind == "auth"


def test_code_expires_after_thirty_seconds(make_platform, emulator):
    x = make_platform("x")
    request, answer = _callback(x, emulator)
    emulator.advance_clock(31)
    with pytest.raises(AuthorizationFailed):
        x.complete_authorization(answer.params, redirect_uri=redirect_uri_for("x"), expected_state=request.state,
                                 code_verifier=request.code_verifier)


def test_unknown_scope_is_refused(make_platform, emulator):
    x = make_platform("x")
    request = x.authorization_url(redirect_uri_for("x"), scopes=("tweet.read", "dm.everything"))
    answer = emulator.answer_consent(request.url)
    with pytest.raises(AuthorizationFailed) as failure:
        x.complete_authorization(answer.params, redirect_uri=redirect_uri_for("x"), expected_state=request.state,
                                 code_verifier=request.code_verifier)
    assert failure.value.reason == "invalid_scope"


def test_wrong_client_secret_is_refused(make_platform, emulator):
    x = make_platform("x", client_secret="not-the-secret")
    request, answer = _callback(x, emulator)
    with pytest.raises(AuthorizationFailed) as failure:
        x.complete_authorization(answer.params, redirect_uri=redirect_uri_for("x"), expected_state=request.state,
                                 code_verifier=request.code_verifier)
    assert failure.value.reason == "unauthorized_client"


def test_refresh_rotates_and_the_old_refresh_token_dies(make_platform, emulator):
    x = make_platform("x")
    seen = []
    x.on_token_refresh = lambda new, old_refresh: seen.append(old_refresh)
    original = connect(x, emulator).token
    refreshed = x.refresh(original)
    assert seen == [original.refresh_token], "the vault hears about every refresh"
    assert refreshed.refresh_token != original.refresh_token
    assert refreshed.access_token != original.access_token
    assert x.fetch_profile(refreshed).handle == "@gatepost_uni"
    with pytest.raises(AuthorizationFailed) as failure:
        x.refresh(original)  # replaying the rotated refresh token
    assert failure.value.kind == "auth"
    # Replay breaks the chain: the tokens from the legitimate refresh are revoked too.
    with pytest.raises(PlatformError) as dead:
        x.fetch_profile(refreshed)
    assert dead.value.kind == "auth"


def test_expired_token_is_refreshed_automatically_and_the_hook_sees_it(make_platform, emulator, emulator_server):
    seen = []
    x = get_platform("x", connector_config("x", emulator_server.base_url),
                     on_token_refresh=lambda new, old_refresh: seen.append((new, old_refresh)))
    token = connect(x, emulator).token
    emulator.advance_clock(7201)
    stale = dataclasses.replace(token, expires_at=datetime.now(timezone.utc) - timedelta(seconds=1))
    result = x.publish(stale, "1460000000000000001", Draft("posted after a silent refresh"), idempotency_key="auto-1")
    assert result.external_id
    [(new_token, old_refresh)] = seen
    assert old_refresh == token.refresh_token and new_token.refresh_token != token.refresh_token
    assert new_token.expires_at > datetime.now(timezone.utc)


def test_refresh_without_offline_access_asks_for_reconnect(make_platform, emulator):
    x = make_platform("x")
    request = x.authorization_url(redirect_uri_for("x"), scopes=("tweet.read", "tweet.write", "users.read"))
    answer = emulator.answer_consent(request.url)
    authorization = x.complete_authorization(answer.params, redirect_uri=redirect_uri_for("x"),
                                             expected_state=request.state, code_verifier=request.code_verifier)
    assert authorization.token.refresh_token is None
    with pytest.raises(PlatformError) as failure:
        x.refresh(authorization.token)
    assert failure.value.kind == "auth"


def test_without_a_refresh_hook_an_expired_token_is_auth_and_the_refresh_token_survives(make_platform, emulator):
    x = make_platform("x")  # no on_token_refresh: nobody could persist a rotated token
    token = connect(x, emulator).token
    stale = dataclasses.replace(token, expires_at=datetime.now(timezone.utc) - timedelta(seconds=1))
    with pytest.raises(PlatformError) as failure:
        x.publish(stale, "1460000000000000001", Draft("needs a fresh token"), idempotency_key="k")
    assert failure.value.kind == "auth"
    assert emulator.publications("x")["summary"]["arrivals"] == 0
    assert x.refresh(token).access_token  # the caller's own refresh still works: nothing was rotated behind its back
