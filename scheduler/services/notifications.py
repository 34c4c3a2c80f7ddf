"""Telling people: in-app notifications now, email after commit when SMTP is configured."""
from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Session

from scheduler.models import Notification, User


def notify_users(session: Session, users, kind: str, message: str, link: str | None = None) -> list[Notification]:
    notes = [Notification(user_id=user.id, kind=kind, message=message[:1000], link=link) for user in users]
    session.add_all(notes)
    session.flush()
    return notes


def active_admins(session: Session) -> list[User]:
    return list(session.scalars(sa.select(User).where(User.is_admin.is_(True), User.active.is_(True))))


def notify_admins(session: Session, kind: str, message: str, link: str | None = None) -> list[Notification]:
    return notify_users(session, active_admins(session), kind, message, link)


# Kinds that also go out by email (in a digest) and, for managers, to the chat webhook.
EMAILED_KINDS = frozenset({"approval_needed", "approval_escalated", "post_held_by_policy", "post_approved",
                           "changes_requested", "post_rejected", "post_expired", "post_escalated", "post_held",
                           "account_needs_reconnect", "alumni_channel"})
WEBHOOK_KINDS = frozenset({"approval_needed", "approval_escalated"})


def deliver_digests(settings, now) -> dict:
    """One email per person for everything new since the last run, and one webhook message per run.

    A burst of fifty flagged posts becomes one email to each manager, not fifty.
    Failed jobs are retried by the next run: nothing is marked delivered until sent.
    """
    import json
    import urllib.request

    from scheduler.extensions import db
    from scheduler.services.mail import deliver

    pending = db.session.scalars(sa.select(Notification).where(Notification.delivered_at.is_(None))
                                 .order_by(Notification.user_id, Notification.id).limit(5000)).all()
    report = {"emails": 0, "webhook_items": 0, "skipped": 0}
    by_user: dict[int, list[Notification]] = {}
    for note in pending:
        by_user.setdefault(note.user_id, []).append(note)
    webhook_lines = []
    for user_id, notes in by_user.items():
        user = db.session.get(User, user_id)
        wanted = [n for n in notes if n.kind in EMAILED_KINDS]
        if settings.smtp_url and wanted and user is not None and user.active:
            body = "\n\n".join(f"- {n.message}" + (f"\n  {settings.public_url or ''}{n.link}" if n.link else "")
                               for n in wanted)
            subject = "Gatepost: 1 update" if len(wanted) == 1 else f"Gatepost: {len(wanted)} updates"
            deliver(settings.smtp_url, settings.mail_from, user.email, subject, body)
            report["emails"] += 1
        webhook_lines += [(n.message, n.link) for n in notes if n.kind in WEBHOOK_KINDS]
        for note in notes:
            note.delivered_at = now
        db.session.commit()  # per person: a later failure does not resend these
    unique_lines = list(dict.fromkeys(webhook_lines))  # each manager got the same news about a post
    if settings.approval_webhook_url and unique_lines:
        payload = json.dumps({"text": "Gatepost: posts waiting for sign-off\n" + "\n".join(
            f"• {message} {settings.public_url or ''}{link or ''}".rstrip() for message, link in unique_lines)
        }).encode("utf-8")
        request = urllib.request.Request(settings.approval_webhook_url, data=payload,
                                         headers={"Content-Type": "application/json"}, method="POST")
        with urllib.request.urlopen(request, timeout=10):
            pass
        report["webhook_items"] = len(unique_lines)
    return report
