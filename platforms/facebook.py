"""Facebook Pages connector (Graph API).

One consent can cover several pages. The code gives a short-lived user token,
which is exchanged for a long-lived one (~60 days); page tokens read with the
long-lived token do not expire, so each connected page carries its own token
and Facebook has no refresh grant at all.
"""
from __future__ import annotations

import json
import logging
from collections.abc import Mapping

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

MAX_TEXT_LENGTH = 63206  # what Postiz uses; Facebook's official figure is unpublished
MAX_ACCOUNT_PAGES = 10  # paging guard for /me/accounts

# Graph error codes, from Facebook's error-handling guide.
TOKEN_ERROR_CODES = {102, 190}
PERMISSION_ERROR_CODES = {10} | set(range(200, 300))
THROTTLE_ERROR_CODES = {4, 17, 32, 341, 368, 613, 80001}
TRANSIENT_ERROR_CODES = {1, 2}
DUPLICATE_ERROR_CODES = {506, 1366051}
# Subcodes that mean the user or app lost access: reconnecting is the only fix.
SESSION_SUBCODES = {458, 459, 460, 463, 464, 467}
DEFAULT_THROTTLE_WAIT = 5 * 60


def _no_client_auth(request):
    return request


def graph_error(response: requests.Response) -> dict:
    try:
        body = response.json()
    except ValueError:
        return {}
    error = body.get("error") if isinstance(body, dict) else None
    return error if isinstance(error, dict) else {}


def throttle_wait_seconds(response: requests.Response) -> int:
    """Facebook's usage headers give estimated_time_to_regain_access in minutes."""
    minutes = 0
    raw = response.headers.get("x-business-use-case-usage")
    if raw:
        try:
            for entries in json.loads(raw).values():
                for entry in entries:
                    minutes = max(minutes, int(entry.get("estimated_time_to_regain_access") or 0))
        except (ValueError, AttributeError, TypeError):
            minutes = 0
    return minutes * 60 if minutes > 0 else DEFAULT_THROTTLE_WAIT


