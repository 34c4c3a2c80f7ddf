"""Connector configuration: a plain dataclass the caller builds, plus one env reader.

Nothing here runs at import time; ``config_from_environ`` is called by the
application factory or the worker's start, never by a connector.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

# Real-network endpoints. The emulator replaces all three with its own base URL
# plus a per-network prefix (see platforms.emulator.connector_config).
REAL_NETWORK_BASES = {
    "x": {
        "auth_base": "https://x.com",
        "api_base": "https://api.x.com",
        "upload_base": "https://api.x.com",
        "api_version": None,
    },
    "facebook": {
        "auth_base": "https://www.facebook.com",
        "api_base": "https://graph.facebook.com",
        "upload_base": "https://graph.facebook.com",
        "api_version": "v21.0",
    },
    "linkedin": {
        "auth_base": "https://www.linkedin.com",
        "api_base": "https://api.linkedin.com",
        "upload_base": "https://api.linkedin.com",
        "api_version": "202601",
    },
}


@dataclass(frozen=True)
class PlatformConfig:
    """Everything a connector needs to talk to one network."""

    name: str
    client_id: str
    client_secret: str = field(repr=False)
    auth_base: str
    api_base: str
    upload_base: str
    # Facebook's Graph version ("v21.0") or LinkedIn's LinkedIn-Version ("YYYYMM").
    api_version: str | None = None
    connect_timeout: float = 5.0
    read_timeout: float = 30.0
    # None means the connector's default scopes.
    scopes: tuple[str, ...] | None = None

    @property
    def timeout(self) -> tuple[float, float]:
        return (self.connect_timeout, self.read_timeout)


def _positive_float(environ: Mapping[str, str], variable: str, default: float) -> float:
    raw = environ.get(variable)
    if raw is None or raw == "":
        return default
    try:
        value = float(raw)
    except ValueError:
        raise ValueError(f"{variable} must be a number of seconds, got {raw!r}") from None
    if value <= 0:
        raise ValueError(f"{variable} must be greater than zero, got {raw!r}")
    return value


def config_from_environ(name: str, environ: Mapping[str, str]) -> PlatformConfig:
    """Build a PlatformConfig from GATEPOST_<NAME>_* variables; missing credentials are an error."""
    if name not in REAL_NETWORK_BASES:
        raise ValueError(f"unknown platform {name!r}; known: {sorted(REAL_NETWORK_BASES)}")
    prefix = f"GATEPOST_{name.upper()}_"
    defaults = REAL_NETWORK_BASES[name]

    def required(suffix: str) -> str:
        variable = prefix + suffix
        value = environ.get(variable, "").strip()
        if not value:
            raise ValueError(f"{variable} is not set")
        return value

    def base(suffix: str, key: str, fallback: str) -> str:
        value = environ.get(prefix + suffix, "").strip() or fallback
        if not value.startswith(("http://", "https://")):
            raise ValueError(f"{prefix + suffix} must be an http(s) URL, got {value!r}")
        return value.rstrip("/")

    api_base = base("API_BASE", "api_base", defaults["api_base"])
    scopes_raw = environ.get(prefix + "SCOPES", "").strip()
    return PlatformConfig(
        name=name,
        client_id=required("CLIENT_ID"),
        client_secret=required("CLIENT_SECRET"),
        auth_base=base("AUTH_BASE", "auth_base", defaults["auth_base"]),
        api_base=api_base,
        # An overridden API base (the emulator) also serves uploads unless told otherwise.
        upload_base=base(
            "UPLOAD_BASE",
            "upload_base",
            api_base if environ.get(prefix + "API_BASE") else defaults["upload_base"],
        ),
        api_version=environ.get(prefix + "API_VERSION", "").strip() or defaults["api_version"],
        connect_timeout=_positive_float(environ, prefix + "CONNECT_TIMEOUT", 5.0),
        read_timeout=_positive_float(environ, prefix + "READ_TIMEOUT", 30.0),
        scopes=tuple(scopes_raw.replace(",", " ").split()) if scopes_raw else None,
    )
