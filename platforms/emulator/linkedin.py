"""Emulated LinkedIn: OAuth, versioned REST (organizations, images, posts) and little-text parsing."""
from __future__ import annotations

import re
import secrets

from flask import Blueprint, jsonify, request

from .consent import ConsentRules, finish_consent, redeem_code, start_consent
from .state import Publication
from .web import ErrorShapes, bearer_token, current_state, fault_point

bp = Blueprint("emulated_linkedin", __name__, url_prefix="/linkedin")

SCOPES = frozenset(
    "openid profile email w_member_social r_organization_social w_organization_social "
    "rw_organization_admin r_organization_admin".split()
)
CONSENT = ConsentRules(
    network="linkedin",
    title="LinkedIn",
    known_scopes=SCOPES,
    scope_separator=" ",
    pages_key="organizations",
    pages_label="Pages you manage",
    denied_params={"error": "user_cancelled_authorize", "error_description": "The user cancelled the authorization"},
    invalid_scope_error="unauthorized_scope_error",
)
POSTING_ROLES = {"ADMINISTRATOR", "CONTENT_ADMINISTRATOR", "DIRECT_SPONSORED_CONTENT_POSTER", "RECRUITING_POSTER"}
RESERVED = set("\\|{}@[]()<>#*_~")
MAX_COMMENTARY = 3000


def li_error(status: int, message: str, service_code: int | None = None, code: str | None = None, headers=None, **extra):
    body = {"status": status, "message": message}
    if service_code is not None:
        body["serviceErrorCode"] = service_code
    if code:
        body["code"] = code
    body.update(extra)
    return jsonify(body), status, headers or {}


def _duplicate(existing_urn: str):
    return li_error(
        422,
        f"ERROR :: /commentary :: Content is a duplicate of {existing_urn}",
        errorDetailType="com.linkedin.common.error.BadRequest",
        errorDetails={"inputErrors": [{"description": "Duplicate post is detected", "input": {}, "code": "DUPLICATE_POST"}]},
    )


class LinkedInShapes(ErrorShapes):
    def server_error(self, rule):
        status = rule.status or 500
        return li_error(status, "Internal Server Error" if status == 500 else "Service Unavailable")

    def rate_limited(self, rule):
        # LinkedIn documents no rate-limit headers: a bare 429.
        return li_error(429, "Resource level throttle APPLICATION DAY limit for calls to this resource is reached.")

    def duplicate(self, rule):
        return _duplicate(f"urn:li:share:{7_300_000_000_000_000_000 + rule.id}")


SHAPES = LinkedInShapes()


def render_little_text(raw: str) -> str:
    """What members see: escapes resolved; an unescaped reserved character cuts the text there.

    That cut models the silent truncation LinkedIn applies to malformed little text.
    """
    out = []
    i = 0
    while i < len(raw):
        ch = raw[i]
        if ch == "\\" and i + 1 < len(raw):
            out.append(raw[i + 1])
            i += 2
            continue
        if ch in RESERVED:
            break
        out.append(ch)
        i += 1
    return "".join(out)


def _authenticated(*any_of_scopes: str):
    status, token = current_state().token_status(bearer_token(), "linkedin")
    if status == "missing":
        return None, li_error(401, "Empty oauth2_access_token", 65604)
    if status == "revoked":
        return None, li_error(401, "The token used in the request has been revoked by the user", 65601, "REVOKED_ACCESS_TOKEN")
    if status == "expired":
        return None, li_error(401, "The token used in the request has expired", 65602, "EXPIRED_ACCESS_TOKEN")
    if status != "ok":
        return None, li_error(401, "Invalid access token", 65600, "INVALID_ACCESS_TOKEN")
    if any_of_scopes and not any(scope in token.scopes for scope in any_of_scopes):
        return None, li_error(403, f"Not enough permissions to access: {request.path}", 100, "ACCESS_DENIED")
    return token, None


@bp.before_request
def _check_versioned_headers():
    if not request.path.startswith("/linkedin/rest/"):
        return None
    version = request.headers.get("LinkedIn-Version")
    if not version:
        return li_error(400, "A version must be present. Please specify a version by adding the LinkedIn-Version header.", code="VERSION_MISSING")
    if not re.fullmatch(r"20\d{4}(\.\d{2})?", version):
        return li_error(426, f"Requested version {version} is not active", code="NONEXISTENT_VERSION")
    if request.headers.get("X-Restli-Protocol-Version") != "2.0.0":
        return li_error(400, "X-Restli-Protocol-Version 2.0.0 is required for this resource", code="ILLEGAL_ARGUMENT")
    return None


@bp.get("/oauth/v2/authorization")
@fault_point("linkedin", "authorize", SHAPES)
def authorization():
    return start_consent(CONSENT)


@bp.post("/oauth/v2/authorization")
def authorization_consent():
    return finish_consent(CONSENT)


