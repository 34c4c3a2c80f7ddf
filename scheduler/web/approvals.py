"""The managers' approvals inbox (page and JSON API): decide on flagged posts, bound to what was seen."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from scheduler.extensions import db
from scheduler.models import Post, now_utc
from scheduler.services import approvals, post_queries
from scheduler.services.errors import InvalidInput, ServiceError
from scheduler.web.access import authorize, load
from scheduler.web.api import json_body
from scheduler.web.forms import ActionForm
from scheduler.web.posts import highlighted_text, post_json
from scheduler.web.responses import api_error, api_ok

bp = Blueprint("approvals", __name__)
api_bp = Blueprint("approvals_api", __name__, url_prefix="/api")


def latest_flags(post: Post) -> list[dict]:
    verdict = post_queries.latest_verdict(post)
    return verdict.flags if verdict else []


def time_left(post: Post) -> str:
    if post.scheduled_at is None:
        return "no time set"
    seconds = int((post.scheduled_at - now_utc()).total_seconds())
    if seconds <= 0:
        return "its time has passed"
    hours, minutes = divmod(seconds // 60, 60)
    return f"{hours} h {minutes} min left" if hours else f"{minutes} min left"


@bp.get("/approvals")
@login_required
def inbox():
    authorize("approvals.inbox")
    posts = approvals.inbox(current_user)
    items = [{"post": post, "flags": latest_flags(post), "time_left": time_left(post)} for post in posts]
    for item in items:
        item["pieces"] = highlighted_text(item["post"], item["flags"])
    return render_template("approvals/inbox.html", items=items, form=ActionForm())


@bp.post("/approvals/<int:post_id>")
@login_required
def decide(post_id: int):
    post = load(Post, post_id, "post.decide")
    ActionForm()
    try:
        approvals.decide(current_user, post, request.form.get("decision"), request.form.get("content_hash"),
                         request.form.get("note"))
    except ServiceError as exc:
        db.session.rollback()
        flash(exc.message, "error")
        return redirect(url_for("approvals.inbox"), 303)
    db.session.commit()
    flash({"approve": "Approved.", "request_changes": "Sent back to the author with your note.",
           "reject": "Rejected."}[request.form.get("decision")], "info")
    return redirect(url_for("approvals.inbox"), 303)


@api_bp.get("/approvals")
@login_required
def api_inbox():
    authorize("approvals.inbox")
    return api_ok([{**post_json(post, detail=True), "time_left": time_left(post)}
                   for post in approvals.inbox(current_user)])


@api_bp.post("/posts/<int:post_id>/decision")
@login_required
def api_decide(post_id: int):
    post = load(Post, post_id, "post.decide")
    body = json_body({"decision", "content_hash", "note"}, {"decision", "content_hash"})
    try:
        approval = approvals.decide(current_user, post, body["decision"], body["content_hash"], body.get("note"))
    except ServiceError as exc:
        db.session.rollback()
        return api_error(exc.message, exc.status, exc.field)
    db.session.commit()
    return api_ok({"post": post_json(post, detail=True), "decision": approval.decision.value}, 201)


@api_bp.errorhandler(InvalidInput)
def _invalid(exc: InvalidInput):
    db.session.rollback()
    return api_error(exc.message, exc.status, exc.field)
