"""Emulated X API v2: OAuth 2.0 with PKCE and rotating refresh tokens, posts, media."""
from __future__ import annotations

import base64
import hashlib
import hmac
import math

from flask import Blueprint, jsonify, request

from ..x_text import MAX_WEIGHTED_LENGTH, weighted_length
from .consent import ConsentRules, finish_consent, redeem_code, start_consent
from .state import Publication
from .web import ErrorShapes, bearer_token, current_state, fault_point

bp = Blueprint("emulated_x", __name__, url_prefix="/x")

SCOPES = frozenset(
    "tweet.read tweet.write tweet.moderate.write users.read follows.read follows.write offline.access "
    "space.read mute.read mute.write like.read like.write list.read list.write block.read block.write "
    "bookmark.read bookmark.write media.write".split()
)
CONSENT = ConsentRules(
    network="x",
    title="X",
    known_scopes=SCOPES,
    scope_separator=" ",
    requires_pkce=True,
    requires_state=True,
    denied_params={"error": "access_denied"},
)
WINDOW_SECONDS = 15 * 60
MAX_IMAGE_BYTES = 5 * 1024 * 1024


def problem(status: int, title: str, detail: str, type_: str = "about:blank", headers=None, **extra):
    body = {"title": title, "detail": detail, "type": type_, "status": status, **extra}
    return jsonify(body), status, headers or {}


def token_error(status: int, description: str):
    return jsonify({"error": "invalid_request", "error_description": description}), status


class XShapes(ErrorShapes):
    def server_error(self, rule):
        status = rule.status or 503
        titles = {500: "Internal Server Error", 502: "Bad Gateway", 503: "Service Unavailable", 504: "Gateway Timeout"}
        title = titles.get(status, "Service Unavailable")
        return problem(status, title, title)

    def rate_limited(self, rule):
        reset = int(current_state().now()) + rule.reset_in_seconds
        headers = {
            "x-rate-limit-limit": str(current_state().x_posts_per_window),
            "x-rate-limit-remaining": "0",
            "x-rate-limit-reset": str(reset),
        }
        return problem(429, "Too Many Requests", "Too Many Requests", headers=headers)

    def duplicate(self, rule):
        return problem(403, "Forbidden", "You are not allowed to create a Tweet with duplicate content.")


SHAPES = XShapes()


def _authenticated(required_scopes: tuple[str, ...]):
    """(token, None) or (None, the 401/403 X would send)."""
    status, token = current_state().token_status(bearer_token(), "x")
    if status != "ok":
        return None, problem(401, "Unauthorized", "Unauthorized")
    missing = [s for s in required_scopes if s not in token.scopes]
    if missing:
        return None, problem(
            403,
            "Forbidden",
            f"Missing required OAuth 2.0 scope: {' '.join(missing)}",
            type_="https://api.twitter.com/2/problems/oauth2-insufficient-scopes",
        )
    return token, None


def _window_headers(user_id: str, *, count_one: bool) -> tuple[dict, bool]:
    """x-rate-limit-* headers for POST /2/tweets and whether the limit is exceeded."""
    state = current_state()
    window = math.floor(state.now() / WINDOW_SECONDS)
    with state.lock:
        if count_one:
            state.publish_window[("x", user_id, window)] += 1
        used = state.publish_window[("x", user_id, window)]
    headers = {
        "x-rate-limit-limit": str(state.x_posts_per_window),
        "x-rate-limit-remaining": str(max(0, state.x_posts_per_window - used)),
        "x-rate-limit-reset": str((window + 1) * WINDOW_SECONDS),
    }
    return headers, state.enforce_rate_limits and used > state.x_posts_per_window


@bp.get("/i/oauth2/authorize")
@fault_point("x", "authorize", SHAPES)
def authorize():
    return start_consent(CONSENT)


@bp.post("/i/oauth2/authorize")
def consent():
    return finish_consent(CONSENT)


def _client_from_request():
    """Confidential clients use HTTP Basic; public clients send client_id in the body."""
    state = current_state()
    header = request.headers.get("Authorization", "")
    if header.lower().startswith("basic "):
        try:
            client_id, _, secret = base64.b64decode(header[6:]).decode().partition(":")
        except (ValueError, UnicodeDecodeError):
            return None
        client = state.client("x", client_id)
        if client and hmac.compare_digest(client.client_secret, secret):
            return client
        return None
    client = state.client("x", request.form.get("client_id"))
    return client if client and not client.confidential else None


def _pkce_matches(challenge: str | None, method: str | None, verifier: str) -> bool:
    if not challenge or not verifier:
        return False
    if method == "S256":
        digest = hashlib.sha256(verifier.encode("ascii", "replace")).digest()
        computed = base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
        return hmac.compare_digest(computed, challenge)
    return hmac.compare_digest(verifier, challenge)


