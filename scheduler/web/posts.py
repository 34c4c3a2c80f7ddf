"""Posts for team members: list, compose, detail, edit, reschedule, cancel, settle targets; posting slots;
image upload; and the same operations as JSON under /api.

Pages and API share parsing helpers so both refuse the same input with the same sentence.
"""
from __future__ import annotations

import re
from collections import Counter
from itertools import pairwise
from datetime import date, datetime, timedelta

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from scheduler.authz import can
from scheduler.connectors import DISPLAY_NAMES
from scheduler.extensions import db
from scheduler.models import Post, PostingSlot, PostState, PostTarget, Team, TargetState
from scheduler.services import post_queries
from scheduler.services import posts as post_service
from scheduler.services.media import IMAGE_MAX_BYTES, store_image
from scheduler.services.scheduling import (WEEKDAYS, add_posting_slot, remove_posting_slot,
                                          set_late_approval_rule)
from scheduler.services.errors import InvalidInput, ServiceError
from scheduler.services.lifecycle import READABLE
from scheduler.services.scheduling import local_to_utc, utc_to_local
from scheduler.services.validation import clean_bool
from scheduler.web.access import authorize, load
from scheduler.web.api import MAX_PAGE_SIZE, json_body, user_json
from scheduler.web.forms import ActionForm
from scheduler.web.main import visible_teams
from scheduler.web.responses import api_error, api_ok

bp = Blueprint("posts", __name__)
api_bp = Blueprint("posts_api", __name__, url_prefix="/api")

PAGE_SIZE = 20
API_DEFAULT_PAGE_SIZE = 50
CONTENT_FIELDS = {"text", "link", "media", "declarations", "targets"}
WHEN_FIELDS = {"scheduled_at", "publish_now", "add_to_queue"}
MEDIA_FIELDS = {"media_id", "alt_text", "credit", "licence"}
TARGET_FIELDS = {"account_id", "text_variant"}
DECLARATION_FIELDS = {"kind", "reference"}
_CLOCK_TIME = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)(:00)?$")  # some browsers add seconds
READABLE_DECISIONS = {"approved": "approved", "changes_requested": "asked for changes", "rejected": "rejected"}
# Targets a person has to settle: the outcome is unknown, or it failed.
SETTLEABLE = (TargetState.unconfirmed, TargetState.failed)


# --- parsing shared by pages and API -------------------------------------------------

def read_upload(storage) -> bytes:
    # One byte past the limit is enough to know it is too large.
    return storage.stream.read(IMAGE_MAX_BYTES + 1)


def parse_local_time(value, field: str = "scheduled_at"):
    """A time the viewer typed: naive means their own zone; an ISO offset is taken as given."""
    return local_to_utc(value, current_user.time_zone, field)


def parse_day_bound(value: str, field: str, end: bool = False) -> datetime:
    """A filter bound: a date (whole day, in the viewer's zone) or a date and time."""
    value = value.strip()
    try:
        day = date.fromisoformat(value)
    except ValueError:
        return parse_local_time(value, field)
    if end:
        day += timedelta(days=1)
    return parse_local_time(f"{day.isoformat()}T00:00", field)


def parse_whole_number(value, field: str, label: str) -> int | None:
    if value in (None, ""):
        return None
    if not str(value).isdigit() or len(str(value)) > 12:
        raise InvalidInput(f"{label} must be a whole number.", field)
    return int(value)


def refuse_unknown_keys(items, field: str, allowed: set[str]) -> None:
    """Nested objects (targets, media, declarations) are held to the same rule as the body: no unknown keys."""
    if not isinstance(items, list):
        return  # the service words the shape error
    for item in items:
        if isinstance(item, dict):
            unknown = sorted(set(item) - allowed)
            if unknown:
                raise InvalidInput(f"Unknown field in {field}: {unknown[0]}.", field)


def list_filters(args) -> dict:
    """state, account_id, and from/to (dates or times in the viewer's zone; `to` includes its whole day)."""
    filters = {"state": args.get("state") or None,
               "account_id": parse_whole_number(args.get("account_id"), "account_id", "account_id")}
    if args.get("from"):
        filters["scheduled_from"] = parse_day_bound(args["from"], "from")
    if args.get("to"):
        filters["scheduled_before"] = parse_day_bound(args["to"], "to", end=True)
    return filters


