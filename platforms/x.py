"""X (Twitter) API v2 connector: OAuth 2.0 with PKCE and rotating refresh tokens."""
from __future__ import annotations

import logging
import time
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
    new_code_verifier,
    new_state,
)
from .errors import AUTH, DUPLICATE, INVALID, RATE_LIMITED, TRANSIENT, UNKNOWN, PlatformError
from .x_text import MAX_WEIGHTED_LENGTH, weighted_length

logger = logging.getLogger(__name__)

# X sends x-rate-limit-reset but no Retry-After; without either, wait one 15-minute window.
DEFAULT_RATE_LIMIT_WAIT = 15 * 60
UPLOAD_CHUNK_BYTES = 1024 * 1024
MAX_STATUS_POLLS = 10


def problem_message(response: requests.Response) -> str:
    """The human part of an X error body (v2 problem JSON or the older errors list)."""
    try:
        body = response.json()
    except ValueError:
        return (response.text or "")[:200] or response.reason or str(response.status_code)
    if not isinstance(body, dict):
        return str(response.status_code)
    parts = [body.get("detail") or body.get("title") or ""]
    for error in body.get("errors") or []:
        if isinstance(error, dict) and error.get("message"):
            parts.append(error["message"])
    return "; ".join(p for p in parts if p) or str(response.status_code)


def retry_after_from_reset(reset_header: str | None, *, now: float | None = None) -> int:
    """Seconds until X's x-rate-limit-reset (Unix seconds), never less than 1."""
    if not reset_header:
        return DEFAULT_RATE_LIMIT_WAIT
    try:
        reset_at = int(float(reset_header))
    except ValueError:
        return DEFAULT_RATE_LIMIT_WAIT
    return max(1, reset_at - int(now if now is not None else time.time()))


