"""The emulator's Flask application: the three networks plus an admin/test API."""
from __future__ import annotations

import json
import os
from datetime import datetime, timezone

from flask import Blueprint, Flask, jsonify, render_template_string, request

from . import facebook, linkedin, x
from .faults import FaultPlan
from .state import DEFAULT_CONFIG, NETWORKS, EmulatorState
from .web import Emulator, current_emulator

admin = Blueprint("emulator_admin", __name__, url_prefix="/_emulator")

TIMELINE_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Platform emulator — timeline</title>
<style>
 body{font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#222}
 .post{border-left:4px solid #1d6fdc;padding:.3rem .8rem;margin:.6rem 0;background:#f7f9fc}
 .deleted{opacity:.5;text-decoration:line-through}
 .meta{color:#666;font-size:.85rem}
 .warn{color:#b00020}
</style></head><body>
<h1>Platform emulator</h1>
<p class="meta">{{ summary.stored }} stored, {{ summary.deleted }} deleted, {{ summary.arrivals }} publish requests;
 duplicate posts by idempotency key: {{ summary.duplicate_posts_by_idempotency_key }},
 by content: {{ summary.duplicate_posts_by_content }}. <a href="{{ url_for('emulator_admin.publications') }}">JSON</a></p>
{% for (network, account), posts in groups %}
 <section><h2>{{ network }} — {{ account }}</h2>
 {% for p in posts %}
  <div class="post{% if p.deleted %} deleted{% endif %}">
   <div>{{ p.rendered_text }}{% if p.link %} <a href="{{ p.link }}">{{ p.link }}</a>{% endif %}</div>
   <div class="meta">{{ p.id }} · {{ p.when }}{% if p.media %} · {{ p.media|length }} image(s){% endif %}
    {% if p.idempotency_key %} · key {{ p.idempotency_key }} ({{ p.arrivals_same_key }} arrivals){% endif %}
    {% if p.stored_same_content > 1 %} <span class="warn">· stored {{ p.stored_same_content }} times</span>{% endif %}
    {% if p.rendered_text != p.text %} <span class="warn">· text altered by the network</span>{% endif %}</div>
  </div>
 {% endfor %}</section>
{% else %}<p>Nothing published yet.</p>{% endfor %}
</body></html>
"""


def _body() -> dict:
    body = request.get_json(silent=True)
    return body if isinstance(body, dict) else {}


@admin.get("/")
def timeline():
    state = current_emulator().state
    rows = state.list_publications(request.args.get("network"), request.args.get("account"))
    groups: dict = {}
    for row in reversed(rows):
        row["when"] = datetime.fromtimestamp(row["created_at"], timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC")
        groups.setdefault((row["network"], row["account_id"]), []).append(row)
    return render_template_string(TIMELINE_PAGE, groups=sorted(groups.items()), summary=state.publication_summary())


@admin.get("/publications")
def publications():
    state = current_emulator().state
    return jsonify({
        "publications": state.list_publications(request.args.get("network"), request.args.get("account")),
        "summary": state.publication_summary(),
    })


@admin.get("/faults")
def list_faults():
    return jsonify(current_emulator().faults.describe())


@admin.post("/faults")
def add_faults():
    """One rule object, or {"rules": [...], "seed": N} to replace the whole plan."""
    body = _body()
    plan = current_emulator().faults
    try:
        if "rules" in body:
            rules = plan.replace(body["rules"], seed=body.get("seed"))
        else:
            rules = [plan.add(**body)]
    except (TypeError, ValueError) as exc:
        return jsonify({"error": str(exc)}), 400
    return jsonify({"rules": [r.as_dict() for r in rules]}), 201


@admin.delete("/faults")
def clear_faults():
    current_emulator().faults.clear()
    return "", 204


def _token_selector() -> dict:
    body = _body()
    selector = {k: body.get(k) for k in ("network", "account_id", "access_token")}
    if not any(selector.values()):
        raise ValueError("give network, account_id or access_token")
    return selector


@admin.post("/tokens/expire")
def expire_tokens():
    try:
        count = current_emulator().state.expire_tokens(**_token_selector(), include_refresh=bool(_body().get("include_refresh")))
    except ValueError as exc:
        return jsonify({"error": str(exc)}), 400
    return jsonify({"expired": count})


@admin.post("/tokens/revoke")
def revoke_tokens():
    try:
        count = current_emulator().state.revoke_tokens(**_token_selector())
    except ValueError as exc:
        return jsonify({"error": str(exc)}), 400
    return jsonify({"revoked": count})


@admin.route("/clock", methods=["GET", "POST"])
def clock():
    state = current_emulator().state
    if request.method == "POST":
        state.advance_clock(float(_body().get("advance_seconds", 0)))
    return jsonify({"now": state.now(), "offset_seconds": state.clock_offset})


@admin.post("/clients")
def add_client():
    try:
        client = current_emulator().state.add_client(_body())
    except (KeyError, ValueError) as exc:
        return jsonify({"error": f"bad client: {exc}"}), 400
    return jsonify({"network": client.network, "client_id": client.client_id, "redirect_uris": client.redirect_uris}), 201


@admin.post("/accounts")
def add_account():
    body = _body()
    try:
        account = current_emulator().state.add_account(body.get("network", ""), body.get("account") or {})
    except (KeyError, ValueError) as exc:
        return jsonify({"error": f"bad account: {exc}"}), 400
    return jsonify(account), 201


@admin.post("/reset")
def reset():
    emulator = current_emulator()
    emulator.state.reset()
    emulator.faults.clear()
    return "", 204


@admin.get("/health")
def health():
    return jsonify({"ok": True, "networks": list(NETWORKS)})


def _config_from_environment() -> dict:
    """GATEPOST_EMULATOR_CONFIG names a JSON file; GATEPOST_EMULATOR_REDIRECT_URIS adds URIs to every client."""
    path = os.environ.get("GATEPOST_EMULATOR_CONFIG")
    if path:
        with open(path, encoding="utf-8") as handle:
            config = json.load(handle)
    else:
        config = json.loads(json.dumps(DEFAULT_CONFIG))
    extra = [u.strip() for u in os.environ.get("GATEPOST_EMULATOR_REDIRECT_URIS", "").split(",") if u.strip()]
    for client in config.get("clients") or []:
        client.setdefault("redirect_uris", []).extend(extra)
    return config


def create_app(config: dict | None = None) -> Flask:
    """The emulator app. ``config``: {"clients": [...], "accounts": {...}, "lifetimes": {...},
    "enforce_rate_limits": bool, "faults": {"rules": [...], "seed": N}}; None reads the environment."""
    config = config if config is not None else _config_from_environment()
    app = Flask(__name__)
    app.json.sort_keys = False  # keep each network's field order
    faults = FaultPlan(seed=(config.get("faults") or {}).get("seed"))
    for rule in (config.get("faults") or {}).get("rules") or []:
        faults.add(**rule)
    app.extensions["gatepost_emulator"] = Emulator(state=EmulatorState(config), faults=faults)
    app.register_blueprint(x.bp)
    app.register_blueprint(facebook.bp)
    app.register_blueprint(linkedin.bp)
    app.register_blueprint(admin)

    @app.get("/")
    def index():
        return timeline()

    return app