@bp.post("/oauth/v2/accessToken")
@fault_point("linkedin", "token", SHAPES)
def access_token():
    state = current_state()
    client = state.client("linkedin", request.form.get("client_id"))
    if client is None or request.form.get("client_secret") != client.client_secret:
        return jsonify({"error": "invalid_client", "error_description": "Client authentication failed"}), 401
    lifetimes = state.lifetimes["linkedin"]
    grant_type = request.form.get("grant_type")
    if grant_type == "authorization_code":
        problem, code = redeem_code("linkedin", request.form.get("code"), client.client_id, request.form.get("redirect_uri"))
        if problem != "ok":
            return jsonify({
                "error": "invalid_request",
                "error_description": "Unable to retrieve access token: appid/redirect uri/code verifier does not match "
                "authorization code. Or authorization code expired. Or external member binding exists",
            }), 400
        access = state.issue_token(
            "linkedin", prefix="AQV", lifetime=lifetimes["access"], client_id=client.client_id,
            user_id=code.user_id, scopes=code.scopes, family=code.code,
        )
        body = {"access_token": access.value, "expires_in": lifetimes["access"], "scope": ",".join(code.scopes)}
        code.issued_tokens = [access.value]
        if client.refresh_tokens:
            refresh = state.issue_token(
                "linkedin", prefix="AQX", lifetime=lifetimes["refresh"], client_id=client.client_id,
                user_id=code.user_id, scopes=code.scopes, family=code.code, kind="refresh",
            )
            body.update(refresh_token=refresh.value, refresh_token_expires_in=lifetimes["refresh"])
            code.issued_tokens.append(refresh.value)
        return jsonify(body)
    if grant_type == "refresh_token":
        refresh = state.tokens.get(request.form.get("refresh_token", ""))
        expired = refresh is not None and refresh.expires_at is not None and state.now() >= refresh.expires_at
        if refresh is None or refresh.kind != "refresh" or refresh.network != "linkedin" or refresh.revoked or expired \
                or refresh.client_id != client.client_id:
            return jsonify({"error": "invalid_grant", "error_description": "Token has been expired or revoked."}), 400
        access = state.issue_token(
            "linkedin", prefix="AQV", lifetime=lifetimes["access"], client_id=client.client_id,
            user_id=refresh.user_id, scopes=refresh.scopes, family=refresh.family,
        )
        # The refresh token keeps its original expiry: refreshing never extends it.
        remaining = int(refresh.expires_at - state.now()) if refresh.expires_at else None
        return jsonify({
            "access_token": access.value, "expires_in": lifetimes["access"], "refresh_token": refresh.value,
            "refresh_token_expires_in": remaining, "scope": ",".join(refresh.scopes),
        })
    return jsonify({"error": "unsupported_grant_type", "error_description": "grant_type is not supported"}), 400


def _member_org_role(member_id: str, org_id: str) -> str | None:
    member = current_state().accounts["linkedin"].get(member_id) or {}
    for org in member.get("organizations") or []:
        if str(org["id"]) == str(org_id):
            return org.get("role")
    return None


@bp.get("/rest/organizationAcls")
@fault_point("linkedin", "read", SHAPES)
def organization_acls():
    token, error = _authenticated("rw_organization_admin", "r_organization_admin")
    if error:
        return error
    if request.args.get("q") != "roleAssignee":
        return li_error(400, "Invalid query parameters passed to request", code="ILLEGAL_ARGUMENT")
    member = current_state().accounts["linkedin"].get(token.user_id) or {}
    elements = [
        {"roleAssignee": f"urn:li:person:{token.user_id}", "role": org.get("role", "ADMINISTRATOR"),
         "organization": f"urn:li:organization:{org['id']}", "state": "APPROVED"}
        for org in member.get("organizations") or []
        if request.args.get("role") in (None, org.get("role", "ADMINISTRATOR"))
    ]
    return jsonify({"elements": elements, "paging": {"count": len(elements), "start": 0, "links": []}})


@bp.get("/rest/organizations/<org_id>")
@fault_point("linkedin", "read", SHAPES)
def organization(org_id):
    token, error = _authenticated()
    if error:
        return error
    org = current_state().linkedin_org(org_id)
    if org is None:
        return li_error(404, f"Organization {org_id} not found", code="NOT_FOUND")
    return jsonify({"id": int(org["id"]) if str(org["id"]).isdigit() else org["id"], "localizedName": org["name"],
                    "vanityName": org.get("vanity"), "$URN": f"urn:li:organization:{org['id']}"})


@bp.post("/rest/images")
@fault_point("linkedin", "upload", SHAPES)
def initialize_image_upload():
    token, error = _authenticated("w_organization_social")
    if error:
        return error
    if request.args.get("action") != "initializeUpload":
        return li_error(400, "Unsupported action", code="ILLEGAL_ARGUMENT")
    owner = ((request.get_json(silent=True) or {}).get("initializeUploadRequest") or {}).get("owner", "")
    org_id = owner.rsplit(":", 1)[-1]
    if not owner.startswith("urn:li:organization:") or _member_org_role(token.user_id, org_id) not in POSTING_ROLES:
        return li_error(403, f"Not enough permissions to upload on behalf of {owner}", 100, "ACCESS_DENIED")
    state = current_state()
    image_id = "D4E10AQ" + secrets.token_hex(8)
    upload_key = secrets.token_urlsafe(16)
    with state.lock:
        state.media[("linkedin", f"urn:li:image:{image_id}")] = {"owner": owner, "status": "WAITING_UPLOAD", "upload_key": upload_key}
        state.media[("linkedin-upload", upload_key)] = {"image": f"urn:li:image:{image_id}"}
    return jsonify({"value": {
        "uploadUrlExpiresAt": int((state.now() + 3600) * 1000),
        "uploadUrl": f"{request.host_url.rstrip('/')}/linkedin/_upload/images/{upload_key}",
        "image": f"urn:li:image:{image_id}",
    }})