def _issue_pair(client_id: str, user_id: str, scopes: list[str], family: str) -> dict:
    state = current_state()
    lifetimes = state.lifetimes["x"]
    access = state.issue_token(
        "x", prefix="", lifetime=lifetimes["access"], client_id=client_id, user_id=user_id, scopes=scopes, family=family
    )
    body = {"token_type": "bearer", "expires_in": lifetimes["access"], "access_token": access.value, "scope": " ".join(scopes)}
    issued = [access.value]
    if "offline.access" in scopes:
        refresh = state.issue_token(
            "x", prefix="", lifetime=lifetimes.get("refresh"), client_id=client_id, user_id=user_id,
            scopes=scopes, family=family, kind="refresh",
        )
        body["refresh_token"] = refresh.value
        issued.append(refresh.value)
    body["_issued"] = issued
    return body


@bp.post("/2/oauth2/token")
@fault_point("x", "token", SHAPES)
def token():
    client = _client_from_request()
    if client is None:
        return jsonify({"error": "unauthorized_client", "error_description": "Missing valid authorization header"}), 401
    grant_type = request.form.get("grant_type")
    state = current_state()
    if grant_type == "authorization_code":
        problem_name, code = redeem_code("x", request.form.get("code"), client.client_id, request.form.get("redirect_uri"))
        if problem_name != "ok":
            return token_error(400, "Value passed for the authorization code was invalid.")
        if not _pkce_matches(code.code_challenge, code.code_challenge_method, request.form.get("code_verifier", "")):
            return token_error(400, "Value passed for the code verifier was invalid.")
        body = _issue_pair(client.client_id, code.user_id, code.scopes, family=code.code)
        code.issued_tokens = body.pop("_issued")
        return jsonify(body)
    if grant_type == "refresh_token":
        with state.lock:
            old = state.tokens.get(request.form.get("refresh_token", ""))
            if old is None or old.kind != "refresh" or old.network != "x" or old.client_id != client.client_id:
                return token_error(400, "Value passed for the token was invalid.")
            if old.used:
                # Reuse of a rotated refresh token breaks the whole chain.
                state.revoke_family(old.family)
                return token_error(400, "Value passed for the token was invalid.")
            if old.revoked or (old.expires_at is not None and state.now() >= old.expires_at):
                return token_error(400, "Value passed for the token was invalid.")
            old.used = True
            body = _issue_pair(client.client_id, old.user_id, old.scopes, family=old.family)
        body.pop("_issued")
        return jsonify(body)
    return jsonify({"error": "unsupported_grant_type", "error_description": "grant_type is not supported"}), 400


@bp.post("/2/oauth2/revoke")
@fault_point("x", "token", SHAPES)
def revoke():
    client = _client_from_request()
    if client is None:
        return jsonify({"error": "unauthorized_client", "error_description": "Missing valid authorization header"}), 401
    state = current_state()
    with state.lock:
        token = state.tokens.get(request.form.get("token", ""))
        # RFC 7009: an unknown token is not an error; a known one ends its whole grant.
        if token is not None and token.network == "x" and token.client_id == client.client_id:
            state.revoke_family(token.family)
    return jsonify({"revoked": True})


@bp.get("/2/users/me")
@fault_point("x", "read", SHAPES)
def users_me():
    token, error = _authenticated(("tweet.read", "users.read"))
    if error:
        return error
    account = current_state().accounts["x"].get(token.user_id) or {}
    return jsonify({"data": {"id": token.user_id, "name": account.get("name", ""), "username": account.get("username", "")}})


def _invalid_request(message: str, parameter: str):
    return problem(
        400,
        "Invalid Request",
        "One or more parameters to your request was invalid.",
        type_="https://api.twitter.com/2/problems/invalid-request",
        errors=[{"parameters": {parameter: []}, "message": message}],
    )