# --- presentation ---------------------------------------------------------------------

def in_viewer_zone(moment: datetime | None) -> datetime | None:
    return utc_to_local(moment, current_user.time_zone) if moment is not None else None


@bp.app_template_filter("viewer_time")
def viewer_time(moment: datetime | None) -> str:
    if moment is None:
        return "—"
    return f"{in_viewer_zone(moment):%a %d %b %Y, %H:%M %Z}"


def highlighted_text(post: Post, flags: list[dict]) -> list[dict]:
    """The post's text and each per-network variant, cut into runs that carry the numbers of the flags covering them.

    The gate checks the text and the variants joined by blank lines, so flag
    offsets count through them in that order (see gatekeeping._gate_post).
    """
    pieces = [("Text", post.text)] + [(f"Text for {t.account.name}", t.text_variant)
                                      for t in post.targets if t.text_variant]
    spans = [(number, f["start"], f["end"]) for number, f in enumerate(flags, 1)
             if isinstance(f.get("start"), int) and isinstance(f.get("end"), int) and f["end"] > f["start"]]
    result, base = [], 0
    for label, text in pieces:
        cuts = {0, len(text)}
        for _, start, end in spans:
            cuts.update(min(max(offset - base, 0), len(text)) for offset in (start, end))
        runs = []
        for left, right in pairwise(sorted(cuts)):
            covering = [n for n, start, end in spans if start - base <= left and end - base >= right]
            runs.append({"text": text[left:right], "flags": covering})
        result.append({"label": label, "runs": runs})
        base += len(text) + 2
    return result


def attempt_json(attempt) -> dict:
    return {"started_at": _iso(attempt.started_at), "finished_at": _iso(attempt.finished_at),
            "outcome": attempt.outcome, "message": attempt.message}


def target_json(target: PostTarget, detail: bool = False) -> dict:
    account = target.account
    data = {
        "id": target.id, "account_id": account.id,
        "account": {"id": account.id, "name": account.name, "handle": account.handle, "platform": account.platform,
                    "status": account.status.value},
        "text_variant": target.text_variant, "state": target.state.value, "state_text": READABLE[target.state.value],
        "due_at": _iso(target.due_at), "published_at": _iso(target.published_at),
        "external_url": target.external_url, "attempt_count": target.attempts, "last_error": target.last_error,
        "needs_a_person": target.state in SETTLEABLE,
    }
    if detail:
        data["attempts"] = [attempt_json(a) for a in target.attempts_log]
    return data


def decision_json(approval) -> dict:
    return {"decision": approval.decision.value, "manager": user_json(approval.manager), "note": approval.note,
            "decided_at": _iso(approval.decided_at), "content_hash": approval.content_hash,
            "voided": approval.voided_at is not None}


def post_json(post: Post, detail: bool = False) -> dict:
    data = {
        "id": post.id, "team_id": post.team_id, "author": user_json(post.author),
        "text": post.text, "link": post.link, "media": post.media or [], "declarations": post.declarations or [],
        "state": post.state.value, "state_text": READABLE[post.state.value],
        "scheduled_at": _iso(post.scheduled_at), "scheduled_at_local": _iso(in_viewer_zone(post.scheduled_at)),
        "content_hash": post.content_hash, "created_at": _iso(post.created_at), "updated_at": _iso(post.updated_at),
        "targets": [target_json(t, detail) for t in post.targets],
    }
    if detail:
        data["decisions"] = [decision_json(a) for a in post_queries.manager_decisions(post)]
        verdict = post_queries.latest_verdict(post)
        data["verdict"] = None if verdict is None else {
            "decision": verdict.decision, "policy_version": verdict.policy_version,
            "evaluated_at": _iso(verdict.evaluated_at), "flags": verdict.flags}
    return data


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment is not None else None


# --- pages: posts -------------------------------------------------------------------------

@bp.get("/posts")
@login_required
def overview():
    teams = visible_teams(current_user)
    if len(teams) == 1:
        return redirect(url_for("posts.team_posts", team_id=teams[0].id))
    return render_template("posts/overview.html", teams=teams)


