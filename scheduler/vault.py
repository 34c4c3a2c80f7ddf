"""The token vault: the only code that reads or writes token material.

Tokens are encrypted at rest with Fernet keys from GATEPOST_TOKEN_KEYS (the
first key encrypts, every key decrypts, so keys can be rotated). Refreshes
are serialised per account with a Redis lock, because some networks' refresh
tokens are single-use: two workers spending the same one would lose the
account. Refreshed tokens are written in their own short transaction, so a
token the network has already rotated is never lost to a later rollback.
"""
from __future__ import annotations

import json
import logging
from datetime import timedelta

import sqlalchemy as sa
from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from sqlalchemy.orm import Session

from platforms import Authorization, ConnectedIdentity, Platform, PlatformError, TokenSet
from platforms.errors import AUTH

from scheduler.models import AccountCredential, AccountStatus, OAuthAttempt, SocialAccount, now_utc

log = logging.getLogger(__name__)

REFRESH_LEEWAY = timedelta(minutes=5)
LOCK_TIMEOUT_SECONDS = 60
LOCK_WAIT_SECONDS = 30


class VaultError(RuntimeError):
    """The vault cannot serve a token; the message is safe to show an admin."""


class AccountNeedsReconnect(VaultError):
    pass


class Vault:
    def __init__(self, keys: tuple[str, ...], engine: sa.Engine, redis_connection_getter):
        self._fernet = MultiFernet([Fernet(key.encode()) for key in keys])
        self._engine = engine
        self._redis = redis_connection_getter

    # --- encryption ------------------------------------------------------------

    def encrypt(self, plaintext: str) -> str:
        return self._fernet.encrypt(plaintext.encode("utf-8")).decode("ascii")

    def decrypt(self, ciphertext: str) -> str:
        try:
            return self._fernet.decrypt(ciphertext.encode("ascii")).decode("utf-8")
        except InvalidToken:
            raise VaultError("A stored token cannot be decrypted with the configured keys "
                             "(was GATEPOST_TOKEN_KEYS changed without keeping the old key?)") from None

    # --- tokens of connected accounts --------------------------------------------

    def store(self, session: Session, account: SocialAccount, token: TokenSet) -> None:
        """Write an account's tokens (in the caller's transaction)."""
        credential = session.get(AccountCredential, account.id)
        if credential is None:
            credential = AccountCredential(account_id=account.id)
            session.add(credential)
        credential.access_token_encrypted = self.encrypt(token.access_token)
        # Some networks omit the refresh token on refresh: never replace a
        # stored one with nothing.
        if token.refresh_token:
            credential.refresh_token_encrypted = self.encrypt(token.refresh_token)
        credential.expires_at = token.expires_at
        credential.token_type = token.token_type or "bearer"
        credential.updated_at = now_utc()
        account.token_expires_at = token.expires_at
        account.can_refresh = credential.refresh_token_encrypted is not None
        if token.scope:
            account.scopes = token.scope[:1000]
        session.flush()

    def load(self, session: Session, account: SocialAccount) -> TokenSet:
        credential = session.get(AccountCredential, account.id, populate_existing=True)
        if credential is None:
            raise AccountNeedsReconnect(f"{account.name} has no stored tokens; an admin must reconnect it.")
        return TokenSet(
            access_token=self.decrypt(credential.access_token_encrypted),
            refresh_token=self.decrypt(credential.refresh_token_encrypted)
            if credential.refresh_token_encrypted else None,
            expires_at=credential.expires_at,
            scope=account.scopes,
            token_type=credential.token_type,
        )

    def forget(self, session: Session, account: SocialAccount) -> None:
        account.can_refresh = False
        session.execute(sa.delete(AccountCredential).where(AccountCredential.account_id == account.id))

    def rotate(self, session: Session) -> int:
        """Re-encrypt every stored secret under the newest key; returns how many."""
        count = 0
        for credential in session.scalars(sa.select(AccountCredential)):
            credential.access_token_encrypted = self._rotate(credential.access_token_encrypted)
            if credential.refresh_token_encrypted:
                credential.refresh_token_encrypted = self._rotate(credential.refresh_token_encrypted)
            count += 1
        for attempt in session.scalars(sa.select(OAuthAttempt)):
            for column in ("code_verifier_encrypted", "authorization_encrypted"):
                if getattr(attempt, column):
                    setattr(attempt, column, self._rotate(getattr(attempt, column)))
                    count += 1
        session.flush()
        return count

    def _rotate(self, ciphertext: str) -> str:
        try:
            return self._fernet.rotate(ciphertext.encode("ascii")).decode("ascii")
        except InvalidToken:
            raise VaultError("A stored token cannot be decrypted with the configured keys; nothing was rotated.") \
                from None

    # --- connect-flow secrets (PKCE verifier, tokens awaiting a choice of pages) ---

    def seal_authorization(self, authorization: Authorization) -> str:
        def token_dict(token: TokenSet | None):
            if token is None:
                return None
            return {"access_token": token.access_token, "refresh_token": token.refresh_token,
                    "expires_at": token.expires_at.isoformat() if token.expires_at else None,
                    "scope": token.scope, "token_type": token.token_type}

        payload = {
            "token": token_dict(authorization.token),
            "identities": [{"external_id": i.external_id, "name": i.name, "handle": i.handle, "kind": i.kind,
                            "url": i.url, "token": token_dict(i.token)} for i in authorization.identities],
        }
        return self.encrypt(json.dumps(payload))

    def open_authorization(self, sealed: str) -> Authorization:
        from datetime import datetime

        def token_set(data):
            if data is None:
                return None
            expires = datetime.fromisoformat(data["expires_at"]) if data["expires_at"] else None
            return TokenSet(access_token=data["access_token"], refresh_token=data["refresh_token"],
                            expires_at=expires, scope=data["scope"], token_type=data["token_type"])

        payload = json.loads(self.decrypt(sealed))
        return Authorization(
            token=token_set(payload["token"]),
            identities=[ConnectedIdentity(external_id=i["external_id"], name=i["name"], handle=i["handle"],
                                          kind=i["kind"], url=i["url"], token=token_set(i["token"]))
                        for i in payload["identities"]],
        )

    # --- fresh tokens for publishing ------------------------------------------------

    def fresh_token(self, account_id: int, connector: Platform) -> TokenSet:
        """A token good for at least REFRESH_LEEWAY, refreshing first if needed."""
        with Session(self._engine) as session:
            account = self._usable_account(session, account_id)
            token = self.load(session, account)
        if not token.is_expired(leeway_seconds=int(REFRESH_LEEWAY.total_seconds())):
            return token
        return self.refresh(account_id, connector, stale=token)

    def call_with_token(self, account_id: int, connector: Platform, call):
        """Run `call(token)` with a fresh token; on an auth failure refresh once and try again.

        An auth answer means the network refused the request before acting on
        it, so the one retry cannot duplicate anything. A second auth failure
        marks the account for reconnection.
        """
        token = self.fresh_token(account_id, connector)
        try:
            return call(token)
        except PlatformError as exc:
            if exc.kind != AUTH:
                raise
            log.info("account %s: the network refused the token; refreshing once", account_id)
        token = self.refresh(account_id, connector, stale=token)
        try:
            return call(token)
        except PlatformError as exc:
            if exc.kind == AUTH:
                with Session(self._engine) as session:
                    self._mark_needs_reconnect(session, session.get(SocialAccount, account_id), exc.message)
                    session.commit()
                raise AccountNeedsReconnect(f"The network still refuses access after a refresh: {exc.message}") \
                    from None
            raise

    def refresh(self, account_id: int, connector: Platform, stale: TokenSet) -> TokenSet:
        """Refresh once, under the account's lock; `stale` is the token that failed or is expiring.

        If another worker refreshed while we waited for the lock, its token is
        used and the network is not asked again.
        """
        lock = self._redis().lock(f"gatepost:vault:refresh:{account_id}", timeout=LOCK_TIMEOUT_SECONDS,
                                  blocking_timeout=LOCK_WAIT_SECONDS)
        if not lock.acquire():
            raise PlatformError("transient", "another worker is still refreshing this account's token")
        try:
            with Session(self._engine) as session:
                account = self._usable_account(session, account_id)
                current = self.load(session, account)
                if current.access_token != stale.access_token and \
                        not current.is_expired(leeway_seconds=int(REFRESH_LEEWAY.total_seconds())):
                    return current  # another worker refreshed while we waited for the lock
                if not current.refresh_token:
                    self._mark_needs_reconnect(session, account, "the network gave no refresh token and the "
                                                                 "access token has expired")
                    session.commit()
                    raise AccountNeedsReconnect(f"{account.name} must be reconnected by an admin.")
                try:
                    fresh = connector.refresh(current)
                except PlatformError as exc:
                    if exc.kind == AUTH:
                        self._mark_needs_reconnect(session, account, exc.message)
                        session.commit()
                        raise AccountNeedsReconnect(f"{account.name} must be reconnected by an admin: "
                                                    f"{exc.message}") from None
                    log.warning("token refresh for account %s failed (%s); it stays connected",
                                account_id, exc.kind)
                    raise
                self.store(session, account, fresh)
                from scheduler.services.audit import record_event_in

                record_event_in(session, None, "account.token_refreshed", "account", account.id,
                                expires_at=fresh.expires_at.isoformat() if fresh.expires_at else None)
                session.commit()
                log.info("refreshed the token of account %s", account_id)
                return self.load(session, account)
        finally:
            try:
                lock.release()
            except Exception:  # the lock expired: nothing to release
                log.warning("refresh lock of account %s had expired before release", account_id)

    def _usable_account(self, session: Session, account_id: int) -> SocialAccount:
        account = session.get(SocialAccount, account_id)
        if account is None or account.status == AccountStatus.disconnected:
            raise AccountNeedsReconnect("This account is disconnected.")
        if account.status == AccountStatus.needs_reconnect:
            raise AccountNeedsReconnect(f"{account.name} must be reconnected by an admin.")
        return account

    def _mark_needs_reconnect(self, session: Session, account: SocialAccount, reason: str) -> None:
        from scheduler.services.accounts import mark_needs_reconnect

        mark_needs_reconnect(session, account, reason)


def current_vault() -> Vault:
    """The app's vault, built on first use (it needs the engine and Redis)."""
    from flask import current_app

    from scheduler.extensions import db
    from scheduler.queueing import task_queue

    vault = current_app.extensions.get("gatepost.vault")
    if vault is None:
        settings = current_app.extensions["gatepost.settings"]
        queue = task_queue()
        vault = Vault(settings.token_keys, db.engine, lambda: queue.connection)
        current_app.extensions["gatepost.vault"] = vault
    return vault