@bp.post("/2/tweets")
@fault_point("x", "publish", SHAPES)
def create_tweet():
    token, error = _authenticated(("tweet.read", "tweet.write", "users.read"))
    if error:
        return error
    state = current_state()
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        return _invalid_request("Request body must be JSON.", "body")
    text = body.get("text") or ""
    media_ids = [str(m) for m in ((body.get("media") or {}).get("media_ids") or [])]
    content_hash = state.content_hash("x", token.user_id, text, None, [])
    state.record_arrival("x", token.user_id, request.headers.get("Idempotency-Key"), content_hash)
    headers, exceeded = _window_headers(token.user_id, count_one=True)
    if exceeded:
        return problem(429, "Too Many Requests", "Too Many Requests", headers=headers)
    if not text and not media_ids:
        return _invalid_request("$.text: text or media is required", "text")
    if weighted_length(text) > MAX_WEIGHTED_LENGTH:
        return _invalid_request(f"$.text: text is longer than {MAX_WEIGHTED_LENGTH} characters", "text")
    if len(media_ids) > 4:
        return _invalid_request("$.media.media_ids: maximum of 4 items per post", "media.media_ids")
    for media_id in media_ids:
        media = state.media.get(("x", media_id))
        if not media or media["owner"] != token.user_id or not media["finalized"]:
            return _invalid_request(f"$.media.media_ids: media id {media_id} is not valid", "media.media_ids")
        if _processing_info(media)["state"] != "succeeded":
            return _invalid_request(f"$.media.media_ids: media id {media_id} is still processing", "media.media_ids")
    with state.lock:
        # X rejects a post whose text matches one of the account's live posts.
        if text and state.same_content(content_hash, include_deleted=False):
            return problem(403, "Forbidden", "You are not allowed to create a Tweet with duplicate content.", headers=headers)
        post_id = str(1_860_000_000_000_000_000 + state.next_number())
        state.store_publication(
            Publication(
                network="x", account_id=token.user_id, post_id=post_id, text=text, rendered_text=text, link=None,
                media=media_ids, idempotency_key=request.headers.get("Idempotency-Key"),
                content_hash=content_hash, created_at=state.now(),
            )
        )
    return jsonify({"data": {"id": post_id, "text": text, "edit_history_tweet_ids": [post_id]}}), 201, headers


@bp.delete("/2/tweets/<post_id>")
@fault_point("x", "delete", SHAPES)
def delete_tweet(post_id):
    token, error = _authenticated(("tweet.read", "tweet.write", "users.read"))
    if error:
        return error
    state = current_state()
    with state.lock:
        pub = state.find_publication("x", post_id)
        if pub is None or pub.deleted:
            return problem(
                404, "Not Found Error", f"Could not find tweet with id: [{post_id}].",
                type_="https://api.twitter.com/2/problems/resource-not-found",
            )
        if pub.account_id != token.user_id:
            return problem(403, "Forbidden", "You are not allowed to delete this Tweet.")
        pub.deleted = True
    return jsonify({"data": {"deleted": True}})


def _processing_info(media: dict) -> dict:
    remaining = (media["ready_at"] or 0) - current_state().now()
    if remaining <= 0:
        return {"state": "succeeded", "progress_percent": 100}
    return {"state": "in_progress", "check_after_secs": max(1, math.ceil(remaining)), "progress_percent": 50}


@bp.route("/2/media/upload", methods=["GET", "POST"])
@fault_point("x", "upload", SHAPES)
def media_upload():
    token, error = _authenticated(("media.write",))
    if error:
        return error
    state = current_state()
    command = request.values.get("command", "")
    media_id = request.values.get("media_id", "")
    if command == "INIT":
        total = int(request.form.get("total_bytes") or 0)
        media_type = request.form.get("media_type", "")
        if not media_type.startswith("image/") or total <= 0 or total > MAX_IMAGE_BYTES:
            return _invalid_request("media: unsupported media type or size", "total_bytes")
        new_id = str(1_870_000_000_000_000_000 + state.next_number())
        with state.lock:
            state.media[("x", new_id)] = {
                "owner": token.user_id, "total": total, "received": {}, "finalized": False, "type": media_type,
                "ready_at": None,
            }
        return jsonify({"data": {"id": new_id, "media_key": f"3_{new_id}", "expires_after_secs": 86400}})
    media = state.media.get(("x", media_id))
    if media is None or media["owner"] != token.user_id:
        return _invalid_request(f"media_id {media_id} is not valid", "media_id")
    if command == "APPEND":
        chunk = request.files.get("media")
        segment = int(request.form.get("segment_index") or 0)
        if chunk is None or not 0 <= segment <= 999:
            return _invalid_request("media: a segment is required", "media")
        with state.lock:
            media["received"][segment] = len(chunk.read())
        return "", 204
    if command == "FINALIZE":
        size = sum(media["received"].values())
        if size != media["total"]:
            return _invalid_request(f"media: received {size} of {media['total']} bytes", "media_id")
        media["finalized"] = True
        data = {"id": media_id, "media_key": f"3_{media_id}", "size": size, "expires_after_secs": 86400}
        if media["type"] == "image/gif":
            # Animated GIFs are processed asynchronously: the client must poll STATUS.
            media["ready_at"] = state.now() + state.x_gif_processing_seconds
            data["processing_info"] = {"state": "pending", "check_after_secs": max(1, math.ceil(state.x_gif_processing_seconds))}
        return jsonify({"data": data})
    if command == "STATUS":
        return jsonify({"data": {"id": media_id, "processing_info": _processing_info(media)}})
    return _invalid_request(f"unknown command {command!r}", "command")