@bp.get("/teams/<int:team_id>/posts")
@login_required
def team_posts(team_id: int):
    team = load(Team, team_id, "post.list")
    error, status = None, 200
    try:
        page = parse_whole_number(request.args.get("page"), "page", "page") or 1
        result = post_queries.team_posts(team, **list_filters(request.args), order=request.args.get("order", "newest"),
                                         page=min(page, 100000), per_page=PAGE_SIZE)
    except ServiceError as exc:
        error, status = exc.message, exc.status
        result = post_queries.PostPage([], 0, 1, PAGE_SIZE)
    return render_template("posts/list.html", team=team, result=result, error=error, args=request.args,
                           accounts=post_queries.granted_accounts(team), states=PostState, readable=READABLE), status


def _compose_values_from_form(form) -> dict:
    """What the person typed, kept to fill the form again if it is refused."""
    media = [{"media_id": media_id, "alt_text": alt, "credit": credit, "licence": licence}
             for media_id, alt, credit, licence in zip(form.getlist("media_id"), form.getlist("media_alt_text"),
                                                       form.getlist("media_credit"), form.getlist("media_licence"))
             if media_id not in form.getlist("media_remove")]
    return {
        "text": form.get("text", ""), "link": form.get("link", ""), "media": media,
        "accounts": form.getlist("account"),
        "variants": {key[len("variant_"):]: value for key, value in form.items() if key.startswith("variant_")},
        "consent": bool(form.get("consent")), "consent_reference": form.get("consent_reference", ""),
        "rights_cleared": bool(form.get("rights_cleared")), "rights_reference": form.get("rights_reference", ""),
        "when": form.get("when", "at"), "scheduled_local": form.get("scheduled_local", ""),
    }


def _values_from_post(post: Post) -> dict:
    kinds = {d["kind"]: d.get("reference", "") for d in post.declarations or []}
    return {
        "text": post.text, "link": post.link or "", "media": list(post.media or []),
        "accounts": [str(t.account_id) for t in post.targets],
        "variants": {str(t.account_id): t.text_variant or "" for t in post.targets},
        "consent": "consent" in kinds, "consent_reference": kinds.get("consent", ""),
        "rights_cleared": "rights_cleared" in kinds, "rights_reference": kinds.get("rights_cleared", ""),
    }


def _attach_upload(values: dict) -> None:
    """A file chosen in the form is stored now and becomes one of the post's media."""
    upload = request.files.get("image")
    if upload is None or not upload.filename:
        return
    media_id = store_image(read_upload(upload))
    if media_id not in {m["media_id"] for m in values["media"]}:
        values["media"].append({"media_id": media_id, "alt_text": request.form.get("image_alt_text", ""),
                                "credit": request.form.get("image_credit", ""),
                                "licence": request.form.get("image_licence", "")})


def _content_from_values(values: dict) -> dict:
    targets = []
    for raw in values["accounts"]:
        account_id = parse_whole_number(raw, "targets", "An account")
        targets.append({"account_id": account_id, "text_variant": values["variants"].get(raw) or None})
    declarations = [{"kind": kind, "reference": values[f"{prefix}_reference"]}
                    for kind, prefix in (("consent", "consent"), ("rights_cleared", "rights")) if values[kind]]
    return {"text": values["text"], "link": values["link"] or None, "media": values["media"],
            "declarations": declarations, "targets": targets}


def _when_from_values(values: dict) -> dict:
    if values["when"] == "now":
        return {"publish_now": True}
    if values["when"] == "queue":
        return {"add_to_queue": True}
    return {"scheduled_at": parse_local_time(values["scheduled_local"])}


def _render_compose(team: Team, values: dict, post: Post | None = None, error: ServiceError | None = None,
                    status: int = 200):
    offered = post_queries.publishable_accounts(team)
    if post is not None:  # an account that needs reconnecting stays visible on the post it is already on
        offered += [t.account for t in post.targets if t.account not in offered]
    return render_template("posts/compose.html", team=team, post=post, values=values, accounts=offered,
                           error=error, declaration_kinds=post_service.DECLARATION_KINDS,
                           display_names=DISPLAY_NAMES), status


