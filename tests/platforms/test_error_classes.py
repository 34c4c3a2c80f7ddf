"""Every network answer and transport failure lands in exactly one failure class."""
import socket

import pytest

from platforms import Draft, PlatformError, TokenSet, get_platform
from platforms.emulator import connector_config

from .conftest import connect, publishing_target, redirect_uri_for

NETWORKS = ["x", "facebook", "linkedin"]


@pytest.fixture(params=NETWORKS)
def connected(request, make_platform, emulator):
    platform = make_platform(request.param)
    token, external_id = publishing_target(connect(platform, emulator))
    return platform, token, external_id


def publish_error(platform, token, external_id, text="Hello from the tests", **kwargs) -> PlatformError:
    with pytest.raises(PlatformError) as failure:
        platform.publish(token, external_id, Draft(text, **kwargs), idempotency_key="idem-1")
    return failure.value


def stored_count(emulator, network):
    return emulator.publications(network)["summary"]["stored"]


def test_expired_token_is_auth(connected, emulator):
    platform, token, external_id = connected
    emulator.expire_tokens(network=platform.name)
    error = publish_error(platform, token, external_id)
    assert error.kind == "auth" and error.status in (400, 401)
    assert token.access_token not in str(error) and token.access_token not in repr(error)


def test_revoked_token_is_auth(connected, emulator):
    platform, token, external_id = connected
    emulator.revoke_tokens(network=platform.name)
    assert publish_error(platform, token, external_id).kind == "auth"


def test_facebook_revoking_the_user_kills_page_tokens(make_platform, emulator):
    facebook = make_platform("facebook")
    token, page = publishing_target(connect(facebook, emulator))
    emulator.revoke_tokens(network="facebook", account_id="10150000000000001")
    error = publish_error(facebook, token, page)
    assert error.kind == "auth" and "session has been invalidated" in error.message


def test_rate_limited_x_uses_the_reset_header(make_platform, emulator):
    x = make_platform("x")
    token, user = publishing_target(connect(x, emulator))
    emulator.add_fault("rate_limit", network="x", endpoint="publish", count=1, reset_in_seconds=120)
    error = publish_error(x, token, user)
    assert error.kind == "rate_limited" and error.status == 429
    assert 100 <= error.retry_after_seconds <= 121
    assert x.publish(token, user, Draft("after the window"), idempotency_key="k2")


def test_rate_limited_facebook_uses_the_usage_header(make_platform, emulator):
    facebook = make_platform("facebook")
    token, page = publishing_target(connect(facebook, emulator))
    emulator.add_fault("rate_limit", network="facebook", endpoint="publish", count=1, reset_in_seconds=300, code=32)
    error = publish_error(facebook, token, page)
    assert error.kind == "rate_limited" and error.retry_after_seconds == 300


def test_rate_limited_linkedin_waits_for_the_daily_reset(make_platform, emulator):
    linkedin = make_platform("linkedin")
    token, org = publishing_target(connect(linkedin, emulator))
    emulator.add_fault("rate_limit", network="linkedin", endpoint="publish", count=1)
    error = publish_error(linkedin, token, org)
    assert error.kind == "rate_limited" and 1 <= error.retry_after_seconds <= 86400


def test_server_error_is_transient_and_one_shot(connected, emulator):
    platform, token, external_id = connected
    emulator.add_fault("server_error", network=platform.name, endpoint="publish", count=1)
    error = publish_error(platform, token, external_id)
    assert error.kind == "transient" and error.status >= 500
    assert stored_count(emulator, platform.name) == 0
    assert platform.publish(token, external_id, Draft("Hello from the tests"), idempotency_key="idem-1")


def test_connection_refused_is_transient(make_platform, emulator):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    for network in NETWORKS:
        platform = get_platform(network, connector_config(network, f"http://127.0.0.1:{closed_port}"))
        error = publish_error(platform, TokenSet("tok"), "1")
        assert error.kind == "transient", network


def test_duplicate_content_is_duplicate(connected, emulator):
    platform, token, external_id = connected
    platform.publish(token, external_id, Draft("Exactly the same words"), idempotency_key="a")
    error = publish_error(platform, token, external_id, text="Exactly the same words")
    assert error.kind == "duplicate"
    assert stored_count(emulator, platform.name) == 1


