"""Emulated Facebook Graph API for Pages: login dialog, token exchanges, page posts."""
from __future__ import annotations

import json
import math
import re
import secrets
from datetime import datetime, timezone

from flask import Blueprint, g, jsonify, request

from .consent import ConsentRules, finish_consent, redeem_code, start_consent
from .state import Publication
from .web import ErrorShapes, bearer_token, current_state, fault_point

bp = Blueprint("emulated_facebook", __name__, url_prefix="/facebook/<graph_version>")

SCOPES = frozenset(
    "public_profile email pages_show_list pages_read_engagement pages_manage_posts pages_manage_metadata "
    "pages_read_user_content publish_video business_management".split()
)
CONSENT = ConsentRules(
    network="facebook",
    title="Facebook",
    known_scopes=SCOPES,
    scope_separator=",",
    requires_response_type=False,
    pages_key="pages",
    pages_label="Choose the Pages this app can use",
    choose_pages=True,
    denied_params={
        "error": "access_denied",
        "error_code": "200",
        "error_description": "Permissions error",
        "error_reason": "user_denied",
    },
)
MAX_PHOTO_BYTES = 4 * 1024 * 1024
THROTTLE_MESSAGES = {
    4: "(#4) Application request limit reached",
    17: "(#17) User request limit reached",
    32: "(#32) Page request limit reached",
    80001: "(#80001) There have been too many calls to this Page account. Wait a bit and try again.",
}


def graph_error(message: str, code: int, *, status: int = 400, subcode: int | None = None, headers=None, **extra):
    error = {"message": message, "type": extra.pop("type_", "OAuthException"), "code": code}
    if subcode is not None:
        error["error_subcode"] = subcode
    error.update(extra)
    error["fbtrace_id"] = secrets.token_urlsafe(8)
    return jsonify({"error": error}), status, headers or {}


def _usage_header(object_id: str, calls: int = 1, regain_minutes: int = 0) -> dict:
    usage = {object_id: [{"type": "pages", "call_count": calls, "total_cputime": 1, "total_time": 1,
                          "estimated_time_to_regain_access": regain_minutes}]}
    return {"x-business-use-case-usage": json.dumps(usage)}


class FacebookShapes(ErrorShapes):
    def server_error(self, rule):
        return graph_error(
            "An unexpected error has occurred. Please retry your request later.", 2, status=rule.status or 500, is_transient=True
        )

    def rate_limited(self, rule):
        code = rule.code or 32
        minutes = max(1, math.ceil(rule.reset_in_seconds / 60))
        headers = {
            **_usage_header(request.view_args.get("object_id", "app") if request.view_args else "app", 100, minutes),
            "x-app-usage": json.dumps({"call_count": 100, "total_cputime": 10, "total_time": 10}),
        }
        return graph_error(THROTTLE_MESSAGES.get(code, THROTTLE_MESSAGES[32]), code, headers=headers, is_transient=True)

    def duplicate(self, rule):
        return _duplicate_error()


SHAPES = FacebookShapes()


def _duplicate_error():
    return graph_error(
        "Duplicate status message", 506, subcode=1455006, is_transient=False,
        error_user_title="Duplicate Post",
        error_user_msg="This status update is identical to the last one you posted. Try posting something different, "
        "or delete your previous update.",
    )


@bp.url_value_preprocessor
def _pull_version(endpoint, values):
    g.graph_version = values.pop("graph_version", None)


@bp.before_request
def _check_version():
    if not re.fullmatch(r"v\d+\.\d+", g.graph_version or ""):
        return graph_error(f"Unknown path components: /{g.graph_version}", 2500)
    return None


def _authenticated():
    """(token, None) or (None, Graph's OAuthException answer)."""
    status, token = current_state().token_status(bearer_token(allow_query=True), "facebook")
    if status == "ok":
        return token, None
    challenge = {"WWW-Authenticate": 'OAuth "Facebook Platform" "invalid_token" "Invalid OAuth access token"'}
    if status == "missing":
        return None, graph_error("An active access token must be used to query information about the current user.", 2500)
    if status == "expired":
        when = datetime.fromtimestamp(token.expires_at, timezone.utc).strftime("%A, %d-%b-%y %H:%M:%S UTC")
        return None, graph_error(f"Error validating access token: Session has expired on {when}.", 190, subcode=463, headers=challenge)
    if status == "revoked":
        return None, graph_error(
            "Error validating access token: The session has been invalidated because the user changed their "
            "password or Facebook has changed the session for security reasons.", 190, subcode=460, headers=challenge,
        )
    return None, graph_error("Invalid OAuth access token - Cannot parse access token", 190, headers=challenge)


def _page_token_for(page_id: str):
    token, error = _authenticated()
    if error:
        return None, error
    if token.kind != "page" or token.page_id != str(page_id) or "pages_manage_posts" not in token.scopes:
        return None, graph_error(
            "(#200) If posting to a page, requires both pages_read_engagement and pages_manage_posts as an admin "
            "with sufficient administrative permission", 200, status=403,
        )
    return token, None


