"""Admin pages for shared official accounts: connect, choose pages, grant, reconnect, disconnect."""
from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from scheduler.connectors import DISPLAY_NAMES, configured_platforms
from scheduler.extensions import db
from scheduler.models import SocialAccount, Team
from scheduler.services import accounts as account_service
from scheduler.services.errors import ServiceError
from scheduler.web.access import authorize, load
from scheduler.web.forms import ActionForm, ConnectAccountForm, GrantForm

bp = Blueprint("accounts", __name__)


def callback_url(platform: str) -> str:
    """The exact redirect URI registered with the network."""
    public_url = current_app.extensions["gatepost.settings"].public_url
    path = url_for("accounts.callback", platform=platform)
    return f"{public_url}{path}" if public_url else url_for("accounts.callback", platform=platform, _external=True)


def _teams() -> list[Team]:
    return list(db.session.scalars(sa.select(Team).order_by(Team.name)))


def connect_form() -> ConnectAccountForm:
    form = ConnectAccountForm()
    form.platform.choices = [(name, DISPLAY_NAMES.get(name, name)) for name in configured_platforms()]
    form.owning_team_id.choices = [(t.id, t.name) for t in _teams()]
    return form


@bp.get("/admin/accounts")
@login_required
def index():
    authorize("account.manage")
    accounts = db.session.scalars(sa.select(SocialAccount).order_by(SocialAccount.platform, SocialAccount.name)).all()
    return render_template("accounts/index.html", accounts=accounts, form=connect_form(),
                           health=account_service.health, display_names=DISPLAY_NAMES)


@bp.post("/admin/accounts/connect")
@login_required
def connect():
    authorize("account.connect")
    form = connect_form()
    if not form.validate_on_submit():
        accounts = db.session.scalars(sa.select(SocialAccount)).all()
        return render_template("accounts/index.html", accounts=accounts, form=form,
                               health=account_service.health, display_names=DISPLAY_NAMES), 400
    try:
        intent = account_service.clean_intent(form.purpose_kind.data, form.purpose.data,
                                              db.session.get(Team, form.owning_team_id.data),
                                              form.is_alumni_channel.data)
        url = account_service.start_connect(current_user, form.platform.data, intent,
                                            callback_url(form.platform.data))
    except ServiceError as exc:
        db.session.rollback()
        flash(exc.message, "error")
        return redirect(url_for("accounts.index")), 303
    db.session.commit()
    return redirect(url, 303)


@bp.post("/admin/accounts/<int:account_id>/reconnect")
@login_required
def reconnect(account_id: int):
    account = load(SocialAccount, account_id, "account.manage")
    ActionForm()
    intent = account_service.ConnectIntent(account.purpose_kind, account.purpose, account.owning_team,
                                           account.is_alumni_channel)
    try:
        url = account_service.start_connect(current_user, account.platform, intent, callback_url(account.platform),
                                            reconnect=account)
    except ServiceError as exc:
        db.session.rollback()
        flash(exc.message, "error")
        return redirect(url_for("accounts.detail", account_id=account.id)), 303
    db.session.commit()
    return redirect(url, 303)


@bp.get("/accounts/callback/<platform>")
@login_required
def callback(platform: str):
    authorize("account.connect")
    params = {key: value[:2000] for key, value in request.args.items()}
    try:
        outcome = account_service.complete_connect(current_user, platform, params, callback_url(platform))
    except ServiceError as exc:
        db.session.commit()  # keeps the audit of the failure and the spent attempt
        flash(exc.message, "error")
        return redirect(url_for("accounts.index"))
    db.session.commit()
    if outcome.attempt is not None:
        return redirect(url_for("accounts.choose", attempt_id=outcome.attempt.id))
    for account in outcome.accounts:
        flash(f"Connected {account.name}. Grant it to the teams that may publish through it.", "info")
    return redirect(url_for("accounts.detail", account_id=outcome.accounts[0].id))


