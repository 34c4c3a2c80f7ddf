"""The connector interface and the plain data it exchanges with the scheduler."""
from __future__ import annotations

import hmac
import logging
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any, ClassVar

import requests
from authlib.integrations.base_client import OAuthError
from authlib.integrations.requests_client import OAuth2Session

from .config import PlatformConfig
from .errors import (
    AUTH,
    TRANSIENT,
    UNKNOWN,
    AuthorizationFailed,
    PlatformError,
    classify_transport_error,
)

logger = logging.getLogger(__name__)


def now_utc() -> datetime:
    return datetime.now(timezone.utc)


@dataclass(frozen=True, repr=False)
class TokenSet:
    """OAuth tokens for one connection. Its repr never shows a token value."""

    access_token: str
    refresh_token: str | None = None
    expires_at: datetime | None = None  # aware UTC
    scope: str | None = None
    token_type: str = "bearer"

    def __repr__(self) -> str:
        return (
            f"TokenSet(access_token='***', refresh_token={'***' if self.refresh_token else None!r}, "
            f"expires_at={self.expires_at!r}, scope={self.scope!r}, token_type={self.token_type!r})"
        )

    __str__ = __repr__

    @property
    def scopes(self) -> frozenset[str]:
        return frozenset((self.scope or "").replace(",", " ").split())

    def is_expired(self, *, leeway_seconds: int = 0, now: datetime | None = None) -> bool:
        if self.expires_at is None:
            return False
        return (now or now_utc()) + timedelta(seconds=leeway_seconds) >= self.expires_at

    @classmethod
    def from_token_response(cls, payload: Mapping[str, Any], previous: TokenSet | None = None) -> TokenSet:
        """Build from an OAuth token endpoint answer (authlib's dict or raw JSON)."""
        expires_at = None
        if payload.get("expires_at"):
            expires_at = datetime.fromtimestamp(int(payload["expires_at"]), timezone.utc)
        elif payload.get("expires_in"):
            expires_at = now_utc() + timedelta(seconds=int(payload["expires_in"]))
        scope = payload.get("scope")
        if isinstance(scope, (list, tuple)):
            scope = " ".join(scope)
        return cls(
            access_token=payload["access_token"],
            # Networks that do not rotate omit refresh_token on refresh: keep the old one.
            refresh_token=payload.get("refresh_token") or (previous.refresh_token if previous else None),
            expires_at=expires_at,
            scope=scope or (previous.scope if previous else None),
            token_type=(payload.get("token_type") or "bearer").lower(),
        )

    def as_authlib_token(self) -> dict[str, Any]:
        token: dict[str, Any] = {"access_token": self.access_token, "token_type": self.token_type}
        if self.refresh_token:
            token["refresh_token"] = self.refresh_token
        if self.expires_at:
            token["expires_at"] = int(self.expires_at.timestamp())
        if self.scope:
            token["scope"] = self.scope
        return token


@dataclass(frozen=True)
class ConnectedIdentity:
    """An account/page/organisation the connection can publish as."""

    external_id: str
    name: str
    handle: str | None
    kind: str  # "user", "page", "organization"
    url: str | None
    token: TokenSet | None = None  # a page-level token (Facebook pages)


@dataclass(frozen=True)
class AuthorizationRequest:
    """Where to send the admin, and what to remember (server-side) until the callback."""

    url: str
    state: str
    code_verifier: str | None = field(default=None, repr=False)


@dataclass(frozen=True)
class Authorization:
    """The outcome of a completed OAuth dance."""

    token: TokenSet
    identities: list[ConnectedIdentity]


@dataclass(frozen=True, repr=False)
class Image:
    data: bytes
    mime_type: str = "image/jpeg"
    filename: str = "image.jpg"
    alt_text: str | None = None

    def __repr__(self) -> str:
        return f"Image(mime_type={self.mime_type!r}, filename={self.filename!r}, bytes={len(self.data)})"


@dataclass(frozen=True)
class Draft:
    """What the scheduler asks a connector to publish."""

    text: str
    link: str | None = None
    images: tuple[Image, ...] = ()


@dataclass(frozen=True)
class ValidationProblem:
    code: str  # e.g. "too_long", "too_many_images", "image_too_large"
    message: str


@dataclass(frozen=True)
class PublishResult:
    external_id: str
    url: str | None


TokenRefreshHook = Callable[[TokenSet, str | None], None]