@bp.get("/dialog/oauth")
@fault_point("facebook", "authorize", SHAPES)
def dialog():
    return start_consent(CONSENT)


@bp.post("/dialog/oauth")
def dialog_consent():
    return finish_consent(CONSENT)


@bp.get("/oauth/access_token")
@fault_point("facebook", "token", SHAPES)
def access_token():
    state = current_state()
    args = request.args
    client = state.client("facebook", args.get("client_id"))
    if client is None:
        return graph_error("Error validating application. Invalid application ID.", 101)
    if args.get("client_secret") != client.client_secret:
        return graph_error("Error validating client secret.", 1)
    lifetimes = state.lifetimes["facebook"]
    if args.get("grant_type") == "fb_exchange_token":
        status, user_token = state.token_status(args.get("fb_exchange_token"), "facebook")
        if status != "ok" or user_token.kind not in ("user", "long_lived_user") or user_token.client_id != client.client_id:
            return graph_error("Invalid OAuth access token.", 190)
        long_lived = state.issue_token(
            "facebook", prefix="EAAG", lifetime=lifetimes["long_lived"], client_id=client.client_id,
            user_id=user_token.user_id, scopes=user_token.scopes, kind="long_lived_user",
            granted_pages=user_token.granted_pages, family=user_token.family,
        )
        return jsonify({"access_token": long_lived.value, "token_type": "bearer", "expires_in": lifetimes["long_lived"]})
    problem, code = redeem_code("facebook", args.get("code"), client.client_id, args.get("redirect_uri"))
    if problem == "invalid":
        return graph_error("Invalid verification code format.", 100)
    if problem == "reused":
        return graph_error("This authorization code has been used.", 100, subcode=36009)
    if problem == "expired":
        return graph_error("This authorization code has expired.", 100, subcode=36007)
    if problem in ("redirect_uri", "client"):
        return graph_error(
            "Error validating verification code. Please make sure your redirect_uri is identical to the one you "
            "used in the OAuth dialog request", 100, subcode=36008,
        )
    user_token = state.issue_token(
        "facebook", prefix="EAAG", lifetime=lifetimes["access"], client_id=client.client_id, user_id=code.user_id,
        scopes=code.scopes, kind="user", granted_pages=code.granted_pages, family=code.code,
    )
    code.issued_tokens = [user_token.value]
    return jsonify({"access_token": user_token.value, "token_type": "bearer", "expires_in": lifetimes["access"]})


@bp.get("/me")
@fault_point("facebook", "read", SHAPES)
def me():
    token, error = _authenticated()
    if error:
        return error
    state = current_state()
    if token.kind == "page":
        page, _ = state.facebook_page(token.page_id)
        return jsonify({"id": str(page["id"]), "name": page["name"]})
    user = state.accounts["facebook"].get(token.user_id) or {}
    return jsonify({"id": token.user_id, "name": user.get("name", "")})


@bp.get("/me/accounts")
@fault_point("facebook", "read", SHAPES)
def my_pages():
    """The granted pages, each with a page token that never expires if the user token is long-lived."""
    token, error = _authenticated()
    if error:
        return error
    if token.kind == "page":
        return graph_error("(#100) Tried accessing nonexisting field (accounts) on node type (Page)", 100)
    if "pages_show_list" not in token.scopes:
        return graph_error("(#200) Requires pages_show_list permission to manage the object", 200, status=403)
    state = current_state()
    user = state.accounts["facebook"].get(token.user_id) or {}
    lifetime = None if token.kind == "long_lived_user" else max(0.0, token.expires_at - state.now())
    pages = []
    for page in user.get("pages") or []:
        if str(page["id"]) not in token.granted_pages:
            continue
        page_token = state.issue_token(
            "facebook", prefix="EAAG", lifetime=lifetime, client_id=token.client_id, user_id=token.user_id,
            scopes=token.scopes, kind="page", page_id=str(page["id"]), family=token.family,
        )
        pages.append({
            "id": str(page["id"]), "name": page["name"], "username": page.get("username"),
            "link": f"https://www.facebook.com/{page.get('username') or page['id']}",
            "category": page.get("category", "University"), "access_token": page_token.value,
            "tasks": ["ADVERTISE", "ANALYZE", "CREATE_CONTENT", "MESSAGING", "MODERATE", "MANAGE"],
        })
    return jsonify({"data": pages, "paging": {"cursors": {"before": "QVFIUk1", "after": "QVFIUkZA"}}})


def _unsupported(verb: str, object_id: str):
    return graph_error(
        f"Unsupported {verb} request. Object with ID '{object_id}' does not exist, cannot be loaded due to missing "
        "permissions, or does not support this operation.", 100, subcode=33, type_="GraphMethodException",
    )


@bp.get("/<object_id>")
@fault_point("facebook", "read", SHAPES)
def get_object(object_id):
    token, error = _authenticated()
    if error:
        return error
    state = current_state()
    found = state.facebook_page(object_id)
    if found:
        page, _ = found
        return jsonify({
            "id": str(page["id"]), "name": page["name"], "username": page.get("username"),
            "link": f"https://www.facebook.com/{page.get('username') or page['id']}",
        })
    pub = state.find_publication("facebook", object_id)
    if pub and not pub.deleted:
        page_id, _, number = object_id.partition("_")
        return jsonify({"id": object_id, "message": pub.text, "permalink_url": f"https://www.facebook.com/{page_id}/posts/{number}"})
    return _unsupported("get", object_id)