@bp.put("/_upload/images/<upload_key>")
@fault_point("linkedin", "upload", SHAPES)
def upload_image_bytes(upload_key):
    token, error = _authenticated()
    if error:
        return error
    state = current_state()
    upload = state.media.get(("linkedin-upload", upload_key))
    if upload is None:
        return li_error(404, "Upload URL not found or expired", code="NOT_FOUND")
    data = request.get_data()
    if not data:
        return li_error(400, "Empty upload", code="ILLEGAL_ARGUMENT")
    with state.lock:
        state.media[("linkedin", upload["image"])].update(status="AVAILABLE", size=len(data))
    return "", 201


@bp.get("/rest/images/<path:image_urn>")
@fault_point("linkedin", "read", SHAPES)
def get_image(image_urn):
    token, error = _authenticated()
    if error:
        return error
    image = current_state().media.get(("linkedin", image_urn))
    if image is None:
        return li_error(404, f"Image {image_urn} not found", code="NOT_FOUND")
    return jsonify({"id": image_urn, "status": image["status"], "owner": image["owner"]})


def _content_media_ids(content: dict) -> list[str]:
    if "media" in content:
        return [content["media"].get("id", "")]
    if "multiImage" in content:
        return [image.get("id", "") for image in content["multiImage"].get("images") or []]
    return []


@bp.post("/rest/posts")
@fault_point("linkedin", "publish", SHAPES)
def create_post():
    token, error = _authenticated("w_organization_social", "w_member_social")
    if error:
        return error
    state = current_state()
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        return li_error(400, "Request body must be JSON", code="ILLEGAL_ARGUMENT")
    for field_name in ("author", "visibility", "distribution", "lifecycleState"):
        if field_name not in body:
            return li_error(422, f"ERROR :: /{field_name} :: field is required but not found and has no default value")
    author = body["author"]
    if author.startswith("urn:li:organization:"):
        if "w_organization_social" not in token.scopes or _member_org_role(token.user_id, author.rsplit(":", 1)[-1]) not in POSTING_ROLES:
            return li_error(403, f"Not enough permissions to post as {author}", 100, "ACCESS_DENIED")
    elif author != f"urn:li:person:{token.user_id}":
        return li_error(403, f"Not enough permissions to post as {author}", 100, "ACCESS_DENIED")
    commentary = body.get("commentary") or ""
    content = body.get("content") or {}
    media_ids = _content_media_ids(content)
    link = (content.get("article") or {}).get("source")
    content_hash = state.content_hash("linkedin", author, commentary, link, media_ids)
    state.record_arrival("linkedin", author, request.headers.get("Idempotency-Key"), content_hash)
    rendered = render_little_text(commentary)
    if len(rendered) > MAX_COMMENTARY:
        return li_error(422, f"ERROR :: /commentary :: length {len(rendered)} exceeds maximum of {MAX_COMMENTARY}")
    for media_id in media_ids:
        image = state.media.get(("linkedin", media_id))
        if not image or image["owner"] != author or image["status"] != "AVAILABLE":
            return li_error(422, f"ERROR :: /content/media/id :: {media_id} is not AVAILABLE")
    with state.lock:
        # Deleted posts still count ("ghost" duplicates).
        earlier = state.same_content(content_hash, include_deleted=True)
        if earlier:
            return _duplicate(earlier.post_id)
        urn = f"urn:li:share:{7_300_000_000_000_000_000 + state.next_number()}"
        state.store_publication(Publication(
            network="linkedin", account_id=author, post_id=urn, text=commentary, rendered_text=rendered, link=link,
            media=media_ids, idempotency_key=request.headers.get("Idempotency-Key"), content_hash=content_hash,
            created_at=state.now(),
        ))
    return "", 201, {"x-restli-id": urn}


@bp.delete("/rest/posts/<path:post_urn>")
@fault_point("linkedin", "delete", SHAPES)
def delete_post(post_urn):
    token, error = _authenticated("w_organization_social", "w_member_social")
    if error:
        return error
    state = current_state()
    with state.lock:
        pub = state.find_publication("linkedin", post_urn)
        if pub is None or pub.deleted:
            return li_error(404, f"Post {post_urn} not found", code="NOT_FOUND")
        org_id = pub.account_id.rsplit(":", 1)[-1]
        if _member_org_role(token.user_id, org_id) not in POSTING_ROLES:
            return li_error(403, f"Not enough permissions to delete {post_urn}", 100, "ACCESS_DENIED")
        pub.deleted = True
    return "", 204
