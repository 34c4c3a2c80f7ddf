"""The authorisation step every network shares: validate, show consent, issue a code.

Each network passes its own quirks (scope separator, PKCE, how it reports a
denial) so the browser-facing behaviour matches the real site.
"""
from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from urllib.parse import urlencode

from flask import redirect, render_template_string, request

from .state import AuthCode, PendingConsent
from .web import current_state

CONSENT_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{{ network_title }} — authorise {{ client.name }}</title>
<style>
 body{font-family:system-ui,sans-serif;max-width:38rem;margin:3rem auto;padding:0 1rem;color:#222}
 .card{border:1px solid #ccc;border-radius:8px;padding:1.5rem}
 button{font-size:1rem;padding:.5rem 1.2rem;margin-right:.5rem;border-radius:4px;border:1px solid #888;cursor:pointer}
 button.approve{background:#1d6fdc;color:#fff;border-color:#1d6fdc}
 code{background:#f3f3f3;padding:0 .2rem}
</style></head>
<body><div class="card">
<p><strong>{{ network_title }} (emulated)</strong></p>
<h1>{{ client.name }} wants to access your account</h1>
<form method="post" action="{{ action }}">
 <input type="hidden" name="request_id" value="{{ pending.request_id }}">
 <fieldset><legend>Continue as</legend>
 {% for account in accounts %}
  <label><input type="radio" name="account" value="{{ account.id }}" {% if loop.first %}checked{% endif %}>
   {{ account.name }}{% if account.username %} (@{{ account.username }}){% endif %}</label><br>
 {% endfor %}
 </fieldset>
 <p>It will be able to:</p>
 <ul id="scopes">{% for scope in pending.scopes %}<li><code>{{ scope }}</code></li>{% endfor %}</ul>
 {% if pages_label %}
 <fieldset><legend>{{ pages_label }}</legend>
  {% for account in accounts %}{% for page in account[pages_key] or [] %}
   <label><input type="checkbox" name="page" value="{{ page.id }}" {% if choose_pages %}checked{% else %}disabled checked{% endif %}>
    {{ page.name }}{% if page.role %} — {{ page.role }}{% endif %} <small>({{ account.name }})</small></label><br>
  {% endfor %}{% endfor %}
 </fieldset>
 {% endif %}
 <p><button class="approve" type="submit" name="decision" value="approve">Approve</button>
    <button type="submit" name="decision" value="deny">Deny</button></p>
</form></div></body></html>
"""

ERROR_PAGE = """<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Authorisation error</title></head>
<body><h1>{{ network_title }}: this app can't be authorised</h1><p id="error">{{ message }}</p></body></html>"""


@dataclass
class ConsentRules:
    network: str
    title: str
    known_scopes: frozenset[str]
    scope_separator: str  # " " (X, LinkedIn) or "," (Facebook)
    requires_pkce: bool = False
    requires_state: bool = False
    requires_response_type: bool = True
    pages_key: str | None = None  # "pages" or "organizations"
    pages_label: str | None = None
    choose_pages: bool = False  # Facebook lets the user pick pages; LinkedIn does not
    denied_params: dict = field(default_factory=lambda: {"error": "access_denied"})
    invalid_scope_error: str = "invalid_scope"


def _error_page(rules: ConsentRules, message: str, status: int = 400):
    return render_template_string(ERROR_PAGE, network_title=rules.title, message=message), status


def _redirect_with(redirect_uri: str, params: dict):
    separator = "&" if "?" in redirect_uri else "?"
    return redirect(redirect_uri + separator + urlencode({k: v for k, v in params.items() if v is not None}), code=302)


def start_consent(rules: ConsentRules):
    """GET on the authorise URL: check the client and redirect URI, then show consent."""
    state = current_state()
    args = request.args
    client = state.client(rules.network, args.get("client_id"))
    if client is None:
        return _error_page(rules, "Invalid client_id: no such app.")
    redirect_uri = args.get("redirect_uri", "")
    if redirect_uri not in client.redirect_uris:
        # Never redirect to an unregistered URI: that is the open-redirect the check exists for.
        return _error_page(rules, "The redirect_uri does not match the registered value.")
    oauth_state = args.get("state")
    if rules.requires_response_type and args.get("response_type") != "code":
        return _redirect_with(redirect_uri, {"error": "unsupported_response_type", "state": oauth_state})
    if rules.requires_state and not oauth_state:
        return _redirect_with(redirect_uri, {"error": "invalid_request", "error_description": "state is required"})
    scopes = [s for s in args.get("scope", "").replace(rules.scope_separator, " ").split() if s]
    unknown = [s for s in scopes if s not in rules.known_scopes]
    if not scopes or unknown:
        return _redirect_with(
            redirect_uri,
            {
                "error": rules.invalid_scope_error,
                "error_description": f"Scope {' '.join(unknown) or '(none)'} is not authorized for your application",
                "state": oauth_state,
            },
        )
    challenge = args.get("code_challenge")
    method = args.get("code_challenge_method") or ("plain" if challenge else None)
    if rules.requires_pkce and (not challenge or method not in ("S256", "plain")):
        return _redirect_with(
            redirect_uri,
            {"error": "invalid_request", "error_description": "code_challenge is required", "state": oauth_state},
        )
    pending = PendingConsent(
        request_id=secrets.token_urlsafe(16),
        network=rules.network,
        client_id=client.client_id,
        redirect_uri=redirect_uri,
        scopes=scopes,
        state=oauth_state,
        code_challenge=challenge,
        code_challenge_method=method,
        created_at=state.now(),
    )
    with state.lock:
        state.pending[pending.request_id] = pending
    return render_template_string(
        CONSENT_PAGE,
        network_title=rules.title,
        client=client,
        pending=pending,
        action=request.path,
        accounts=list(state.accounts[rules.network].values()),
        pages_key=rules.pages_key or "pages",
        pages_label=rules.pages_label,
        choose_pages=rules.choose_pages,
    )


def finish_consent(rules: ConsentRules):
    """POST from the consent form: redirect back with a code, or with the network's denial."""
    state = current_state()
    with state.lock:
        pending = state.pending.pop(request.form.get("request_id", ""), None)
    if pending is None or pending.network != rules.network:
        return _error_page(rules, "This authorisation request has expired. Start again from the app.")
    if request.form.get("decision") != "approve":
        return _redirect_with(pending.redirect_uri, {**rules.denied_params, "state": pending.state})
    user_id = request.form.get("account") or ""
    account = state.accounts[rules.network].get(user_id)
    if account is None:
        return _error_page(rules, "Unknown account.")
    granted_pages: list[str] = []
    if rules.pages_key:
        own = [str(p["id"]) for p in account.get(rules.pages_key) or []]
        chosen = request.form.getlist("page") if rules.choose_pages else own
        granted_pages = [p for p in chosen if p in own]
    code = AuthCode(
        code=secrets.token_urlsafe(24),
        network=rules.network,
        client_id=pending.client_id,
        redirect_uri=pending.redirect_uri,
        scopes=pending.scopes,
        user_id=user_id,
        code_challenge=pending.code_challenge,
        code_challenge_method=pending.code_challenge_method,
        expires_at=state.now() + state.lifetimes[rules.network]["code"],
        granted_pages=granted_pages,
    )
    with state.lock:
        state.codes[code.code] = code
    return _redirect_with(pending.redirect_uri, {"code": code.code, "state": pending.state})


def redeem_code(network: str, code_value: str | None, client_id: str, redirect_uri: str | None) -> tuple[str, AuthCode | None]:
    """Single-use, short-lived, bound to client and redirect URI. Returns (problem, code).

    Problems: 'invalid', 'reused', 'expired', 'client', 'redirect_uri'. A reused
    code also revokes what it issued (RFC 6749 section 4.1.2).
    """
    state = current_state()
    with state.lock:
        code = state.codes.get(code_value or "")
        if code is None or code.network != network:
            return "invalid", None
        if code.used:
            for value in code.issued_tokens:
                if value in state.tokens:
                    state.tokens[value].revoked = True
            return "reused", code
        if state.now() >= code.expires_at:
            return "expired", code
        if code.client_id != client_id:
            return "client", code
        if code.redirect_uri != (redirect_uri or ""):
            return "redirect_uri", code
        code.used = True
        return "ok", code
