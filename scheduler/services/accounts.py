"""Connecting shared official accounts, granting them to teams, and their health.

An admin connects an account once through the network's OAuth flow; tokens
go straight into the vault; teams are then granted the right to publish
through it. Nobody sees a token again.
"""
from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from datetime import timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from platforms import Authorization, ConnectedIdentity, PlatformError
from scheduler.connectors import DISPLAY_NAMES, connector_for
from scheduler.extensions import db
from scheduler.models import (AccountGrant, AccountPurpose, AccountStatus, OAuthAttempt, SocialAccount, Team, User,
                              now_utc)
from scheduler.services.audit import record_event, record_event_in
from scheduler.services.errors import Conflict, InvalidInput, NotFound
from scheduler.services.notifications import notify_admins
from scheduler.services.validation import clean_bool, clean_text
from scheduler.vault import current_vault

log = logging.getLogger(__name__)

ATTEMPT_LIFETIME = timedelta(minutes=15)
EXPIRING_SOON = timedelta(days=7)
PURPOSE_MAX = 300


def _digest(state: str) -> str:
    return hashlib.sha256(state.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class ConnectIntent:
    """What the admin says about the account before leaving for the network."""

    purpose_kind: AccountPurpose
    purpose: str
    owning_team: Team
    is_alumni_channel: bool


def clean_intent(purpose_kind, purpose, owning_team: Team | None, is_alumni_channel) -> ConnectIntent:
    try:
        kind = AccountPurpose(purpose_kind)
    except ValueError:
        raise InvalidInput("Say whether the account is a unit's or initiative's channel, or an individual's "
                           "staff profile.", "purpose_kind") from None
    purpose = clean_text(purpose, "purpose", "Purpose", PURPOSE_MAX)
    if owning_team is None:
        raise InvalidInput("Choose the team that owns this account.", "owning_team_id")
    return ConnectIntent(kind, purpose, owning_team, clean_bool(is_alumni_channel, "is_alumni_channel",
                                                                "Alumni channel"))


def start_connect(actor: User, platform: str, intent: ConnectIntent, redirect_uri: str,
                  reconnect: SocialAccount | None = None) -> str:
    """Record the attempt and return the network's authorisation URL to send the admin to."""
    try:
        connector = connector_for(platform)
    except LookupError as exc:
        raise InvalidInput(str(exc), "platform") from None
    request = connector.authorization_url(redirect_uri)
    vault = current_vault()
    attempt = OAuthAttempt(
        state_digest=_digest(request.state), platform=platform, admin_id=actor.id,
        code_verifier_encrypted=vault.encrypt(request.code_verifier) if request.code_verifier else None,
        reconnect_account_id=reconnect.id if reconnect else None,
        purpose_kind=intent.purpose_kind, purpose=intent.purpose, owning_team_id=intent.owning_team.id,
        is_alumni_channel=intent.is_alumni_channel,
    )
    db.session.add(attempt)
    db.session.flush()
    record_event(actor, "account.connect_started", "oauth_attempt", attempt.id, platform=platform,
                 reconnect_account_id=attempt.reconnect_account_id)
    return request.url


def _attempt_for_state(actor: User, platform: str, state: str | None) -> OAuthAttempt:
    attempt = db.session.scalar(sa.select(OAuthAttempt).where(OAuthAttempt.state_digest == _digest(state or "")))
    if attempt is None or attempt.platform != platform or attempt.admin_id != actor.id:
        raise InvalidInput("This sign-in answer does not match a connection you started (state mismatch). "
                           "Start connecting the account again.")
    if attempt.completed_at is not None:
        raise InvalidInput("This connection was already completed; start again to connect another account.")
    if now_utc() - attempt.created_at > ATTEMPT_LIFETIME:
        raise InvalidInput("This connection took too long and has expired. Start connecting the account again.")
    return attempt


def _finish(attempt: OAuthAttempt) -> None:
    """Mark an attempt used and drop the secrets it no longer needs."""
    attempt.completed_at = now_utc()
    attempt.code_verifier_encrypted = None
    attempt.authorization_encrypted = None


@dataclass
class ConnectOutcome:
    accounts: list[SocialAccount]
    attempt: OAuthAttempt | None = None  # set when the admin must choose pages/organisations
    choices: list[ConnectedIdentity] | None = None


def complete_connect(actor: User, platform: str, callback_params: dict, redirect_uri: str) -> ConnectOutcome:
    """Finish the OAuth dance. One identity (or a reconnect) is connected at once; several wait for a choice."""
    attempt = _attempt_for_state(actor, platform, callback_params.get("state"))
    vault = current_vault()
    connector = connector_for(platform)
    verifier = vault.decrypt(attempt.code_verifier_encrypted) if attempt.code_verifier_encrypted else None
    try:
        authorization = connector.complete_authorization(
            callback_params, redirect_uri=redirect_uri, expected_state=callback_params.get("state") or "",
            code_verifier=verifier)
    except PlatformError as exc:
        _finish(attempt)  # a code is single-use: this attempt is over either way
        record_event(actor, "account.connect_failed", "oauth_attempt", attempt.id, platform=platform,
                     reason=getattr(exc, "reason", exc.kind))
        db.session.flush()
        raise InvalidInput(f"{DISPLAY_NAMES.get(platform, platform)} did not connect: {exc.message}") from None

    if attempt.reconnect_account_id is not None:
        account = db.session.get(SocialAccount, attempt.reconnect_account_id)
        identity = next((i for i in authorization.identities if i.external_id == account.external_id), None)
        _finish(attempt)
        if identity is None:
            db.session.flush()
            raise InvalidInput(f"The account you signed in with does not manage {account.name}. Sign in as an "
                               "account that does, then reconnect again.")
        _reconnect(actor, account, identity, authorization)
        return ConnectOutcome([account])
    if len(authorization.identities) == 1:
        _finish(attempt)
        return ConnectOutcome([_register(actor, attempt, authorization.identities[0], authorization)])
    if not authorization.identities:
        _finish(attempt)
        db.session.flush()
        raise InvalidInput("That sign-in does not manage any page or organisation we can publish to.")
    attempt.authorization_encrypted = vault.seal_authorization(authorization)
    db.session.flush()
    return ConnectOutcome([], attempt, authorization.identities)


def pending_choice(actor: User, attempt_id: int) -> tuple[OAuthAttempt, list[ConnectedIdentity]]:
    attempt = db.session.get(OAuthAttempt, attempt_id)
    if attempt is None or attempt.admin_id != actor.id or attempt.authorization_encrypted is None \
            or attempt.completed_at is not None:
        raise NotFound("That connection is no longer waiting for a choice.")
    if now_utc() - attempt.created_at > ATTEMPT_LIFETIME:
        raise InvalidInput("This connection took too long and has expired. Start connecting the account again.")
    return attempt, current_vault().open_authorization(attempt.authorization_encrypted).identities


def choose_identities(actor: User, attempt_id: int, external_ids) -> list[SocialAccount]:
    """Connect the pages/organisations the admin picked from one consent."""
    attempt, _ = pending_choice(actor, attempt_id)
    if not isinstance(external_ids, (list, tuple)) or not external_ids \
            or not all(isinstance(x, str) for x in external_ids):
        raise InvalidInput("Choose at least one page or organisation to connect.", "external_ids")
    authorization = current_vault().open_authorization(attempt.authorization_encrypted)
    by_id = {identity.external_id: identity for identity in authorization.identities}
    unknown = [x for x in external_ids if x not in by_id]
    if unknown:
        raise InvalidInput("That choice was not offered by this sign-in.", "external_ids")
    accounts = [_register(actor, attempt, by_id[x], authorization) for x in dict.fromkeys(external_ids)]
    _finish(attempt)  # the unchosen pages' tokens are dropped
    db.session.flush()
    return accounts


def _register(actor: User, attempt: OAuthAttempt, identity: ConnectedIdentity,
              authorization: Authorization) -> SocialAccount:
    existing = db.session.scalar(sa.select(SocialAccount).where(
        SocialAccount.platform == attempt.platform, SocialAccount.external_id == identity.external_id))
    if existing is not None:
        if existing.status == AccountStatus.connected:
            raise Conflict(f"{existing.name} is already connected. Use Reconnect on its page to renew access.")
        _reconnect(actor, existing, identity, authorization)
        return existing
    account = SocialAccount(
        platform=attempt.platform, external_id=identity.external_id, kind=identity.kind,
        name=identity.name[:200], handle=_plain_handle(identity.handle), url=identity.url,
        purpose_kind=attempt.purpose_kind, purpose=attempt.purpose, owning_team_id=attempt.owning_team_id,
        is_alumni_channel=attempt.is_alumni_channel, status=AccountStatus.connected, connected_by_id=actor.id,
        connected_at=now_utc(),
    )
    db.session.add(account)
    db.session.flush()
    current_vault().store(db.session, account, identity.token or authorization.token)
    # The owning team may publish through its own account from the start.
    db.session.add(AccountGrant(account_id=account.id, team_id=account.owning_team_id, granted_by_id=actor.id))
    db.session.flush()
    db.session.refresh(account)
    record_event(actor, "account.connected", "account", account.id, platform=account.platform,
                 external_id=account.external_id, name=account.name, purpose_kind=account.purpose_kind.value,
                 purpose=account.purpose, owning_team_id=account.owning_team_id,
                 is_alumni_channel=account.is_alumni_channel)
    if account.is_alumni_channel:
        _tell_alumni_relations(account)
    return account


def _plain_handle(handle: str | None) -> str | None:
    """Handles are stored without the network's '@' so pages can add it consistently."""
    return (handle or "").lstrip("@")[:200] or None


def _reconnect(actor: User, account: SocialAccount, identity: ConnectedIdentity,
               authorization: Authorization) -> None:
    """Fresh tokens for an existing account: its history and grants stay."""
    current_vault().store(db.session, account, identity.token or authorization.token)
    account.status = AccountStatus.connected
    account.status_reason = None
    account.name = identity.name[:200]
    account.handle = _plain_handle(identity.handle) or account.handle
    account.url = identity.url or account.url
    account.connected_by_id = actor.id
    account.connected_at = now_utc()
    db.session.flush()
    record_event(actor, "account.reconnected", "account", account.id, platform=account.platform)
    from scheduler.services.posts import resume_held_targets

    resume_held_targets(account)


def _tell_alumni_relations(account: SocialAccount) -> None:
    """The guidelines ask staff to inform Alumni Relations of new alumni channels."""
    from flask import current_app

    from scheduler.services.mail import send_mail_after_commit

    settings = current_app.extensions["gatepost.settings"]
    message = (f"A new alumni channel was connected to Gatepost: {account.name} on "
               f"{DISPLAY_NAMES.get(account.platform, account.platform)} ({account.url or account.external_id}), "
               f"purpose: {account.purpose}.")
    if settings.alumni_relations_email:
        send_mail_after_commit(settings.alumni_relations_email, "New alumni social media channel", message)
        record_event(None, "account.alumni_relations_informed", "account", account.id,
                     to=settings.alumni_relations_email)
    else:
        notify_admins(db.session, "alumni_channel",
                      message + " No Alumni Relations address is configured (GATEPOST_ALUMNI_RELATIONS_EMAIL): "
                                "please tell them yourself.", f"/admin/accounts/{account.id}")
        record_event(None, "account.alumni_relations_not_configured", "account", account.id)


def mark_needs_reconnect(session: Session, account: SocialAccount, reason: str) -> None:
    """A definitive authorisation failure: hold the account, tell the admins."""
    if account.status == AccountStatus.needs_reconnect:
        return
    account.status = AccountStatus.needs_reconnect
    account.status_reason = reason[:500]
    session.flush()
    record_event_in(session, None, "account.needs_reconnect", "account", account.id, reason=reason[:500])
    notify_admins(session, "account_needs_reconnect",
                  f"{account.name} ({DISPLAY_NAMES.get(account.platform, account.platform)}) needs to be "
                  f"reconnected: {reason}", f"/admin/accounts/{account.id}")


def disconnect(actor: User, account: SocialAccount) -> bool:
    """Delete the tokens (revoking them at the network where it offers that). Grants and history stay."""
    if account.status == AccountStatus.disconnected:
        raise Conflict(f"{account.name} is already disconnected.")
    revoked = False
    try:
        revoked = connector_for(account.platform).revoke(current_vault().load(db.session, account))
    except Exception as exc:  # the tokens are deleted below whatever the network says
        log.warning("could not revoke tokens of account %s at the network: %s", account.id, type(exc).__name__)
    current_vault().forget(db.session, account)
    account.status = AccountStatus.disconnected
    account.status_reason = "Disconnected by an admin."
    account.token_expires_at = None
    db.session.flush()
    record_event(actor, "account.disconnected", "account", account.id, revoked_at_network=revoked)
    return revoked


def grant(actor: User, account: SocialAccount, team: Team) -> AccountGrant:
    if any(g.team_id == team.id for g in account.grants):
        raise Conflict(f"{team.name} may already publish through {account.name}.", "team_id")
    new_grant = AccountGrant(account_id=account.id, team_id=team.id, granted_by_id=actor.id)
    db.session.add(new_grant)
    db.session.flush()
    db.session.expire(account, ["grants"])
    record_event(actor, "account.granted", "account", account.id, team_id=team.id)
    return new_grant


def revoke_grant(actor: User, account: SocialAccount, team: Team) -> None:
    existing = next((g for g in account.grants if g.team_id == team.id), None)
    if existing is None:
        raise NotFound(f"{team.name} has no grant on {account.name}.", "team_id")
    db.session.delete(existing)
    db.session.flush()
    db.session.expire(account, ["grants"])
    record_event(actor, "account.grant_revoked", "account", account.id, team_id=team.id)


def health(account: SocialAccount) -> tuple[str, str]:
    """(code, sentence) describing whether the account can publish."""
    if account.status == AccountStatus.disconnected:
        return "disconnected", "Disconnected: no tokens are stored."
    if account.status == AccountStatus.needs_reconnect:
        return "needs_reconnect", f"Needs reconnecting: {account.status_reason or 'access was refused.'}"
    if account.token_expires_at is not None and not account.can_refresh \
            and account.token_expires_at - now_utc() < EXPIRING_SOON:
        return "expiring_soon", f"Connected, but access ends {account.token_expires_at:%Y-%m-%d %H:%M} UTC and " \
                                "cannot be renewed automatically: reconnect before then."
    return "connected", "Connected."


def official_channels() -> list[SocialAccount]:
    return list(db.session.scalars(sa.select(SocialAccount).where(
        SocialAccount.status != AccountStatus.disconnected).order_by(SocialAccount.platform, SocialAccount.name)))