@bp.route("/teams/<int:team_id>/posts/new", methods=["GET", "POST"])
@login_required
def compose(team_id: int):
    team = load(Team, team_id, "post.create")
    if request.method == "GET":
        return _render_compose(team, {"text": "", "link": "", "media": [], "accounts": [], "variants": {},
                                      "consent": False, "consent_reference": "", "rights_cleared": False,
                                      "rights_reference": "", "when": "at", "scheduled_local": ""})
    values = _compose_values_from_form(request.form)
    try:
        _attach_upload(values)
        post = post_service.create_post(current_user, team, **_content_from_values(values),
                                        **_when_from_values(values))
    except ServiceError as exc:
        db.session.rollback()
        return _render_compose(team, values, error=exc, status=exc.status)
    db.session.commit()
    flash("Scheduled." if post.state == PostState.scheduled else
          f"Saved: this post is {READABLE[post.state.value]}.", "info")
    return redirect(url_for("posts.detail", post_id=post.id), 303)


def _render_detail(post: Post):
    verdict = post_queries.latest_verdict(post)
    flags = list(verdict.flags) if verdict else []
    return render_template("posts/detail.html", post=post, verdict=verdict, flags=flags,
                           decisions=post_queries.manager_decisions(post), readable_decisions=READABLE_DECISIONS,
                           target_summary=Counter(READABLE[t.state.value] for t in post.targets).most_common(),
                           pieces=highlighted_text(post, flags), readable=READABLE, action_form=ActionForm(),
                           editable=post.state in post_service.EDITABLE, settleable=SETTLEABLE,
                           display_names=DISPLAY_NAMES)


@bp.get("/posts/<int:post_id>")
@login_required
def detail(post_id: int):
    return _render_detail(load(Post, post_id, "post.view"))


@bp.route("/posts/<int:post_id>/edit", methods=["GET", "POST"])
@login_required
def edit(post_id: int):
    post = load(Post, post_id, "post.edit")
    if request.method == "GET":
        return _render_compose(post.team, _values_from_post(post), post=post)
    values = _compose_values_from_form(request.form)
    try:
        _attach_upload(values)
        changes = _content_from_values(values)
        # Re-sending unchanged targets would re-check accounts that may since need reconnecting.
        if [(t["account_id"], t["text_variant"]) for t in changes["targets"]] == \
                [(t.account_id, t.text_variant) for t in post.targets]:
            del changes["targets"]
        post_service.edit_post(current_user, post, **changes)
    except ServiceError as exc:
        db.session.rollback()
        return _render_compose(post.team, values, post=post, error=exc, status=exc.status)
    db.session.commit()
    flash("Saved. It is still a draft: send it to be checked again when it is ready." if post.state == PostState.draft
          else f"Saved and checked again: this post is {READABLE[post.state.value]}.", "info")
    return redirect(url_for("posts.detail", post_id=post.id), 303)


def _after_action(post: Post, operation, success: str):
    """Run one service operation for a button on the post page; commit, or roll back and say why."""
    try:
        operation()
    except ServiceError as exc:
        db.session.rollback()
        flash(exc.message, "error")
    else:
        db.session.commit()
        flash(success, "info")
    return redirect(url_for("posts.detail", post_id=post.id), 303)


@bp.post("/posts/<int:post_id>/schedule")
@login_required
def reschedule(post_id: int):
    post = load(Post, post_id, "post.edit")
    values = {"when": request.form.get("when", "at"), "scheduled_local": request.form.get("scheduled_local", "")}
    return _after_action(post, lambda: post_service.reschedule_post(current_user, post, **_when_from_values(values)),
                         "Rescheduled.")


@bp.post("/posts/<int:post_id>/submit")
@login_required
def submit(post_id: int):
    post = load(Post, post_id, "post.edit")
    return _after_action(post, lambda: post_service.submit_draft(current_user, post),
                         "Sent through the guideline check again.")


@bp.post("/posts/<int:post_id>/cancel")
@login_required
def cancel(post_id: int):
    post = load(Post, post_id, "post.cancel")
    return _after_action(post, lambda: post_service.cancel_post(current_user, post), "Cancelled.")


def _target_of(post: Post, target_id: int) -> PostTarget:
    target = load(PostTarget, target_id, "post.settle_target")
    if target.post_id != post.id:
        abort(404)
    return target