def _request_fields() -> dict:
    body = request.get_json(silent=True)
    return body if isinstance(body, dict) else request.form.to_dict()


@bp.post("/<object_id>/feed")
@fault_point("facebook", "publish", SHAPES)
def page_feed(object_id):
    state = current_state()
    if state.facebook_page(object_id) is None:
        return _unsupported("post", object_id)
    token, error = _page_token_for(object_id)
    if error:
        return error
    fields = _request_fields()
    message = fields.get("message") or ""
    link = fields.get("link") or None
    attached = fields.get("attached_media") or []
    if isinstance(attached, str):
        try:
            attached = json.loads(attached)
        except ValueError:
            return graph_error("(#100) param attached_media must be an array.", 100)
    photo_ids = [str(item.get("media_fbid")) for item in attached if isinstance(item, dict)]
    content_hash = state.content_hash("facebook", object_id, message, link, photo_ids)
    state.record_arrival("facebook", object_id, request.headers.get("Idempotency-Key"), content_hash)
    if not message and not link and not photo_ids:
        return graph_error("(#100) Missing message or attachment", 100)
    for index, photo_id in enumerate(photo_ids):
        photo = state.media.get(("facebook", photo_id))
        if not photo or photo["page_id"] != object_id or photo["published"]:
            return graph_error(f"(#100) param attached_media[{index}] has invalid media_fbid {photo_id}", 100)
    with state.lock:
        # "cannot post duplicate posts consecutively": compare with the page's latest live post.
        latest = next(
            (state.publications[k] for k in reversed(state.publication_order)
             if k[0] == "facebook" and state.publications[k].account_id == object_id
             and not state.publications[k].deleted),
            None,
        )
        if latest and not photo_ids and latest.text == message and latest.link == link:
            return _duplicate_error()
        number = str(122_000_000_000_000_000 + state.next_number())
        post_id = f"{object_id}_{number}"
        state.store_publication(Publication(
            network="facebook", account_id=object_id, post_id=post_id, text=message, rendered_text=message,
            link=link, media=photo_ids, idempotency_key=request.headers.get("Idempotency-Key"),
            content_hash=content_hash, created_at=state.now(),
        ))
        for photo_id in photo_ids:
            state.media[("facebook", photo_id)]["published"] = True
    body = {"id": post_id}
    if "permalink_url" in (request.args.get("fields") or ""):
        body["permalink_url"] = f"https://www.facebook.com/{object_id}/posts/{number}"
    return jsonify(body), 200, _usage_header(object_id)


@bp.post("/<object_id>/photos")
@fault_point("facebook", "upload", SHAPES)
def page_photos(object_id):
    state = current_state()
    if state.facebook_page(object_id) is None:
        return _unsupported("post", object_id)
    token, error = _page_token_for(object_id)
    if error:
        return error
    upload = request.files.get("source")
    data = upload.read() if upload else b""
    if not data and not request.values.get("url"):
        return graph_error("(#324) Requires upload file", 324)
    if len(data) > MAX_PHOTO_BYTES:
        return graph_error(
            "Photos should be smaller than 4 MB and saved as JPG, PNG, GIF, TIFF, HEIF or WebP files.", 100, subcode=1366046
        )
    published = str(request.values.get("published", "true")).lower() not in ("false", "0")
    photo_id = str(123_000_000_000_000_000 + state.next_number())
    with state.lock:
        state.media[("facebook", photo_id)] = {"page_id": object_id, "size": len(data), "published": False}
    if not published:
        return jsonify({"id": photo_id})
    caption = request.values.get("caption") or request.values.get("message") or ""
    post_id = f"{object_id}_{photo_id}"
    content_hash = state.content_hash("facebook", object_id, caption, None, [photo_id])
    state.record_arrival("facebook", object_id, request.headers.get("Idempotency-Key"), content_hash)
    with state.lock:
        state.media[("facebook", photo_id)]["published"] = True
        state.store_publication(Publication(
            network="facebook", account_id=object_id, post_id=post_id, text=caption, rendered_text=caption, link=None,
            media=[photo_id], idempotency_key=request.headers.get("Idempotency-Key"), content_hash=content_hash,
            created_at=state.now(),
        ))
    return jsonify({"id": photo_id, "post_id": post_id})


@bp.delete("/<object_id>")
@fault_point("facebook", "delete", SHAPES)
def delete_object(object_id):
    token, error = _authenticated()
    if error:
        return error
    state = current_state()
    with state.lock:
        pub = state.find_publication("facebook", object_id)
        if pub is None or pub.deleted:
            return _unsupported("delete", object_id)
        if token.kind != "page" or token.page_id != pub.account_id:
            return graph_error("(#200) Permissions error", 200, status=403)
        pub.deleted = True
    return jsonify({"success": True})