def test_injected_duplicate_matches_x_real_answer(make_platform, emulator):
    x = make_platform("x")
    token, user = publishing_target(connect(x, emulator))
    emulator.add_fault("duplicate", network="x", endpoint="publish", count=1)
    error = publish_error(x, token, user)
    assert (error.kind, error.status) == ("duplicate", 403)
    assert "duplicate content" in error.message


@pytest.mark.parametrize(
    "network, draft, expected",
    [
        ("x", Draft("a" * 300), "longer than 280"),
        ("linkedin", Draft("b" * 3001), "exceeds maximum"),
        ("facebook", Draft(""), "Missing message or attachment"),
    ],
)
def test_network_rejection_is_invalid_with_the_networks_message(make_platform, emulator, monkeypatch, network, draft, expected):
    platform = make_platform(network)
    token, external_id = publishing_target(connect(platform, emulator))
    monkeypatch.setattr(platform, "validate", lambda d: [])  # let the network be the judge
    with pytest.raises(PlatformError) as failure:
        platform.publish(token, external_id, draft, idempotency_key="k")
    assert failure.value.kind == "invalid" and expected in failure.value.message


def test_lost_answer_after_commit_is_unknown_and_the_post_exists(connected, emulator):
    platform, token, external_id = connected
    emulator.add_fault("lost_after_commit", network=platform.name, endpoint="publish", count=1, mode="drop")
    error = publish_error(platform, token, external_id)
    assert error.kind == "unknown"
    assert stored_count(emulator, platform.name) == 1, "the network stored the post although the answer was lost"


def test_answer_delayed_past_the_read_timeout_is_unknown(make_platform, emulator):
    x = make_platform("x", read_timeout=0.3)
    token, user = publishing_target(connect(x, emulator))
    emulator.add_fault("lost_after_commit", network="x", endpoint="publish", count=1, mode="delay", delay_seconds=0.8)
    assert publish_error(x, token, user).kind == "unknown"
    assert stored_count(emulator, "x") == 1


def test_slow_read_is_transient_because_nothing_was_created(make_platform, emulator):
    x = make_platform("x", read_timeout=0.3)
    token, _ = publishing_target(connect(x, emulator))
    emulator.add_fault("slow", network="x", endpoint="read", count=1, delay_seconds=0.8)
    with pytest.raises(PlatformError) as failure:
        x.fetch_profile(token)
    assert failure.value.kind == "transient"


def test_dropped_connection_on_delete_is_transient(make_platform, emulator):
    linkedin = make_platform("linkedin")
    token, org = publishing_target(connect(linkedin, emulator))
    post = linkedin.publish(token, org, Draft("to be deleted"), idempotency_key="d")
    emulator.add_fault("disconnect", network="linkedin", endpoint="delete", count=1)
    with pytest.raises(PlatformError) as failure:
        linkedin.delete(token, org, post.external_id)
    assert failure.value.kind == "transient"  # deleting again is safe
    linkedin.delete(token, org, post.external_id)


def test_missing_scope_is_auth(make_platform, emulator):
    x = make_platform("x")
    request = x.authorization_url(redirect_uri_for("x"), scopes=("tweet.read", "users.read", "offline.access"))
    answer = emulator.answer_consent(request.url)
    token = x.complete_authorization(answer.params, redirect_uri=redirect_uri_for("x"), expected_state=request.state,
                                     code_verifier=request.code_verifier).token
    assert publish_error(x, token, "1460000000000000001").kind == "auth"


def test_no_token_reaches_the_logs(make_platform, emulator, caplog):
    caplog.set_level("DEBUG")
    facebook = make_platform("facebook")
    authorization = connect(facebook, emulator)
    token, page = publishing_target(authorization)
    facebook.publish(token, page, Draft("logged"), idempotency_key="log")
    emulator.revoke_tokens(network="facebook")
    publish_error(facebook, token, page)
    secrets = {authorization.token.access_token} | {i.token.access_token for i in authorization.identities}
    platform_lines = [r.getMessage() for r in caplog.records if r.name.startswith("platforms.") and "emulator" not in r.name]
    assert platform_lines, "the connectors log what they do"
    assert not [line for line in platform_lines if any(s in line for s in secrets)]
