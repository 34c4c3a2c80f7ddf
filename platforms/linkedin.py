"""LinkedIn organisation pages connector (versioned REST API, Posts and Images APIs)."""
from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import datetime, timedelta, timezone
from urllib.parse import quote

import requests

from .base import (
    Authorization,
    AuthorizationRequest,
    ConnectedIdentity,
    Draft,
    Image,
    Platform,
    PublishResult,
    TokenSet,
    ValidationProblem,
    media_problems,
    new_state,
)
from .errors import AUTH, DUPLICATE, INVALID, RATE_LIMITED, TRANSIENT, UNKNOWN, PlatformError

logger = logging.getLogger(__name__)

MAX_COMMENTARY_LENGTH = 3000
# Characters with meaning in LinkedIn's "little text" format. Left unescaped they
# are parsed as markup and the commentary is silently cut short.
LITTLE_TEXT_RESERVED = frozenset("\\|{}@[]()<>#*_~")
# Page roles that may post as the organisation with w_organization_social.
POSTING_ROLES = frozenset({"ADMINISTRATOR", "CONTENT_ADMINISTRATOR", "DIRECT_SPONSORED_CONTENT_POSTER", "RECRUITING_POSTER"})


def escape_little_text(text: str) -> str:
    """Backslash-escape every reserved character so LinkedIn shows the text verbatim."""
    return "".join("\\" + ch if ch in LITTLE_TEXT_RESERVED else ch for ch in text)


def organization_urn(organization_id: str) -> str:
    return organization_id if organization_id.startswith("urn:") else f"urn:li:organization:{organization_id}"


def seconds_until_utc_midnight(now: datetime | None = None) -> int:
    """LinkedIn's daily limits reset at midnight UTC and it sends no reset header."""
    now = now or datetime.now(timezone.utc)
    midnight = (now + timedelta(days=1)).replace(hour=0, minute=0, second=0, microsecond=0)
    return max(1, int((midnight - now).total_seconds()))


def error_body(response: requests.Response) -> dict:
    try:
        body = response.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


