"""Admin pages for the guideline policy: structured edits, the full text, preview, versions."""
from __future__ import annotations

import sqlalchemy as sa
import yaml
from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from scheduler.extensions import db
from scheduler.models import PolicyVersion
from scheduler.policy_store import current_policy
from scheduler.services import policy as policy_service
from scheduler.services.errors import ServiceError
from scheduler.services.scheduling import local_to_utc
from scheduler.web.access import authorize
from scheduler.web.forms import ActionForm

bp = Blueprint("policy", __name__, url_prefix="/admin/policy")

# The lists admins edit most, with plain labels (section, key).
EDITABLE_LISTS = {
    ("confidential", "code_names"): "Confidential code names",
    ("organisation", "public_phone_numbers"): "Public phone numbers (never flagged)",
    ("organisation", "public_email_addresses"): "Public email addresses (never flagged)",
    ("organisation", "public_postcodes"): "Public postcodes and campus addresses (never flagged)",
    ("confidential", "markers"): "Confidentiality markers",
}


def _page(source_text: str | None = None, preview=None, status: int = 200):
    text = policy_service.active_text()
    data = yaml.safe_load(text)
    versions = db.session.scalars(sa.select(PolicyVersion).order_by(PolicyVersion.id.desc())).all()
    lists = [(section, key, label, data.get(section, {}).get(key, []))
             for (section, key), label in EDITABLE_LISTS.items() if key in data.get(section, {})]
    return render_template("policy/index.html", text=source_text if source_text is not None else text,
                           in_force=current_policy().version, versions=versions, lists=lists,
                           embargoes=data.get("confidential", {}).get("embargoes", []),
                           actions=data.get("actions", {}), preview=preview, form=ActionForm()), status


def _save(new_text: str, note: str):
    try:
        version, report = policy_service.save_version(current_user, new_text, note)
    except ServiceError as exc:
        db.session.rollback()
        flash(exc.message, "error")
        return _page(new_text, status=exc.status)
    db.session.commit()
    flash(f"Policy {version.version} is in force. Re-checked {report['checked']} queued post(s): "
          f"{report['held']} now wait for sign-off, {report['cleared']} cleared.", "info")
    return redirect(url_for("policy.index"), 303)


def _edit(make_text, note: str):
    authorize("admin.area")
    ActionForm()
    try:
        new_text = make_text(policy_service.active_text())
    except ServiceError as exc:
        flash(exc.message, "error")
        return _page(status=exc.status)
    return _save(new_text, note)


@bp.get("")
@login_required
def index():
    authorize("admin.area")
    return _page()


@bp.post("/text")
@login_required
def save_text():
    authorize("admin.area")
    ActionForm()
    text, note = request.form.get("source_text", ""), request.form.get("note", "")
    if request.form.get("preview"):
        try:
            result = policy_service.preview(text)
        except ServiceError as exc:
            flash(exc.message, "error")
            return _page(text, status=exc.status)
        return _page(text, preview=result)
    return _save(text, note or "edited the policy text")


@bp.post("/lists")
@login_required
def save_list():
    section, key = request.form.get("section", ""), request.form.get("key", "")
    label = EDITABLE_LISTS.get((section, key), key)
    values = [line for line in request.form.get("values", "").splitlines() if line.strip()]
    return _edit(lambda text: policy_service.with_list(text, section, key, values), f"edited {label.lower()}")


@bp.post("/embargoes")
@login_required
def add_embargo():
    term, note = request.form.get("term", ""), request.form.get("note", "")

    def change(text):
        lift = local_to_utc(request.form.get("lift", ""), current_user.time_zone, "lift")
        return policy_service.with_embargo(text, term, lift, note)

    return _edit(change, f"embargo on '{term.strip()[:80]}'")


@bp.post("/embargoes/remove")
@login_required
def remove_embargo():
    term = request.form.get("term", "")
    return _edit(lambda text: policy_service.without_embargo(text, term), f"lifted embargo '{term[:80]}'")


@bp.post("/actions")
@login_required
def set_action():
    category, action = request.form.get("category", ""), request.form.get("action", "")
    return _edit(lambda text: policy_service.with_action(text, category, action), f"{category}: {action}")


@bp.post("/versions/<int:version_id>/restore")
@login_required
def restore(version_id: int):
    authorize("admin.area")
    ActionForm()
    try:
        report = policy_service.restore_version(current_user, version_id)
    except ServiceError as exc:
        db.session.rollback()
        flash(exc.message, "error")
        return redirect(url_for("policy.index"), 303)
    db.session.commit()
    flash(f"Restored. Re-checked {report['checked']} queued post(s): {report['held']} now wait for sign-off.",
          "info")
    return redirect(url_for("policy.index"), 303)
