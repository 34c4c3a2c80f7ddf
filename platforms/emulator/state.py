"""In-memory state of the emulated networks: client apps, accounts, codes, tokens, posts.

Everything is guarded by one lock: handlers are short, and a single lock keeps
single-use codes and rotating refresh tokens truly single-use under a
threaded server.
"""
from __future__ import annotations

import copy
import hashlib
import itertools
import secrets
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

NETWORKS = ("x", "facebook", "linkedin")

# Seconds. Real values from the API reference; every one is overridable in config.
DEFAULT_LIFETIMES = {
    "x": {"code": 30, "access": 7200, "refresh": None},
    "facebook": {"code": 600, "access": 3600, "long_lived": 5183944},
    "linkedin": {"code": 1800, "access": 5184000, "refresh": 31536000},
}

DEFAULT_CONFIG: dict[str, Any] = {
    # Fake credentials for a fake server: they protect nothing real.
    "clients": [
        {
            "network": "x",
            "client_id": "gatepost-x-client",
            "client_secret": "emulator-x-secret",
            "confidential": True,
            "redirect_uris": ["http://127.0.0.1:5000/accounts/callback/x", "http://localhost:5000/accounts/callback/x"],
        },
        {
            "network": "facebook",
            "client_id": "100000000000001",
            "client_secret": "emulator-facebook-secret",
            "redirect_uris": [
                "http://127.0.0.1:5000/accounts/callback/facebook",
                "http://localhost:5000/accounts/callback/facebook",
            ],
        },
        {
            "network": "linkedin",
            "client_id": "gatepost-linkedin-client",
            "client_secret": "emulator-linkedin-secret",
            # Programmatic refresh tokens exist only for approved partner apps.
            "refresh_tokens": True,
            "redirect_uris": [
                "http://127.0.0.1:5000/accounts/callback/linkedin",
                "http://localhost:5000/accounts/callback/linkedin",
            ],
        },
    ],
    "accounts": {
        "x": [{"id": "1460000000000000001", "username": "gatepost_uni", "name": "Gatepost University"}],
        "facebook": [
            {
                "id": "10150000000000001",
                "name": "Alex Admin",
                "pages": [
                    {"id": "200000000000001", "name": "Gatepost University", "username": "gatepostuni"},
                    {"id": "200000000000002", "name": "Gatepost Library", "username": "gatepostlibrary"},
                ],
            }
        ],
        "linkedin": [
            {
                "id": "AbCdEf123",
                "name": "Alex Admin",
                "organizations": [
                    {"id": "3000001", "name": "Gatepost University", "vanity": "gatepost-university", "role": "ADMINISTRATOR"},
                    {"id": "3000002", "name": "Gatepost Alumni", "vanity": "gatepost-alumni", "role": "ADMINISTRATOR"},
                    {"id": "3000003", "name": "Gatepost Sports", "vanity": "gatepost-sports", "role": "ANALYST"},
                ],
            }
        ],
    },
    "lifetimes": {},
    # Natural per-user publish limits (X: 200 / 15 min). Off by default so
    # benchmarks can push thousands of posts; headers are always sent.
    "enforce_rate_limits": False,
    "x_posts_per_window": 200,
    # Seconds an animated GIF stays "in_progress" after FINALIZE (X's processing_info).
    "x_gif_processing_seconds": 1,
}


@dataclass
class ClientApp:
    network: str
    client_id: str
    client_secret: str
    redirect_uris: list[str]
    confidential: bool = True
    refresh_tokens: bool = False
    name: str = "Gatepost"


@dataclass
class PendingConsent:
    request_id: str
    network: str
    client_id: str
    redirect_uri: str
    scopes: list[str]
    state: str | None
    code_challenge: str | None
    code_challenge_method: str | None
    created_at: float


@dataclass
class AuthCode:
    code: str
    network: str
    client_id: str
    redirect_uri: str
    scopes: list[str]
    user_id: str
    code_challenge: str | None
    code_challenge_method: str | None
    expires_at: float
    granted_pages: list[str] = field(default_factory=list)
    used: bool = False
    issued_tokens: list[str] = field(default_factory=list)


@dataclass
class Token:
    value: str
    network: str
    client_id: str
    user_id: str
    scopes: list[str]
    expires_at: float | None
    kind: str = "user"  # user | long_lived_user | page | refresh
    page_id: str | None = None
    granted_pages: list[str] = field(default_factory=list)
    revoked: bool = False
    used: bool = False  # refresh tokens are single-use where the network rotates them
    family: str = ""  # tokens from one consent; X revokes the family on refresh reuse
    refresh_expires_at: float | None = None  # LinkedIn: fixed at first issue, never extended


@dataclass
class Publication:
    network: str
    account_id: str
    post_id: str
    text: str
    rendered_text: str
    link: str | None
    media: list[str]
    idempotency_key: str | None
    content_hash: str
    created_at: float
    deleted: bool = False


