"""Raw-HTTP checks that the emulator answers the way the real networks do."""
import time

import pytest
import requests

from platforms import Draft, Image, PlatformError, get_platform
from platforms.emulator import DEFAULT_CONFIG, EmulatorControl, EmulatorServer, connector_config

from .conftest import connect, publishing_target

GIF_BYTES = b"GIF89a" + b"\x00" * 64


def test_x_confidential_client_must_use_basic_auth(emulator, emulator_server):
    response = requests.post(
        f"{emulator_server.base_url}/x/2/oauth2/token",
        data={"grant_type": "authorization_code", "code": "c", "client_id": "gatepost-x-client", "code_verifier": "v"},
        timeout=5,
    )
    assert response.status_code == 401 and response.json()["error"] == "unauthorized_client"


def test_x_authorize_without_pkce_is_refused(emulator, emulator_server):
    response = requests.get(
        f"{emulator_server.base_url}/x/i/oauth2/authorize",
        params={"response_type": "code", "client_id": "gatepost-x-client", "state": "s", "scope": "tweet.read",
                "redirect_uri": "http://127.0.0.1:5000/accounts/callback/x"},
        allow_redirects=False, timeout=5,
    )
    assert response.status_code == 302 and "error=invalid_request" in response.headers["Location"]


def test_x_sends_rate_limit_headers_and_problem_json(make_platform, emulator, emulator_server):
    x = make_platform("x")
    token, _ = publishing_target(connect(x, emulator))
    headers = {"Authorization": f"Bearer {token.access_token}"}
    ok = requests.post(f"{emulator_server.base_url}/x/2/tweets", json={"text": "hi"}, headers=headers, timeout=5)
    assert ok.status_code == 201 and ok.json()["data"]["text"] == "hi"
    assert int(ok.headers["x-rate-limit-remaining"]) == 199 and int(ok.headers["x-rate-limit-reset"]) > time.time()
    denied = requests.post(f"{emulator_server.base_url}/x/2/tweets", json={"text": "hi"},
                           headers={"Authorization": "Bearer nonsense"}, timeout=5)
    assert denied.status_code == 401
    assert denied.json() == {"title": "Unauthorized", "detail": "Unauthorized", "type": "about:blank", "status": 401}


def test_x_delete_answers_deleted_true(make_platform, emulator, emulator_server):
    x = make_platform("x")
    token, user = publishing_target(connect(x, emulator))
    post = x.publish(token, user, Draft("short-lived"), idempotency_key="d")
    response = requests.delete(f"{emulator_server.base_url}/x/2/tweets/{post.external_id}",
                               headers={"Authorization": f"Bearer {token.access_token}"}, timeout=5)
    assert response.json() == {"data": {"deleted": True}}


def test_facebook_expired_token_uses_code_190_subcode_463(make_platform, emulator, emulator_server):
    facebook = make_platform("facebook")
    token, page = publishing_target(connect(facebook, emulator))
    emulator.expire_tokens(network="facebook")
    response = requests.post(f"{emulator_server.base_url}/facebook/v21.0/{page}/feed", json={"message": "m"},
                             headers={"Authorization": f"Bearer {token.access_token}"}, timeout=5)
    error = response.json()["error"]
    assert (error["code"], error["error_subcode"], error["type"]) == (190, 463, "OAuthException")
    assert "fbtrace_id" in error


def test_facebook_user_token_cannot_post_as_the_page(make_platform, emulator):
    facebook = make_platform("facebook")
    authorization = connect(facebook, emulator)
    with pytest.raises(PlatformError) as failure:
        facebook.publish(authorization.token, authorization.identities[0].external_id, Draft("as user"),
                         idempotency_key="u")
    assert failure.value.kind == "auth" and "pages_manage_posts" in failure.value.message


def test_linkedin_post_answer_is_201_with_the_urn_header_and_delete_is_204(make_platform, emulator, emulator_server):
    linkedin = make_platform("linkedin")
    token, org = publishing_target(connect(linkedin, emulator))
    post = linkedin.publish(token, org, Draft("urn please"), idempotency_key="u")
    assert post.external_id.startswith("urn:li:share:")
    assert post.url == f"https://www.linkedin.com/feed/update/{post.external_id}"
    response = requests.delete(
        f"{emulator_server.base_url}/linkedin/rest/posts/{requests.utils.quote(post.external_id, safe='')}",
        headers={"Authorization": f"Bearer {token.access_token}", "LinkedIn-Version": "202601",
                 "X-Restli-Protocol-Version": "2.0.0"}, timeout=5,
    )
    assert response.status_code == 204


def test_linkedin_revoked_token_uses_service_error_code(make_platform, emulator, emulator_server):
    token, _ = publishing_target(connect(make_platform("linkedin"), emulator))
    emulator.revoke_tokens(network="linkedin")
    response = requests.get(f"{emulator_server.base_url}/linkedin/rest/organizations/3000001",
                            headers={"Authorization": f"Bearer {token.access_token}", "LinkedIn-Version": "202601",
                                     "X-Restli-Protocol-Version": "2.0.0"}, timeout=5)
    assert response.status_code == 401 and response.json()["serviceErrorCode"] == 65601


def test_linkedin_ghost_duplicate_after_delete(make_platform, emulator):
    linkedin = make_platform("linkedin")
    token, org = publishing_target(connect(linkedin, emulator))
    post = linkedin.publish(token, org, Draft("said once"), idempotency_key="g1")
    linkedin.delete(token, org, post.external_id)
    with pytest.raises(PlatformError) as failure:
        linkedin.publish(token, org, Draft("said once"), idempotency_key="g2")
    assert failure.value.kind == "duplicate" and post.external_id in failure.value.message


def test_x_gif_is_polled_until_processed_before_posting(make_platform, emulator):
    x = make_platform("x")
    token, user = publishing_target(connect(x, emulator))
    gif = Image(GIF_BYTES, "image/gif", "moving.gif")
    assert x.publish(token, user, Draft("animated", images=(gif,)), idempotency_key="gif").external_id


def test_x_natural_rate_limit_when_enforced():
    config = {**DEFAULT_CONFIG, "enforce_rate_limits": True, "x_posts_per_window": 3}
    with EmulatorServer(config) as server:
        control = EmulatorControl(server.base_url)
        x = get_platform("x", connector_config("x", server.base_url))
        token, user = publishing_target(connect(x, control))
        for n in range(3):
            x.publish(token, user, Draft(f"allowed {n}"), idempotency_key=f"n{n}")
        with pytest.raises(PlatformError) as failure:
            x.publish(token, user, Draft("one too many"), idempotency_key="n3")
        assert failure.value.kind == "rate_limited" and 0 < failure.value.retry_after_seconds <= 900