class FacebookPages(Platform):
    name = "facebook"
    display_name = "Facebook"
    default_scopes = ("pages_show_list", "pages_read_engagement", "pages_manage_posts")
    max_images = 10
    max_image_bytes = 4 * 1024 * 1024  # error 1366046: "smaller than 4 MB ... JPG, PNG"
    image_mime_types = frozenset({"image/jpeg", "image/png"})

    def _graph(self, path: str) -> str:
        return f"{self.config.api_base}/{self.config.api_version}/{path.lstrip('/')}"

    @staticmethod
    def _bearer(token: TokenSet | str) -> dict[str, str]:
        # A header rather than ?access_token= keeps tokens out of URLs and so out
        # of any exception text or proxy log that quotes a URL.
        value = token.access_token if isinstance(token, TokenSet) else token
        return {"Authorization": f"Bearer {value}"}

    def authorization_url(self, redirect_uri, *, scopes=None, state=None) -> AuthorizationRequest:
        session = self._oauth_session(redirect_uri=redirect_uri, scope=",".join(scopes or self.scopes))
        url, state = session.create_authorization_url(
            f"{self.config.auth_base}/{self.config.api_version}/dialog/oauth", state=state or new_state()
        )
        return AuthorizationRequest(url=url, state=state, code_verifier=None)

    def complete_authorization(
        self, callback_params: Mapping[str, str], *, redirect_uri, expected_state, code_verifier=None
    ) -> Authorization:
        """Code -> short-lived user token -> long-lived user token -> every granted page."""
        code = self._check_callback(callback_params, expected_state)
        session = self._oauth_session(redirect_uri=redirect_uri)
        # Graph takes the client credentials as query parameters of a GET; authlib's
        # client-auth hooks only touch bodies, so pass them as parameters and no auth.
        raw = self._token_endpoint_call(
            "authorisation",
            lambda: session.fetch_token(
                self._graph("oauth/access_token"),
                method="GET",
                auth=_no_client_auth,
                code=code,
                grant_type="authorization_code",
                client_id=self.config.client_id,
                client_secret=self.config.client_secret,
            ),
        )
        short_lived = TokenSet.from_token_response(raw)
        long_lived = self.exchange_for_long_lived(short_lived)
        return Authorization(token=long_lived, identities=self.list_pages(long_lived))

    def exchange_for_long_lived(self, user_token: TokenSet) -> TokenSet:
        response = self._send(
            self.http,
            "GET",
            self._graph("oauth/access_token"),
            params={
                "grant_type": "fb_exchange_token",
                "client_id": self.config.client_id,
                "client_secret": self.config.client_secret,
                "fb_exchange_token": user_token.access_token,
            },
        )
        return TokenSet.from_token_response(self._json(response), previous=user_token)

    def list_pages(self, user_token: TokenSet) -> list[ConnectedIdentity]:
        """Pages the user granted, each with its own page token (non-expiring if the user token is long-lived)."""
        pages = []
        url = self._graph("me/accounts")
        params: dict | None = {"fields": "id,name,username,link,access_token,tasks"}
        for _ in range(MAX_ACCOUNT_PAGES):
            body = self._json(self._send(self.http, "GET", url, params=params, headers=self._bearer(user_token)))
            for page in body.get("data") or []:
                if not page.get("access_token"):
                    continue
                page_token = TokenSet(
                    access_token=page["access_token"],
                    expires_at=None,
                    scope=user_token.scope,
                    token_type="bearer",
                )
                pages.append(self._identity(page, page_token))
            next_url = (body.get("paging") or {}).get("next")
            if not next_url:
                break
            url, params = next_url, None
        return pages

    @staticmethod
    def _identity(page: dict, token: TokenSet | None) -> ConnectedIdentity:
        username = page.get("username")
        return ConnectedIdentity(
            external_id=str(page["id"]),
            name=page.get("name") or "",
            handle=f"@{username}" if username else None,
            kind="page",
            url=page.get("link") or f"https://www.facebook.com/{page['id']}",
            token=token,
        )

    def refresh(self, token: TokenSet) -> TokenSet:
        raise PlatformError(AUTH, "Facebook tokens cannot be refreshed; reconnect the page")

    def fetch_profile(self, token: TokenSet, external_id: str | None = None) -> ConnectedIdentity:
        response = self._send(
            self.http,
            "GET",
            self._graph(external_id or "me"),
            params={"fields": "id,name,username,link"},
            headers=self._bearer(token),
        )
        return self._identity(self._json(response), None)

    def validate(self, draft: Draft) -> list[ValidationProblem]:
        problems = []
        if not draft.text.strip() and not draft.link and not draft.images:
            problems.append(ValidationProblem("empty", "A Facebook post needs text, a link or an image."))
        if len(draft.text) > MAX_TEXT_LENGTH:
            problems.append(
                ValidationProblem("too_long", f"Facebook posts are limited to {MAX_TEXT_LENGTH} characters.")
            )
        problems.extend(media_problems(self, draft.images))
        return problems

    def publish(self, token, external_id, draft, *, idempotency_key) -> PublishResult:
        """Post to /{page-id}/feed with the page token; images go up unpublished first."""
        problems = self.validate(draft)
        if problems:
            raise PlatformError(INVALID, " ".join(p.message for p in problems))
        photo_ids = [self._upload_photo(token, external_id, image) for image in draft.images]
        body: dict = {"message": draft.text}
        if photo_ids:
            body["attached_media"] = [{"media_fbid": photo_id} for photo_id in photo_ids]
            # A link preview and attached photos do not mix; keep the link in the text.
            if draft.link and draft.link not in draft.text:
                body["message"] = f"{draft.text} {draft.link}".strip()
        elif draft.link:
            body["link"] = draft.link
        # Graph has no idempotency key; the header is ignored there and counted by the emulator.
        response = self._send(
            self.http,
            "POST",
            self._graph(f"{external_id}/feed"),
            params={"fields": "id,permalink_url"},
            json=body,
            headers={**self._bearer(token), "Idempotency-Key": idempotency_key},
            may_have_committed=True,
        )
        payload = self._json(response, may_have_committed=True)
        post_id = payload.get("id")
        if not post_id:
            raise PlatformError(UNKNOWN, "Facebook accepted the post but returned no id", status=response.status_code)
        logger.info("facebook published post %s on page %s", post_id, external_id)
        return PublishResult(
            external_id=str(post_id),
            url=payload.get("permalink_url") or f"https://www.facebook.com/{post_id}",
        )

    def _upload_photo(self, token: TokenSet, page_id: str, image: Image) -> str:
        response = self._send(
            self.http,
            "POST",
            self._graph(f"{page_id}/photos"),
            data={"published": "false"},
            files={"source": (image.filename, image.data, image.mime_type)},
            headers=self._bearer(token),
        )
        photo_id = self._json(response).get("id")
        if not photo_id:
            raise PlatformError(TRANSIENT, "Facebook photo upload returned no id")
        return str(photo_id)

    def delete(self, token, external_id, post_id) -> None:
        try:
            self._send(self.http, "DELETE", self._graph(post_id), headers=self._bearer(token))
        except PlatformError as error:
            if error.status == 404:
                logger.info("facebook post %s was already deleted", post_id)
                return
            raise

    def classify_response(self, response, *, may_have_committed=False) -> PlatformError:
        status = response.status_code
        error = graph_error(response)
        code = error.get("code")
        subcode = error.get("error_subcode")
        message = error.get("error_user_msg") or error.get("message") or f"HTTP {status}"
        if code in TOKEN_ERROR_CODES or subcode in SESSION_SUBCODES or code in PERMISSION_ERROR_CODES:
            return PlatformError(AUTH, f"Facebook: {message}", status=status)
        if code in THROTTLE_ERROR_CODES or status == 429:
            return PlatformError(
                RATE_LIMITED,
                f"Facebook rate limit: {message}",
                retry_after_seconds=throttle_wait_seconds(response),
                status=status,
            )
        if code in DUPLICATE_ERROR_CODES:
            return PlatformError(DUPLICATE, f"Facebook: {message}", status=status)
        if code in TRANSIENT_ERROR_CODES and "validating" in message.lower():
            # Code 1 also carries "Error validating client secret.": a credential problem.
            return PlatformError(AUTH, f"Facebook: {message}", status=status)
        if code in TRANSIENT_ERROR_CODES or error.get("is_transient") or status >= 500:
            return PlatformError(TRANSIENT, f"Facebook temporary error: {message}", status=status)
        if status == 404 or (code == 100 and subcode == 33):
            # "Object does not exist": report the status so delete() can treat it as gone.
            return PlatformError(INVALID, f"Facebook: {message}", status=404)
        return PlatformError(INVALID, f"Facebook refused the request: {message}", status=status)