class Platform:
    """One network's connector. Subclasses are small strategy classes in the registry."""

    name: ClassVar[str]
    display_name: ClassVar[str]
    default_scopes: ClassVar[tuple[str, ...]]
    uses_pkce: ClassVar[bool] = False
    # Per-network media rules used by validate().
    max_images: ClassVar[int] = 4
    max_image_bytes: ClassVar[int] = 5 * 1024 * 1024
    image_mime_types: ClassVar[frozenset[str]] = frozenset({"image/jpeg", "image/png", "image/gif"})

    def __init__(
        self,
        config: PlatformConfig,
        *,
        on_token_refresh: TokenRefreshHook | None = None,
        http: requests.Session | None = None,
    ):
        """``on_token_refresh(new_token, previous_refresh_token)`` is called whenever a
        refresh happens (explicit or automatic) so the vault can persist it at once."""
        self.config = config
        self.on_token_refresh = on_token_refresh
        self.http = http or requests.Session()

    def __repr__(self) -> str:
        return f"{type(self).__name__}(api_base={self.config.api_base!r})"

    # --- the interface -------------------------------------------------------

    def authorization_url(
        self, redirect_uri: str, *, scopes: tuple[str, ...] | None = None, state: str | None = None
    ) -> AuthorizationRequest:
        raise NotImplementedError

    def complete_authorization(
        self,
        callback_params: Mapping[str, str],
        *,
        redirect_uri: str,
        expected_state: str,
        code_verifier: str | None = None,
    ) -> Authorization:
        """Check the callback, exchange the code, and list the identities it grants."""
        raise NotImplementedError

    def refresh(self, token: TokenSet) -> TokenSet:
        raise NotImplementedError

    def fetch_profile(self, token: TokenSet, external_id: str | None = None) -> ConnectedIdentity:
        raise NotImplementedError

    def validate(self, draft: Draft) -> list[ValidationProblem]:
        raise NotImplementedError

    def publish(
        self, token: TokenSet, external_id: str, draft: Draft, *, idempotency_key: str
    ) -> PublishResult:
        raise NotImplementedError

    def delete(self, token: TokenSet, external_id: str, post_id: str) -> None:
        raise NotImplementedError

    def revoke(self, token: TokenSet) -> bool:
        """Ask the network to revoke the grant; False where it offers no such call."""
        return False

    def classify_response(
        self, response: requests.Response, *, may_have_committed: bool = False
    ) -> PlatformError:
        """Map a non-success network answer to a PlatformError."""
        raise NotImplementedError

    # --- shared plumbing -----------------------------------------------------

    @property
    def scopes(self) -> tuple[str, ...]:
        return self.config.scopes or self.default_scopes

    def _check_callback(self, params: Mapping[str, str], expected_state: str) -> str:
        """Validate state and errors on the redirect back; return the code."""
        if params.get("error"):
            reason = params["error"]
            description = params.get("error_description") or params.get("error_reason") or reason
            raise AuthorizationFailed(reason, f"{self.display_name} did not authorise: {description}")
        state = params.get("state") or ""
        if not expected_state or not hmac.compare_digest(state.encode(), expected_state.encode()):
            raise AuthorizationFailed(
                "state_mismatch", "the authorisation answer does not match the request (state mismatch)"
            )
        code = params.get("code")
        if not code:
            raise AuthorizationFailed("invalid_request", f"{self.display_name} sent no authorisation code")
        return code

    def _oauth_session(self, token: TokenSet | None = None, **kwargs) -> OAuth2Session:
        def update_token(new_token, refresh_token=None, access_token=None):
            if self.on_token_refresh is not None:
                self.on_token_refresh(TokenSet.from_token_response(new_token), refresh_token)

        session = OAuth2Session(
            client_id=self.config.client_id,
            client_secret=self.config.client_secret,
            token=token.as_authlib_token() if token else None,
            update_token=update_token,
            default_timeout=self.config.timeout,
            **kwargs,
        )
        return session

    def _refreshing_session(self, token: TokenSet, token_url: str, **kwargs) -> OAuth2Session:
        """A session for API calls that refreshes an expired token first, only if someone listens.

        Without an ``on_token_refresh`` hook a refreshed token would be lost (and on X the
        rotated refresh token with it), so then the call goes out as is and an expired
        token ends as ``auth``: the caller refreshes under its own lock.
        """
        if self.on_token_refresh is None:
            return self._oauth_session(token, **kwargs)
        session = self._oauth_session(token, token_endpoint=token_url, **kwargs)
        # Refresh here, in its own error context, so a failed refresh is never
        # mistaken for a publish whose answer was lost.
        self._token_endpoint_call("refresh", session.ensure_active_token)
        return session

    def _token_endpoint_call(self, what: str, call: Callable[[], Any]) -> dict:
        """Run an authlib token-endpoint call and classify its failures."""
        try:
            return call()
        except OAuthError as exc:
            error, description = _describe_oauth_error(exc)
            logger.info("%s %s refused: %s", self.name, what, error)
            raise AuthorizationFailed(error, f"{self.display_name} refused the {what}: {description}") from None
        except requests.exceptions.HTTPError as exc:  # authlib raises this for 5xx
            status = exc.response.status_code if exc.response is not None else None
            raise PlatformError(
                TRANSIENT, f"{self.display_name} token endpoint failed ({status})", status=status
            ) from None
        except requests.exceptions.RequestException as exc:
            # A lost refresh answer may have rotated the refresh token; retrying is
            # still the right move (it either works or ends in invalid_grant -> auth).
            raise classify_transport_error(exc, network=self.name, may_have_committed=False) from None
        except ValueError:
            raise PlatformError(
                TRANSIENT,
                f"{self.display_name} token endpoint answered with something that is not JSON",
            ) from None

    def _send(
        self,
        session: requests.Session,
        method: str,
        url: str,
        *,
        may_have_committed: bool = False,
        **kwargs,
    ) -> requests.Response:
        """Send one API request; raise a classified PlatformError on any failure."""
        kwargs.setdefault("timeout", self.config.timeout)
        try:
            response = session.request(method, url, **kwargs)
        except OAuthError as exc:  # authlib refuses to send a token it knows has expired
            error, _ = _describe_oauth_error(exc)
            raise PlatformError(AUTH, f"{self.display_name} token has expired; refresh it ({error})") from None
        except requests.exceptions.RequestException as exc:
            raise classify_transport_error(
                exc, network=self.name, may_have_committed=may_have_committed
            ) from None
        if response.status_code >= 400:
            error = self.classify_response(response, may_have_committed=may_have_committed)
            logger.info(
                "%s %s %s failed: kind=%s status=%s",
                self.name, method, _path_only(url), error.kind, response.status_code,
            )
            raise error
        return response

    def _json(self, response: requests.Response, *, may_have_committed: bool = False) -> dict:
        try:
            payload = response.json()
        except ValueError:
            payload = None
        if not isinstance(payload, dict):
            raise PlatformError(
                UNKNOWN if may_have_committed else TRANSIENT,
                f"{self.display_name} answered {response.status_code} with an unreadable body",
                status=response.status_code,
            )
        return payload