@bp.route("/admin/accounts/choose/<int:attempt_id>", methods=["GET", "POST"])
@login_required
def choose(attempt_id: int):
    authorize("account.connect")
    try:
        attempt, identities = account_service.pending_choice(current_user, attempt_id)
    except ServiceError as exc:
        flash(exc.message, "error")
        return redirect(url_for("accounts.index"))
    form = ActionForm()
    status = 200
    if request.method == "POST" and form.validate_on_submit():
        try:
            chosen = account_service.choose_identities(current_user, attempt_id, request.form.getlist("external_id"))
        except ServiceError as exc:
            db.session.rollback()
            flash(exc.message, "error")
            status = exc.status
        else:
            db.session.commit()
            flash("Connected " + ", ".join(a.name for a in chosen) + ".", "info")
            return redirect(url_for("accounts.index"))
    elif request.method == "POST":
        status = 400
    existing = set(db.session.scalars(sa.select(SocialAccount.external_id).where(
        SocialAccount.platform == attempt.platform)))
    return render_template("accounts/choose.html", attempt=attempt, identities=identities, form=form,
                           existing=existing, display_names=DISPLAY_NAMES), status


def _render_detail(account: SocialAccount, grant_form=None, status: int = 200):
    grant_form = grant_form or GrantForm()
    granted = account.granted_team_ids
    grant_form.team_id.choices = [(t.id, t.name) for t in _teams() if t.id not in granted]
    return render_template("accounts/detail.html", account=account, grant_form=grant_form,
                           action_form=ActionForm(), health=account_service.health(account),
                           display_names=DISPLAY_NAMES), status


@bp.get("/admin/accounts/<int:account_id>")
@login_required
def detail(account_id: int):
    return _render_detail(load(SocialAccount, account_id, "account.manage"))


@bp.post("/admin/accounts/<int:account_id>/grants")
@login_required
def add_grant(account_id: int):
    account = load(SocialAccount, account_id, "account.manage")
    form = GrantForm()
    form.team_id.choices = [(t.id, t.name) for t in _teams() if t.id not in account.granted_team_ids]
    if not form.validate_on_submit():
        return _render_detail(account, form, 400)
    team = db.session.get(Team, form.team_id.data)
    try:
        account_service.grant(current_user, account, team)
    except ServiceError as exc:
        db.session.rollback()
        flash(exc.message, "error")
        return redirect(url_for("accounts.detail", account_id=account.id)), 303
    db.session.commit()
    flash(f"{team.name} may now publish through {account.name}.", "info")
    return redirect(url_for("accounts.detail", account_id=account.id)), 303


@bp.post("/admin/accounts/<int:account_id>/grants/<int:team_id>/revoke")
@login_required
def revoke_grant(account_id: int, team_id: int):
    account = load(SocialAccount, account_id, "account.manage")
    ActionForm()
    team = db.session.get(Team, team_id)
    if team is None:
        from flask import abort

        abort(404)
    try:
        account_service.revoke_grant(current_user, account, team)
    except ServiceError as exc:
        db.session.rollback()
        flash(exc.message, "error")
        return redirect(url_for("accounts.detail", account_id=account.id)), 303
    db.session.commit()
    flash(f"{team.name} may no longer publish through {account.name}.", "info")
    return redirect(url_for("accounts.detail", account_id=account.id)), 303


@bp.post("/admin/accounts/<int:account_id>/disconnect")
@login_required
def disconnect(account_id: int):
    account = load(SocialAccount, account_id, "account.manage")
    ActionForm()
    try:
        revoked = account_service.disconnect(current_user, account)
    except ServiceError as exc:
        db.session.rollback()
        flash(exc.message, "error")
        return redirect(url_for("accounts.detail", account_id=account.id)), 303
    db.session.commit()
    network = DISPLAY_NAMES.get(account.platform, account.platform)
    flash(f"Disconnected {account.name}; its tokens are deleted" + (
        f" and {network} has revoked them." if revoked else
        f". {network} offers no way for Gatepost to revoke access; remove the Gatepost app in the account's "
        f"settings on {network} if it should end there too."), "info")
    return redirect(url_for("accounts.detail", account_id=account.id)), 303


@bp.get("/channels")
def public_channels():
    """The organisation's official channels in use (public, as the guidelines suggest)."""
    return render_template("accounts/channels.html", accounts=account_service.official_channels(),
                           display_names=DISPLAY_NAMES)