@bp.post("/posts/<int:post_id>/targets/<int:target_id>/mark-published")
@login_required
def mark_published(post_id: int, target_id: int):
    post = load(Post, post_id, "post.view")
    target = _target_of(post, target_id)
    url = request.form.get("url", "").strip() or None
    return _after_action(post, lambda: post_service.mark_target_published(current_user, target, url),
                         f"Marked as published on {target.account.name}.")


@bp.post("/posts/<int:post_id>/targets/<int:target_id>/retry")
@login_required
def retry(post_id: int, target_id: int):
    post = load(Post, post_id, "post.view")
    target = _target_of(post, target_id)
    return _after_action(post, lambda: post_service.retry_target(current_user, target),
                         f"Sending again to {target.account.name}.")


# --- pages: posting slots and the late-approval rule -------------------------------------

def _render_slots(team: Team, error: ServiceError | None = None, status: int = 200):
    accounts = post_queries.granted_accounts(team)
    by_account = {a.id: [[] for _ in WEEKDAYS] for a in accounts}
    for slot in post_queries.team_slots(team):
        if slot.account_id in by_account:
            by_account[slot.account_id][slot.weekday].append(slot)
    return render_template("posts/slots.html", team=team, accounts=accounts, by_account=by_account,
                           weekdays=WEEKDAYS, error=error, action_form=ActionForm(),
                           may_manage=can(current_user, "team.manage_settings", team),
                           display_names=DISPLAY_NAMES), status


@bp.get("/teams/<int:team_id>/slots")
@login_required
def slots(team_id: int):
    return _render_slots(load(Team, team_id, "team.view"))


def parse_clock_time(value) -> int:
    match = _CLOCK_TIME.match((value or "").strip())
    if match is None:
        raise InvalidInput("Give a time such as 09:30.", "time")
    return int(match.group(1)) * 60 + int(match.group(2))


@bp.post("/teams/<int:team_id>/slots")
@login_required
def add_slot(team_id: int):
    team = load(Team, team_id, "team.manage_settings")
    try:
        add_posting_slot(current_user, team,
                         parse_whole_number(request.form.get("account_id"), "account_id", "The account"),
                         parse_whole_number(request.form.get("weekday"), "weekday", "The day"),
                         parse_clock_time(request.form.get("time")))
    except ServiceError as exc:
        db.session.rollback()
        return _render_slots(team, exc, exc.status)
    db.session.commit()
    flash("Slot added.", "info")
    return redirect(url_for("posts.slots", team_id=team.id), 303)


@bp.post("/teams/<int:team_id>/slots/<int:slot_id>/remove")
@login_required
def remove_slot(team_id: int, slot_id: int):
    team = load(Team, team_id, "team.manage_settings")
    slot = load(PostingSlot, slot_id, "team.manage_settings")
    if slot.team_id != team.id:
        abort(404)
    remove_posting_slot(current_user, slot)
    db.session.commit()
    flash("Slot removed.", "info")
    return redirect(url_for("posts.slots", team_id=team.id), 303)


@bp.post("/teams/<int:team_id>/late-approval-rule")
@login_required
def late_approval_rule(team_id: int):
    team = load(Team, team_id, "team.manage_settings")
    try:
        set_late_approval_rule(current_user, team, request.form.get("late_approval_rule"))
    except ServiceError as exc:
        db.session.rollback()
        return _render_slots(team, exc, exc.status)
    db.session.commit()
    flash("Saved.", "info")
    return redirect(url_for("posts.slots", team_id=team.id), 303)


# --- JSON API -----------------------------------------------------------------------------

@api_bp.errorhandler(ServiceError)
def _service_error(exc: ServiceError):
    db.session.rollback()
    return api_error(exc.message, exc.status, exc.field)


def _api_content(body: dict) -> dict:
    for field, allowed in (("targets", TARGET_FIELDS), ("media", MEDIA_FIELDS),
                           ("declarations", DECLARATION_FIELDS)):
        refuse_unknown_keys(body.get(field), field, allowed)
    return {name: body[name] for name in CONTENT_FIELDS if name in body}