class XPlatform(Platform):
    name = "x"
    display_name = "X"
    default_scopes = ("tweet.read", "tweet.write", "users.read", "offline.access", "media.write")
    uses_pkce = True
    max_images = 4
    max_image_bytes = 5 * 1024 * 1024
    image_mime_types = frozenset({"image/jpeg", "image/png", "image/gif", "image/webp"})

    @property
    def _token_url(self) -> str:
        return f"{self.config.api_base}/2/oauth2/token"

    def authorization_url(self, redirect_uri, *, scopes=None, state=None) -> AuthorizationRequest:
        verifier = new_code_verifier()
        session = self._oauth_session(
            redirect_uri=redirect_uri,
            scope=" ".join(scopes or self.scopes),
            code_challenge_method="S256",
        )
        url, state = session.create_authorization_url(
            f"{self.config.auth_base}/i/oauth2/authorize",
            state=state or new_state(),
            code_verifier=verifier,
        )
        return AuthorizationRequest(url=url, state=state, code_verifier=verifier)

    def complete_authorization(
        self, callback_params: Mapping[str, str], *, redirect_uri, expected_state, code_verifier=None
    ) -> Authorization:
        code = self._check_callback(callback_params, expected_state)
        session = self._oauth_session(redirect_uri=redirect_uri)
        raw = self._token_endpoint_call(
            "authorisation",
            lambda: session.fetch_token(
                self._token_url,
                grant_type="authorization_code",
                code=code,
                code_verifier=code_verifier or "",
                client_id=self.config.client_id,
            ),
        )
        token = TokenSet.from_token_response(raw)
        return Authorization(token=token, identities=[self.fetch_profile(token)])

    def refresh(self, token: TokenSet) -> TokenSet:
        """Exchange the refresh token; X rotates it, so the old one is dead afterwards."""
        if not token.refresh_token:
            raise PlatformError(AUTH, "X gave no refresh token (offline.access not granted); reconnect")
        session = self._oauth_session(token)
        raw = self._token_endpoint_call(
            "refresh",
            lambda: session.refresh_token(
                self._token_url, refresh_token=token.refresh_token, client_id=self.config.client_id
            ),
        )
        return TokenSet.from_token_response(raw, previous=token)

    def revoke(self, token: TokenSet) -> bool:
        """OAuth 2.0 token revocation (RFC 7009): revoking the refresh token ends the grant."""
        value, hint = (token.refresh_token, "refresh_token") if token.refresh_token else (token.access_token,
                                                                                           "access_token")
        self._send(self.http, "POST", f"{self.config.api_base}/2/oauth2/revoke",
                   data={"token": value, "token_type_hint": hint, "client_id": self.config.client_id},
                   auth=(self.config.client_id, self.config.client_secret))
        return True

    def _api_session(self, token: TokenSet):
        return self._refreshing_session(token, self._token_url)

    def fetch_profile(self, token: TokenSet, external_id: str | None = None) -> ConnectedIdentity:
        session = self._api_session(token)
        response = self._send(session, "GET", f"{self.config.api_base}/2/users/me")
        data = self._json(response).get("data") or {}
        username = data.get("username")
        return ConnectedIdentity(
            external_id=str(data.get("id")),
            name=data.get("name") or username or "",
            handle=f"@{username}" if username else None,
            kind="user",
            url=f"https://x.com/{username}" if username else None,
            token=None,
        )

    @staticmethod
    def compose_text(draft: Draft) -> str:
        """X has no link field: the link goes at the end of the text unless already in it."""
        if draft.link and draft.link not in draft.text:
            return f"{draft.text} {draft.link}".strip()
        return draft.text

    def validate(self, draft: Draft) -> list[ValidationProblem]:
        problems = []
        text = self.compose_text(draft)
        if not text.strip() and not draft.images:
            problems.append(ValidationProblem("empty", "An X post needs text or an image."))
        length = weighted_length(text)
        if length > MAX_WEIGHTED_LENGTH:
            problems.append(
                ValidationProblem(
                    "too_long",
                    f"X counts this post as {length} characters; the limit is {MAX_WEIGHTED_LENGTH} "
                    "(links count 23, emoji and CJK characters count 2).",
                )
            )
        problems.extend(media_problems(self, draft.images))
        return problems

    def publish(self, token, external_id, draft, *, idempotency_key) -> PublishResult:
        problems = self.validate(draft)
        if problems:
            raise PlatformError(INVALID, " ".join(p.message for p in problems))
        session = self._api_session(token)
        media_ids = [self._upload_image(session, image) for image in draft.images]
        body: dict = {"text": self.compose_text(draft)}
        if media_ids:
            body["media"] = {"media_ids": media_ids}
        # X has no idempotency support; the key is sent as a harmless header so the
        # emulator (and logs) can count repeats. The real guard is X's duplicate 403.
        response = self._send(
            session,
            "POST",
            f"{self.config.api_base}/2/tweets",
            json=body,
            headers={"Idempotency-Key": idempotency_key},
            may_have_committed=True,
        )
        data = self._json(response, may_have_committed=True).get("data") or {}
        post_id = data.get("id")
        if not post_id:
            raise PlatformError(UNKNOWN, "X accepted the post but did not return its id", status=response.status_code)
        logger.info("x published post %s for user %s", post_id, external_id)
        return PublishResult(external_id=str(post_id), url=f"https://x.com/i/web/status/{post_id}")

    def _upload_image(self, session, image: Image) -> str:
        """Chunked v2 media upload: INIT, APPEND..., FINALIZE, then STATUS while processing."""
        upload_url = f"{self.config.upload_base}/2/media/upload"
        init = self._json(
            self._send(
                session,
                "POST",
                upload_url,
                data={
                    "command": "INIT",
                    "media_type": image.mime_type,
                    "total_bytes": str(len(image.data)),
                    "media_category": "tweet_gif" if image.mime_type == "image/gif" else "tweet_image",
                },
            )
        )
        media_id = str((init.get("data") or {}).get("id") or "")
        if not media_id:
            raise PlatformError(TRANSIENT, "X media upload INIT returned no media id")
        for index, start in enumerate(range(0, len(image.data), UPLOAD_CHUNK_BYTES)):
            self._send(
                session,
                "POST",
                upload_url,
                data={"command": "APPEND", "media_id": media_id, "segment_index": str(index)},
                files={"media": (image.filename, image.data[start : start + UPLOAD_CHUNK_BYTES], image.mime_type)},
            )
        result = self._json(
            self._send(session, "POST", upload_url, data={"command": "FINALIZE", "media_id": media_id})
        ).get("data") or {}
        for _ in range(MAX_STATUS_POLLS):
            processing = result.get("processing_info")
            if not processing or processing.get("state") == "succeeded":
                return media_id
            if processing.get("state") == "failed":
                error = processing.get("error") or {}
                raise PlatformError(INVALID, f"X could not process the image: {error.get('message', 'failed')}")
            time.sleep(min(float(processing.get("check_after_secs", 1)), 5.0))
            result = self._json(
                self._send(session, "GET", upload_url, params={"command": "STATUS", "media_id": media_id})
            ).get("data") or {}
        raise PlatformError(TRANSIENT, "X is still processing the image; try again later")

    def delete(self, token, external_id, post_id) -> None:
        session = self._api_session(token)
        try:
            self._send(session, "DELETE", f"{self.config.api_base}/2/tweets/{post_id}")
        except PlatformError as error:
            if error.status == 404:  # already gone: deleting is idempotent for us
                logger.info("x post %s was already deleted", post_id)
                return
            raise

    def classify_response(self, response, *, may_have_committed=False) -> PlatformError:
        status = response.status_code
        message = problem_message(response)
        if status == 401:
            return PlatformError(AUTH, f"X rejected the token: {message}", status=status)
        if status == 403:
            lowered = message.lower()
            if "duplicate" in lowered:
                return PlatformError(DUPLICATE, f"X: {message}", status=status)
            if any(word in lowered for word in ("scope", "oauth", "authentication", "unauthorized", "token")):
                return PlatformError(AUTH, f"X: {message}", status=status)
            return PlatformError(INVALID, f"X refused the post: {message}", status=status)
        if status == 429:
            return PlatformError(
                RATE_LIMITED,
                f"X rate limit reached: {message}",
                retry_after_seconds=retry_after_from_reset(response.headers.get("x-rate-limit-reset")),
                status=status,
            )
        if status >= 500:
            return PlatformError(TRANSIENT, f"X server error {status}: {message}", status=status)
        return PlatformError(INVALID, f"X refused the request: {message}", status=status)