def _describe_oauth_error(exc: OAuthError) -> tuple[str, str]:
    error = exc.error
    description = getattr(exc, "description", None) or ""
    if isinstance(error, dict):  # Facebook puts its error object under "error"
        description = error.get("message") or description
        error = "invalid_grant" if error.get("code") in (100, 190) else "oauth_error"
    return str(error or "oauth_error"), str(description or error)


def _path_only(url: str) -> str:
    """Strip the query string, which may carry a token on Graph-style APIs."""
    return url.split("?", 1)[0]


def new_state() -> str:
    return secrets.token_urlsafe(24)


def new_code_verifier() -> str:
    # RFC 7636: 43-128 characters from the unreserved set.
    return secrets.token_urlsafe(48)


def media_problems(platform: Platform, images: tuple[Image, ...]) -> list[ValidationProblem]:
    """Count, type and size checks shared by every connector's validate()."""
    problems = []
    if len(images) > platform.max_images:
        problems.append(
            ValidationProblem(
                "too_many_images",
                f"{platform.display_name} allows at most {platform.max_images} images per post.",
            )
        )
    for image in images:
        if image.mime_type not in platform.image_mime_types:
            problems.append(
                ValidationProblem(
                    "image_type",
                    f"{platform.display_name} does not accept {image.mime_type} images "
                    f"(use {', '.join(sorted(platform.image_mime_types))}).",
                )
            )
        if len(image.data) > platform.max_image_bytes:
            problems.append(
                ValidationProblem(
                    "image_too_large",
                    f"{image.filename} is {len(image.data) // 1024} KB; {platform.display_name} "
                    f"accepts images up to {platform.max_image_bytes // (1024 * 1024)} MB.",
                )
            )
        if not image.data:
            problems.append(ValidationProblem("image_empty", f"{image.filename} is empty."))
    return problems
