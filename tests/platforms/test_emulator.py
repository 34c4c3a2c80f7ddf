"""The emulator itself: fault plans, concurrency, pages, admin API, standalone factory."""
import pathlib
import subprocess
import sys
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import requests

from platforms import Draft, PlatformError
from platforms.emulator import create_app
from platforms.emulator.faults import FaultPlan

from .conftest import connect, publishing_target


def test_probabilistic_plan_is_reproducible_and_keeps_its_proportions():
    def outcomes(seed):
        plan = FaultPlan()
        plan.replace(
            [
                {"action": "server_error", "probability": 0.30},
                {"action": "rate_limit", "probability": 0.10},
                {"action": "lost_after_commit", "probability": 0.05},
            ],
            seed=seed,
        )
        return [getattr(plan.draw("x", "publish"), "action", "ok") for _ in range(4000)]

    first = outcomes(42)
    assert first == outcomes(42)
    assert first != outcomes(43)
    counts = Counter(first)
    assert 0.27 < counts["server_error"] / 4000 < 0.33
    assert 0.08 < counts["rate_limit"] / 4000 < 0.12
    assert 0.035 < counts["lost_after_commit"] / 4000 < 0.065


def test_count_limited_rule_fires_exactly_count_times():
    plan = FaultPlan()
    rule = plan.add(action="server_error", network="linkedin", endpoint="publish", count=2)
    assert plan.draw("x", "publish") is None
    assert plan.draw("linkedin", "read") is None
    assert [plan.draw("linkedin", "publish") for _ in range(3)] == [rule, rule, None]
    assert plan.describe()["rules"][0]["remaining"] == 0


def test_fault_api_rejects_unknown_actions(emulator, emulator_server):
    response = requests.post(f"{emulator_server.base_url}/_emulator/faults", json={"action": "explode"}, timeout=5)
    assert response.status_code == 400 and "unknown fault action" in response.json()["error"]


def test_mixed_fault_plan_over_http_classifies_every_outcome(make_platform, emulator):
    x = make_platform("x")
    token, user = publishing_target(connect(x, emulator))
    emulator.set_faults(
        [
            {"action": "server_error", "network": "x", "endpoint": "publish", "probability": 0.3},
            {"action": "rate_limit", "network": "x", "endpoint": "publish", "probability": 0.1},
            {"action": "lost_after_commit", "network": "x", "endpoint": "publish", "probability": 0.05},
        ],
        seed=7,
    )
    kinds = Counter()
    for n in range(120):
        try:
            x.publish(token, user, Draft(f"post number {n}"), idempotency_key=f"k{n}")
            kinds["ok"] += 1
        except PlatformError as error:
            kinds[error.kind] += 1
    assert set(kinds) == {"ok", "transient", "rate_limited", "unknown"}
    summary = emulator.publications("x")["summary"]
    assert summary["stored"] == kinds["ok"] + kinds["unknown"]
    assert summary["arrivals"] == kinds["ok"] + kinds["unknown"]  # 5xx and 429 were answered before the handler


def test_concurrent_publishes_are_all_stored_once(make_platform, emulator):
    x = make_platform("x")
    token, user = publishing_target(connect(x, emulator))

    def publish(n):
        return x.publish(token, user, Draft(f"parallel post {n}"), idempotency_key=f"p{n}").external_id

    with ThreadPoolExecutor(max_workers=8) as pool:
        ids = list(pool.map(publish, range(200)))
    assert len(set(ids)) == 200
    summary = emulator.publications("x")["summary"]
    assert summary["stored"] == 200 and summary["duplicate_posts_by_idempotency_key"] == 0


def test_publications_count_repeated_idempotency_keys(make_platform, emulator):
    facebook = make_platform("facebook")
    token, page = publishing_target(connect(facebook, emulator))
    facebook.publish(token, page, Draft("first try"), idempotency_key="same-key")
    facebook.publish(token, page, Draft("second try, same key"), idempotency_key="same-key")
    data = emulator.publications("facebook")
    assert [row["arrivals_same_key"] for row in data["publications"]] == [2, 2]
    assert data["summary"]["duplicate_posts_by_idempotency_key"] == 1


def test_timeline_page_shows_posts_per_account(make_platform, emulator, emulator_server):
    linkedin = make_platform("linkedin")
    token, org = publishing_target(connect(linkedin, emulator))
    linkedin.publish(token, org, Draft("Seen on the timeline <b>"), idempotency_key="t")
    page = requests.get(f"{emulator_server.base_url}/_emulator/", timeout=5)
    assert page.status_code == 200 and "text/html" in page.headers["Content-Type"]
    assert "linkedin — urn:li:organization:3000001" in page.text
    assert "Seen on the timeline &lt;b&gt;" in page.text  # escaped, not injected


def test_accounts_and_clients_can_be_added_through_the_test_api(make_platform, emulator, emulator_server):
    emulator.add_account("x", {"id": "42", "username": "second_account", "name": "Second"})
    x = make_platform("x")
    authorization = connect(x, emulator, account="42")
    assert authorization.identities[0].handle == "@second_account"
    emulator.add_client(network="x", client_id="other-app", client_secret="s", redirect_uris=["http://127.0.0.1:9/cb"])
    other = make_platform("x", client_id="other-app", client_secret="s")
    request = other.authorization_url("http://127.0.0.1:9/cb")
    answer = emulator.answer_consent(request.url)
    assert other.complete_authorization(answer.params, redirect_uri="http://127.0.0.1:9/cb",
                                        expected_state=request.state, code_verifier=request.code_verifier).token


def test_create_app_factory_accepts_a_config_dict():
    app = create_app({
        "clients": [{"network": "linkedin", "client_id": "c", "client_secret": "s", "redirect_uris": ["http://a/cb"]}],
        "accounts": {"linkedin": [{"id": "m", "name": "M", "organizations": []}]},
        "faults": {"rules": [{"action": "server_error", "network": "linkedin", "endpoint": "authorize"}]},
    })
    client = app.test_client()
    assert client.get("/_emulator/health").json["ok"] is True
    response = client.get("/linkedin/oauth/v2/authorization?response_type=code&client_id=c&redirect_uri=http://a/cb&scope=openid")
    assert response.status_code == 500  # the configured fault


def test_module_entry_point_has_a_cli():
    result = subprocess.run([sys.executable, "-m", "platforms.emulator", "--help"], capture_output=True, text=True,
                            check=True, cwd=str(pathlib.Path(__file__).parents[2]))
    assert "--port" in result.stdout