class EmulatorState:
    def __init__(self, config: dict | None = None):
        self.lock = threading.RLock()
        self._initial_config = copy.deepcopy(config or DEFAULT_CONFIG)
        self.reset()

    # --- setup -----------------------------------------------------------------

    def reset(self) -> None:
        """Back to the configuration given at start: no tokens, posts or clock offset."""
        with self.lock:
            config = copy.deepcopy(self._initial_config)
            self.clock_offset = 0.0
            self.clients: dict[tuple[str, str], ClientApp] = {}
            self.accounts: dict[str, dict[str, dict]] = {n: {} for n in NETWORKS}
            self.lifetimes = copy.deepcopy(DEFAULT_LIFETIMES)
            for network, overrides in (config.get("lifetimes") or {}).items():
                self.lifetimes.setdefault(network, {}).update(overrides)
            self.enforce_rate_limits = bool(config.get("enforce_rate_limits", False))
            self.x_posts_per_window = int(config.get("x_posts_per_window", 200))
            self.x_gif_processing_seconds = float(config.get("x_gif_processing_seconds", 1))
            self.pending: dict[str, PendingConsent] = {}
            self.codes: dict[str, AuthCode] = {}
            self.tokens: dict[str, Token] = {}
            self.publications: dict[tuple[str, str], Publication] = {}
            self.publication_order: list[tuple[str, str]] = []
            # content hash -> publication keys, so duplicate checks stay O(1) at benchmark volumes
            self.by_content: dict[str, list[tuple[str, str]]] = {}
            self.media: dict[tuple[str, str], dict] = {}
            self.arrivals_by_key: Counter = Counter()
            self.arrivals_by_content: Counter = Counter()
            self.publish_window: Counter = Counter()
            self._ids = itertools.count(1)
            for client in config.get("clients") or []:
                self.add_client(client)
            for network, accounts in (config.get("accounts") or {}).items():
                for account in accounts:
                    self.add_account(network, account)

    def add_client(self, spec: dict) -> ClientApp:
        network = spec["network"]
        if network not in NETWORKS:
            raise ValueError(f"unknown network {network!r}")
        client = ClientApp(
            network=network,
            client_id=str(spec["client_id"]),
            client_secret=str(spec["client_secret"]),
            redirect_uris=list(spec.get("redirect_uris") or []),
            confidential=bool(spec.get("confidential", True)),
            refresh_tokens=bool(spec.get("refresh_tokens", False)),
            name=spec.get("name", "Gatepost"),
        )
        with self.lock:
            self.clients[(network, client.client_id)] = client
        return client

    def add_account(self, network: str, spec: dict) -> dict:
        if network not in NETWORKS:
            raise ValueError(f"unknown network {network!r}")
        account = copy.deepcopy(spec)
        account["id"] = str(account["id"])
        with self.lock:
            self.accounts[network][account["id"]] = account
        return account

    # --- time and ids ----------------------------------------------------------

    def now(self) -> float:
        return time.time() + self.clock_offset

    def advance_clock(self, seconds: float) -> float:
        with self.lock:
            self.clock_offset += seconds
            return self.clock_offset

    def next_number(self) -> int:
        with self.lock:
            return next(self._ids)

    # --- lookups ---------------------------------------------------------------

    def client(self, network: str, client_id: str | None) -> ClientApp | None:
        return self.clients.get((network, client_id or ""))

    def first_account(self, network: str) -> dict | None:
        return next(iter(self.accounts[network].values()), None)

    def facebook_page(self, page_id: str) -> tuple[dict, dict] | None:
        """(page, owning user) for a page id."""
        for user in self.accounts["facebook"].values():
            for page in user.get("pages") or []:
                if str(page["id"]) == str(page_id):
                    return page, user
        return None

    def linkedin_org(self, org_id: str) -> dict | None:
        for member in self.accounts["linkedin"].values():
            for org in member.get("organizations") or []:
                if str(org["id"]) == str(org_id):
                    return org
        return None

    # --- tokens ----------------------------------------------------------------

    def issue_token(self, network: str, *, prefix: str, lifetime: float | None, **fields) -> Token:
        token = Token(
            value=prefix + secrets.token_urlsafe(32),
            network=network,
            expires_at=None if lifetime is None else self.now() + lifetime,
            **fields,
        )
        with self.lock:
            self.tokens[token.value] = token
        return token

    def token_status(self, value: str | None, network: str) -> tuple[str, Token | None]:
        """'missing', 'invalid', 'revoked', 'expired' or 'ok'."""
        if not value:
            return "missing", None
        token = self.tokens.get(value)
        if token is None or token.network != network or token.kind == "refresh":
            return "invalid", None
        if token.revoked:
            return "revoked", token
        if token.expires_at is not None and self.now() >= token.expires_at:
            return "expired", token
        return "ok", token

    def _matching_tokens(self, network: str | None, account_id: str | None, access_token: str | None):
        for token in self.tokens.values():
            if access_token and token.value != access_token:
                continue
            if network and token.network != network:
                continue
            if account_id and account_id not in (token.user_id, token.page_id):
                continue
            yield token

    def expire_tokens(self, *, network=None, account_id=None, access_token=None, include_refresh=False) -> int:
        with self.lock:
            count = 0
            for token in self._matching_tokens(network, account_id, access_token):
                if token.kind == "refresh" and not include_refresh:
                    continue
                token.expires_at = self.now() - 1
                count += 1
            return count

    def revoke_tokens(self, *, network=None, account_id=None, access_token=None) -> int:
        """Revoke matching tokens; revoking a Facebook user also kills its page tokens."""
        with self.lock:
            targets = list(self._matching_tokens(network, account_id, access_token))
            families = {t.family for t in targets if t.family and account_id}
            for token in self.tokens.values():
                if token.family in families:
                    targets.append(token)
            for token in targets:
                token.revoked = True
            return len({t.value for t in targets})

    def revoke_family(self, family: str) -> None:
        with self.lock:
            for token in self.tokens.values():
                if token.family == family:
                    token.revoked = True

    # --- publications -----------------------------------------------------------

    @staticmethod
    def content_hash(network: str, account_id: str, text: str, link: str | None, media: list[str]) -> str:
        digest = hashlib.sha256()
        for part in (network, account_id, text, link or "", *media):
            digest.update(part.encode())
            digest.update(b"\0")
        return digest.hexdigest()

    def record_arrival(self, network: str, account_id: str, idempotency_key: str | None, content_hash: str) -> None:
        """Count every publish attempt that reached the handler, stored or not."""
        with self.lock:
            if idempotency_key:
                self.arrivals_by_key[(network, account_id, idempotency_key)] += 1
            self.arrivals_by_content[content_hash] += 1

    def store_publication(self, publication: Publication) -> Publication:
        with self.lock:
            key = (publication.network, publication.post_id)
            self.publications[key] = publication
            self.publication_order.append(key)
            self.by_content.setdefault(publication.content_hash, []).append(key)
        return publication

    def same_content(self, content_hash: str, *, include_deleted: bool) -> Publication | None:
        """An earlier publication with this content hash (network and account are part of the hash)."""
        with self.lock:
            for key in self.by_content.get(content_hash, ()):
                publication = self.publications[key]
                if include_deleted or not publication.deleted:
                    return publication
        return None

    def find_publication(self, network: str, post_id: str) -> Publication | None:
        return self.publications.get((network, post_id))

    def list_publications(self, network: str | None = None, account_id: str | None = None) -> list[dict]:
        with self.lock:
            stored_by_key: Counter = Counter()
            stored_by_content: Counter = Counter()
            for pub in self.publications.values():
                if pub.idempotency_key:
                    stored_by_key[(pub.network, pub.account_id, pub.idempotency_key)] += 1
                stored_by_content[pub.content_hash] += 1
            rows = []
            for key in self.publication_order:
                pub = self.publications[key]
                if network and pub.network != network:
                    continue
                if account_id and pub.account_id != account_id:
                    continue
                id_key = (pub.network, pub.account_id, pub.idempotency_key)
                rows.append(
                    {
                        "network": pub.network,
                        "account_id": pub.account_id,
                        "id": pub.post_id,
                        "text": pub.text,
                        "rendered_text": pub.rendered_text,
                        "link": pub.link,
                        "media": pub.media,
                        "idempotency_key": pub.idempotency_key,
                        "created_at": pub.created_at,
                        "deleted": pub.deleted,
                        "arrivals_same_key": self.arrivals_by_key[id_key] if pub.idempotency_key else None,
                        "stored_same_key": stored_by_key[id_key] if pub.idempotency_key else None,
                        "arrivals_same_content": self.arrivals_by_content[pub.content_hash],
                        "stored_same_content": stored_by_content[pub.content_hash],
                    }
                )
            return rows

    def publication_summary(self) -> dict:
        with self.lock:
            stored_by_key: Counter = Counter()
            stored_by_content: Counter = Counter()
            for pub in self.publications.values():
                if pub.idempotency_key:
                    stored_by_key[(pub.network, pub.account_id, pub.idempotency_key)] += 1
                stored_by_content[pub.content_hash] += 1
            return {
                "stored": len(self.publications),
                "deleted": sum(1 for p in self.publications.values() if p.deleted),
                "arrivals": sum(self.arrivals_by_content.values()),
                # Extra stored copies beyond the first: what a benchmark calls duplicates.
                "duplicate_posts_by_idempotency_key": sum(n - 1 for n in stored_by_key.values() if n > 1),
                "duplicate_posts_by_content": sum(n - 1 for n in stored_by_content.values() if n > 1),
                "repeated_arrivals_by_idempotency_key": sum(n - 1 for n in self.arrivals_by_key.values() if n > 1),
            }