def _api_when(body: dict) -> dict:
    when = {}
    if body.get("scheduled_at") is not None:
        when["scheduled_at"] = parse_local_time(body["scheduled_at"])
    for name in ("publish_now", "add_to_queue"):
        if name in body:
            when[name] = clean_bool(body[name], name, name)
    return when


def _api_int_arg(name: str, default: int, high: int) -> int:
    value = parse_whole_number(request.args.get(name), name, name)
    if value is None:
        return default
    if not 1 <= value <= high:
        raise InvalidInput(f"{name} must be a whole number from 1 to {high}.", name)
    return value


@api_bp.post("/media")
@login_required
def upload_media():
    authorize("media.upload")
    upload = request.files.get("file")
    if upload is None:
        raise InvalidInput("Send the image as multipart/form-data in a field called file.", "file")
    media_id = store_image(read_upload(upload))
    return api_ok({"media_id": media_id}, 201)


@api_bp.post("/teams/<int:team_id>/posts")
@login_required
def api_create_post(team_id: int):
    team = load(Team, team_id, "post.create")
    body = json_body(CONTENT_FIELDS | WHEN_FIELDS, {"text", "targets"})
    post = post_service.create_post(current_user, team, **_api_content(body), **_api_when(body))
    db.session.commit()
    return api_ok(post_json(post, detail=True), 201)


@api_bp.get("/teams/<int:team_id>/posts")
@login_required
def api_list_posts(team_id: int):
    team = load(Team, team_id, "post.list")
    result = post_queries.team_posts(team, **list_filters(request.args), order=request.args.get("order", "newest"),
                                     page=_api_int_arg("page", 1, 100000),
                                     per_page=_api_int_arg("per_page", API_DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE))
    return api_ok({"posts": [post_json(p) for p in result.posts], "page": result.page,
                   "per_page": result.per_page, "total": result.total, "has_next": result.has_next})


@api_bp.get("/posts/<int:post_id>")
@login_required
def api_get_post(post_id: int):
    return api_ok(post_json(load(Post, post_id, "post.view"), detail=True))


@api_bp.patch("/posts/<int:post_id>")
@login_required
def api_edit_post(post_id: int):
    post = load(Post, post_id, "post.edit")
    body = json_body(CONTENT_FIELDS)
    if not body:
        raise InvalidInput("Send at least one of: " + ", ".join(sorted(CONTENT_FIELDS)) + ".")
    post_service.edit_post(current_user, post, **_api_content(body))
    db.session.commit()
    return api_ok(post_json(post, detail=True))


@api_bp.post("/posts/<int:post_id>/schedule")
@login_required
def api_reschedule_post(post_id: int):
    post = load(Post, post_id, "post.edit")
    body = json_body(WHEN_FIELDS)
    post_service.reschedule_post(current_user, post, **_api_when(body))
    db.session.commit()
    return api_ok(post_json(post, detail=True))


@api_bp.post("/posts/<int:post_id>/submit")
@login_required
def api_submit_post(post_id: int):
    post = load(Post, post_id, "post.edit")
    post_service.submit_draft(current_user, post)
    db.session.commit()
    return api_ok(post_json(post, detail=True))


@api_bp.post("/posts/<int:post_id>/cancel")
@login_required
def api_cancel_post(post_id: int):
    post = load(Post, post_id, "post.cancel")
    post_service.cancel_post(current_user, post)
    db.session.commit()
    return api_ok(post_json(post, detail=True))


@api_bp.post("/posts/<int:post_id>/targets/<int:target_id>/mark-published")
@login_required
def api_mark_published(post_id: int, target_id: int):
    post = load(Post, post_id, "post.view")
    target = _target_of(post, target_id)
    body = json_body({"url"}) if request.get_data() else {}
    post_service.mark_target_published(current_user, target, body.get("url"))
    db.session.commit()
    return api_ok(post_json(post, detail=True))


@api_bp.post("/posts/<int:post_id>/targets/<int:target_id>/retry")
@login_required
def api_retry_target(post_id: int, target_id: int):
    post = load(Post, post_id, "post.view")
    target = _target_of(post, target_id)
    post_service.retry_target(current_user, target)
    db.session.commit()
    return api_ok(post_json(post, detail=True))
