"""A Python client for the emulator's admin API and its consent pages (tests, benchmarks)."""
from __future__ import annotations

import re
from html.parser import HTMLParser
from urllib.parse import parse_qs, urlsplit

import requests

from ..config import PlatformConfig
from .state import DEFAULT_CONFIG

EMULATOR_PREFIXES = {"x": "/x", "facebook": "/facebook", "linkedin": "/linkedin"}
DEFAULT_API_VERSIONS = {"x": None, "facebook": "v21.0", "linkedin": "202601"}


def connector_config(
    network: str,
    base_url: str,
    *,
    client_id: str | None = None,
    client_secret: str | None = None,
    connect_timeout: float = 2.0,
    read_timeout: float = 5.0,
) -> PlatformConfig:
    """A PlatformConfig pointing the real connector at the emulator (default client if not given)."""
    default_client = next(c for c in DEFAULT_CONFIG["clients"] if c["network"] == network)
    base = base_url.rstrip("/") + EMULATOR_PREFIXES[network]
    return PlatformConfig(
        name=network,
        client_id=client_id or default_client["client_id"],
        client_secret=client_secret or default_client["client_secret"],
        auth_base=base,
        api_base=base,
        upload_base=base,
        api_version=DEFAULT_API_VERSIONS[network],
        connect_timeout=connect_timeout,
        read_timeout=read_timeout,
    )


class _ConsentForm(HTMLParser):
    def __init__(self):
        super().__init__()
        self.action = None
        self.fields: dict[str, str] = {}
        self.accounts: list[str] = []
        self.pages: list[str] = []
        self.scopes: list[str] = []
        self._in_scopes = False
        self._in_code = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.action = attrs.get("action")
        elif tag == "input" and attrs.get("type") == "hidden":
            self.fields[attrs["name"]] = attrs.get("value", "")
        elif tag == "input" and attrs.get("name") == "account":
            self.accounts.append(attrs.get("value", ""))
        elif tag == "input" and attrs.get("name") == "page":
            self.pages.append(attrs.get("value", ""))
        elif tag == "ul" and attrs.get("id") == "scopes":
            self._in_scopes = True
        elif tag == "code" and self._in_scopes:
            self._in_code = True

    def handle_endtag(self, tag):
        if tag == "ul":
            self._in_scopes = False
        if tag == "code":
            self._in_code = False

    def handle_data(self, data):
        if self._in_code:
            self.scopes.append(data.strip())


class ConsentAnswer:
    """Where the emulated network sent the browser back to, parsed."""

    def __init__(self, location: str):
        self.location = location
        self.params = {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}


class EmulatorControl:
    """Drive the emulator like a browser (consent) and like an operator (faults, tokens, clock)."""

    def __init__(self, base_url: str, session: requests.Session | None = None):
        self.base_url = base_url.rstrip("/")
        self.http = session or requests.Session()

    def _admin(self, method: str, path: str, **kwargs):
        response = self.http.request(method, f"{self.base_url}/_emulator{path}", timeout=10, **kwargs)
        response.raise_for_status()
        return response.json() if response.content else None

    # --- consent, as a browser would -------------------------------------------

    def consent_page(self, authorize_url: str) -> tuple[requests.Response, _ConsentForm]:
        response = self.http.get(authorize_url, allow_redirects=False, timeout=10)
        form = _ConsentForm()
        form.feed(response.text)
        return response, form

    def answer_consent(
        self, authorize_url: str, *, approve: bool = True, account: str | None = None, pages: list[str] | None = None
    ) -> ConsentAnswer:
        """Open the consent page, press Approve or Deny, and return the redirect back to the app."""
        response, form = self.consent_page(authorize_url)
        if response.status_code in (301, 302, 303):
            return ConsentAnswer(response.headers["Location"])
        if response.status_code != 200 or form.action is None:
            raise AssertionError(f"no consent page ({response.status_code}): {re.sub('<[^>]+>', ' ', response.text)[:200]}")
        data: dict = {**form.fields, "decision": "approve" if approve else "deny"}
        data["account"] = account or (form.accounts[0] if form.accounts else "")
        data["page"] = pages if pages is not None else form.pages
        target = f"{urlsplit(authorize_url).scheme}://{urlsplit(authorize_url).netloc}{form.action}"
        answer = self.http.post(target, data=data, allow_redirects=False, timeout=10)
        if answer.status_code not in (301, 302, 303):
            raise AssertionError(f"consent did not redirect ({answer.status_code})")
        return ConsentAnswer(answer.headers["Location"])

    # --- operator API ----------------------------------------------------------

    def add_fault(self, action: str, **rule) -> dict:
        """E.g. add_fault("rate_limit", network="x", endpoint="publish", count=1, reset_in_seconds=120)."""
        return self._admin("POST", "/faults", json={"action": action, **rule})["rules"][0]

    def set_faults(self, rules: list[dict], seed: int | None = None) -> list[dict]:
        """Replace the plan, e.g. [{"action": "server_error", "probability": 0.3}, ...] with a seed."""
        return self._admin("POST", "/faults", json={"rules": rules, "seed": seed})["rules"]

    def faults(self) -> dict:
        return self._admin("GET", "/faults")

    def clear_faults(self) -> None:
        self._admin("DELETE", "/faults")

    def expire_tokens(self, **selector) -> int:
        return self._admin("POST", "/tokens/expire", json=selector)["expired"]

    def revoke_tokens(self, **selector) -> int:
        return self._admin("POST", "/tokens/revoke", json=selector)["revoked"]

    def advance_clock(self, seconds: float) -> dict:
        return self._admin("POST", "/clock", json={"advance_seconds": seconds})

    def publications(self, network: str | None = None, account: str | None = None) -> dict:
        params = {k: v for k, v in (("network", network), ("account", account)) if v}
        return self._admin("GET", "/publications", params=params)

    def add_client(self, **client) -> dict:
        return self._admin("POST", "/clients", json=client)

    def add_account(self, network: str, account: dict) -> dict:
        return self._admin("POST", "/accounts", json={"network": network, "account": account})

    def reset(self) -> None:
        self._admin("POST", "/reset")