class LinkedInOrganizations(Platform):
    name = "linkedin"
    display_name = "LinkedIn"
    default_scopes = ("r_organization_social", "w_organization_social", "rw_organization_admin")
    max_images = 20  # multiImage allows 2-20
    max_image_bytes = 10 * 1024 * 1024
    image_mime_types = frozenset({"image/jpeg", "image/png", "image/gif"})

    @property
    def _token_url(self) -> str:
        return f"{self.config.auth_base}/oauth/v2/accessToken"

    def _rest(self, path: str) -> str:
        return f"{self.config.api_base}/rest/{path.lstrip('/')}"

    @property
    def _versioned_headers(self) -> dict[str, str]:
        return {"LinkedIn-Version": self.config.api_version or "202601", "X-Restli-Protocol-Version": "2.0.0"}

    def authorization_url(self, redirect_uri, *, scopes=None, state=None) -> AuthorizationRequest:
        session = self._oauth_session(redirect_uri=redirect_uri, scope=" ".join(scopes or self.scopes))
        url, state = session.create_authorization_url(
            f"{self.config.auth_base}/oauth/v2/authorization", state=state or new_state()
        )
        return AuthorizationRequest(url=url, state=state, code_verifier=None)

    def complete_authorization(
        self, callback_params: Mapping[str, str], *, redirect_uri, expected_state, code_verifier=None
    ) -> Authorization:
        code = self._check_callback(callback_params, expected_state)
        session = self._oauth_session(redirect_uri=redirect_uri, token_endpoint_auth_method="client_secret_post")
        raw = self._token_endpoint_call(
            "authorisation",
            lambda: session.fetch_token(self._token_url, grant_type="authorization_code", code=code),
        )
        token = TokenSet.from_token_response(raw)
        return Authorization(token=token, identities=self.list_organizations(token))

    def refresh(self, token: TokenSet) -> TokenSet:
        """Only approved partners get refresh tokens; their 365-day lifetime does not reset."""
        if not token.refresh_token:
            raise PlatformError(AUTH, "LinkedIn gave no refresh token for this app; reconnect the page")
        session = self._oauth_session(token, token_endpoint_auth_method="client_secret_post")
        raw = self._token_endpoint_call(
            "refresh", lambda: session.refresh_token(self._token_url, refresh_token=token.refresh_token)
        )
        return TokenSet.from_token_response(raw, previous=token)

    def _api_session(self, token: TokenSet):
        session = self._refreshing_session(token, self._token_url, token_endpoint_auth_method="client_secret_post")
        session.headers.update(self._versioned_headers)
        return session

    def list_organizations(self, token: TokenSet) -> list[ConnectedIdentity]:
        """Organisations where the member holds a role that may post."""
        session = self._api_session(token)
        response = self._send(
            session, "GET", self._rest("organizationAcls"), params={"q": "roleAssignee", "state": "APPROVED"}
        )
        identities = []
        seen = set()
        for element in self._json(response).get("elements") or []:
            urn = element.get("organization") or ""
            if element.get("role") not in POSTING_ROLES or urn in seen:
                continue
            seen.add(urn)
            identities.append(self._fetch_organization(session, urn.rsplit(":", 1)[-1]))
        return identities

    def _fetch_organization(self, session, organization_id: str) -> ConnectedIdentity:
        response = self._send(session, "GET", self._rest(f"organizations/{organization_id}"))
        org = self._json(response)
        vanity = org.get("vanityName")
        return ConnectedIdentity(
            external_id=str(org.get("id") or organization_id),
            name=org.get("localizedName") or vanity or str(organization_id),
            handle=vanity,
            kind="organization",
            url=f"https://www.linkedin.com/company/{vanity or organization_id}",
            token=None,
        )

    def fetch_profile(self, token: TokenSet, external_id: str | None = None) -> ConnectedIdentity:
        if external_id is None:
            organizations = self.list_organizations(token)
            if not organizations:
                raise PlatformError(AUTH, "this LinkedIn member administers no organisation page")
            return organizations[0]
        return self._fetch_organization(self._api_session(token), external_id)

    @staticmethod
    def compose_text(draft: Draft) -> str:
        if draft.images and draft.link and draft.link not in draft.text:
            return f"{draft.text} {draft.link}".strip()
        return draft.text

    def validate(self, draft: Draft) -> list[ValidationProblem]:
        problems = []
        text = self.compose_text(draft)
        if not text.strip() and not draft.link and not draft.images:
            problems.append(ValidationProblem("empty", "A LinkedIn post needs text, a link or an image."))
        # The limit applies to what members see, i.e. before our escaping.
        if len(text) > MAX_COMMENTARY_LENGTH:
            problems.append(
                ValidationProblem(
                    "too_long", f"LinkedIn posts are limited to {MAX_COMMENTARY_LENGTH} characters; this one has {len(text)}."
                )
            )
        problems.extend(media_problems(self, draft.images))
        return problems

    def publish(self, token, external_id, draft, *, idempotency_key) -> PublishResult:
        problems = self.validate(draft)
        if problems:
            raise PlatformError(INVALID, " ".join(p.message for p in problems))
        session = self._api_session(token)
        author = organization_urn(external_id)
        image_urns = [self._upload_image(session, author, image) for image in draft.images]
        body: dict = {
            "author": author,
            "commentary": escape_little_text(self.compose_text(draft)),
            "visibility": "PUBLIC",
            "distribution": {"feedDistribution": "MAIN_FEED", "targetEntities": [], "thirdPartyDistributionChannels": []},
            "lifecycleState": "PUBLISHED",
            "isReshareDisabledByAuthor": False,
        }
        if len(image_urns) == 1:
            body["content"] = {"media": {"id": image_urns[0], "altText": draft.images[0].alt_text or ""}}
        elif image_urns:
            body["content"] = {
                "multiImage": {
                    "images": [{"id": urn, "altText": image.alt_text or ""} for urn, image in zip(image_urns, draft.images)]
                }
            }
        elif draft.link:
            body["content"] = {"article": {"source": draft.link, "title": draft.link}}
        # LinkedIn has no idempotency key; the header is ignored there and counted by the emulator.
        response = self._send(
            session,
            "POST",
            self._rest("posts"),
            json=body,
            headers={"Idempotency-Key": idempotency_key},
            may_have_committed=True,
        )
        post_urn = response.headers.get("x-restli-id")
        if not post_urn:
            raise PlatformError(UNKNOWN, "LinkedIn accepted the post but sent no x-restli-id", status=response.status_code)
        logger.info("linkedin published %s for %s", post_urn, author)
        return PublishResult(external_id=post_urn, url=f"https://www.linkedin.com/feed/update/{post_urn}")

    def _upload_image(self, session, owner: str, image: Image) -> str:
        """Images API: initializeUpload gives an upload URL and the image URN; PUT the bytes there."""
        response = self._send(
            session,
            "POST",
            self._rest("images"),
            params={"action": "initializeUpload"},
            json={"initializeUploadRequest": {"owner": owner}},
        )
        value = self._json(response).get("value") or {}
        upload_url, image_urn = value.get("uploadUrl"), value.get("image")
        if not upload_url or not image_urn:
            raise PlatformError(TRANSIENT, "LinkedIn image upload did not return an upload URL")
        self._send(session, "PUT", upload_url, data=image.data, headers={"Content-Type": image.mime_type})
        return image_urn

    def delete(self, token, external_id, post_id) -> None:
        session = self._api_session(token)
        try:
            self._send(
                session,
                "DELETE",
                self._rest(f"posts/{quote(post_id, safe='')}"),
                headers={"X-RestLi-Method": "DELETE"},
            )
        except PlatformError as error:
            if error.status == 404:
                logger.info("linkedin post %s was already deleted", post_id)
                return
            raise

    def classify_response(self, response, *, may_have_committed=False) -> PlatformError:
        status = response.status_code
        body = error_body(response)
        message = body.get("message") or response.reason or f"HTTP {status}"
        input_codes = {
            item.get("code")
            for item in ((body.get("errorDetails") or {}).get("inputErrors") or [])
            if isinstance(item, dict)
        }
        if status in (401, 403):
            return PlatformError(AUTH, f"LinkedIn: {message}", status=status)
        if status == 429:
            retry_after = response.headers.get("Retry-After")
            return PlatformError(
                RATE_LIMITED,
                f"LinkedIn rate limit: {message}",
                retry_after_seconds=int(retry_after) if retry_after and retry_after.isdigit() else seconds_until_utc_midnight(),
                status=status,
            )
        if "DUPLICATE_POST" in input_codes or "duplicate" in message.lower():
            return PlatformError(DUPLICATE, f"LinkedIn: {message}", status=status)
        if status >= 500:
            return PlatformError(TRANSIENT, f"LinkedIn server error {status}: {message}", status=status)
        return PlatformError(INVALID, f"LinkedIn refused the request: {message}", status=status)
